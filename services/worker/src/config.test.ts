import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { ConfigError, envTable } from "@acme/service-kit";
import { ENV_SPEC, HANDOFF_ENV_SPEC, readWorkerConfig } from "./config";

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    readWorkerConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail("expected a ConfigError");
}

describe("worker configuration", () => {
  it("runs locally with no variables set, with the documented defaults", () => {
    const config = readWorkerConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.transport, "local");
    assert.equal(config.eventBus, "local");
    assert.equal(config.sqsWaitTimeSeconds, 20);
    assert.equal(config.sqsMaxMessages, 10);
    assert.equal(config.sqsVisibilityTimeoutSeconds, 60);
    assert.equal(config.kafkaTopic, "domain-events");
    assert.equal(config.timeoutMs, 2000, "the kit's breaker variables are part of the spec");
    assert.equal(config.graceMs, 20_000, "and its shutdown variables");
  });

  it("names every variable the sqs transport and Kafka with IAM need, in one error", () => {
    const problems = problemsOf({ WORKER_TRANSPORT: "sqs", EVENT_BUS: "kafka" });
    assert.deepEqual(
      problems.map((p) => p.split(" ")[0]),
      ["TASK_QUEUE_URL", "DEAD_LETTER_QUEUE_URL", "AWS_REGION", "KAFKA_BROKERS", "AWS_REGION"],
    );
    assert.match(problems[0], /^TASK_QUEUE_URL is required when WORKER_TRANSPORT=sqs: /);
    assert.match(problems[4], /^AWS_REGION is required when EVENT_BUS=kafka and KAFKA_AUTH=iam: /);
  });

  it("reports invalid values together with cross-field problems", () => {
    const problems = problemsOf({
      WORKER_TRANSPORT: "sqs",
      TASK_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/111122223333/tasks",
      DEAD_LETTER_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/111122223333/tasks-dlq",
      SQS_MAX_MESSAGES: "11",
      KAFKA_AUTH: "scram",
    });
    assert.equal(problems.length, 3);
    assert.match(problems[0], /^SQS_MAX_MESSAGES="11" is invalid/);
    assert.match(problems[1], /^KAFKA_AUTH="scram" is invalid/);
    assert.match(problems[2], /^AWS_REGION is required when WORKER_TRANSPORT=sqs/);
  });

  it("refuses IAM authentication without TLS", () => {
    const problems = problemsOf({
      EVENT_BUS: "kafka",
      KAFKA_BROKERS: "b-1:9098",
      AWS_REGION: "eu-west-1",
      KAFKA_TLS: "false",
    });
    assert.deepEqual(problems, [
      "KAFKA_TLS must be true when KAFKA_AUTH=iam: MSK accepts IAM authentication over TLS only",
    ]);
  });

  it("accepts a complete sqs + Kafka configuration", () => {
    const config = readWorkerConfig({
      WORKER_TRANSPORT: "sqs",
      TASK_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/111122223333/tasks",
      DEAD_LETTER_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/111122223333/tasks-dlq",
      AWS_REGION: "eu-west-1",
      EVENT_BUS: "kafka",
      KAFKA_BROKERS: "b-1:9098, b-2:9098",
    });
    assert.deepEqual(config.kafkaBrokers, ["b-1:9098", "b-2:9098"]);
    assert.equal(config.kafkaAuth, "iam");
  });

  it("documents the handoff's variables in the README by exactly the generated table", () => {
    const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
    const table = envTable(HANDOFF_ENV_SPEC);
    assert.ok(
      readme.includes(`\n${table}\n`),
      `services/worker/README.md must contain the table envTable(HANDOFF_ENV_SPEC) renders:\n${table}`,
    );
  });

  it("is documented in the README by exactly the generated table", () => {
    const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
    const table = envTable(ENV_SPEC);
    assert.ok(
      readme.includes(`\n${table}\n`),
      `services/worker/README.md must contain the table envTable(ENV_SPEC) renders:\n${table}`,
    );
  });
});
