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

  it("reads status from the record unless WORKFLOW_ENGINE names an engine", () => {
    assert.equal(readConfig({}).workflowEngine, "none");
    const argo = readConfig({
      WORKFLOW_ENGINE: "argo",
      ARGO_NAMESPACE: "workflows",
      ARGO_WORKFLOW_TEMPLATE: "service-a-request",
      KUBERNETES_SERVICE_HOST: "172.20.0.1",
    });
    assert.equal(argo.kubernetesPort, 443);
    assert.equal(argo.serviceAccountDir, "/var/run/secrets/kubernetes.io/serviceaccount");
  });

  it("names every variable an engine needs and lacks, in one error", () => {
    assert.throws(
      () => readConfig({ WORKFLOW_ENGINE: "argo" }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.problems.length === 3 &&
        /ARGO_NAMESPACE is required when WORKFLOW_ENGINE=argo/.test(e.message) &&
        /ARGO_WORKFLOW_TEMPLATE is required when WORKFLOW_ENGINE=argo/.test(e.message) &&
        /KUBERNETES_SERVICE_HOST is required when WORKFLOW_ENGINE=argo/.test(e.message),
    );
    assert.throws(
      () => readConfig({ WORKFLOW_ENGINE: "step-functions" }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.problems.length === 3 &&
        /AWS_REGION is required when .*WORKFLOW_ENGINE=step-functions/.test(e.message) &&
        /STATE_MACHINE_ARN is required when WORKFLOW_ENGINE=step-functions/.test(e.message) &&
        /REQUEST_STORE=dynamodb is required when WORKFLOW_ENGINE=step-functions/.test(e.message),
    );
    assert.throws(
      () =>
        readConfig({
          WORKFLOW_ENGINE: "step-functions",
          STATE_MACHINE_ARN: "acme-prod-service-a-request",
          REQUEST_STORE: "dynamodb",
          REQUEST_TABLE: "t",
          AWS_REGION: "eu-west-1",
        }),
      /STATE_MACHINE_ARN="acme-prod-service-a-request" is not a state machine ARN/,
    );
    assert.throws(
      () => readConfig({ WORKFLOW_ENGINE: "temporal" }),
      /WORKFLOW_ENGINE="temporal" is invalid/,
    );
  });

  it("is documented in the README by the table generated from the spec", () => {
    assert.ok(
      fs.readFileSync(README, "utf8").includes(envTable(ENV)),
      "services/service-a/README.md must contain the table envTable(ENV) prints",
    );
  });
});
