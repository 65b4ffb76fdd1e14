import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { ConfigError, envTable } from "@acme/service-kit";
import { ENV, readConfig } from "./config";

const README = path.resolve(__dirname, "../README.md");

describe("Service A configuration", () => {
  it("runs locally with no variables set: local submitter, memory store, port 8080", () => {
    const config = readConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.submitter, "local");
    assert.equal(config.requestStore, "memory");
    assert.equal(config.localFailureRate, 0);
  });

  it("names every missing or invalid variable in one error", () => {
    assert.throws(
      () =>
        readConfig({
          SUBMITTER: "sqs",
          REQUEST_STORE: "dynamodb",
          LOCAL_SUBMITTER_FAILURE_RATE: "2",
        }),
      (e: unknown) =>
        e instanceof ConfigError && /LOCAL_SUBMITTER_FAILURE_RATE="2" is invalid/.test(e.message),
    );
    assert.throws(
      () => readConfig({ SUBMITTER: "sqs", REQUEST_STORE: "dynamodb" }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.problems.length === 3 &&
        /WORK_QUEUE_URL is required when SUBMITTER=sqs/.test(e.message) &&
        /REQUEST_TABLE is required when REQUEST_STORE=dynamodb/.test(e.message) &&
        /AWS_REGION is required/.test(e.message),
    );
    assert.throws(() => readConfig({ PORT: "http" }), /PORT="http" is invalid/);
  });

  it("is documented in the README by the table generated from the spec", () => {
    assert.ok(
      fs.readFileSync(README, "utf8").includes(envTable(ENV)),
      "services/service-a/README.md must contain the table envTable(ENV) prints",
    );
  });
});
