import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { container, taskDefinition } from "../../../fixtures/ecs";
import { violationMessages } from "../../../lib/testing";
import { CREDENTIAL_NAME_MARKERS } from "../../../lib/containerDefinitions";
import { acmeEcsTaskdefinitionDisallowCredentialEnvironment as policy } from "./disallowCredentialEnvironment";

const FIX =
  "pass it in secrets with valueFrom set to a Secrets Manager secret or SSM parameter ARN.";

const withVariable = (name: string) =>
  taskDefinition([
    { ...container(), environment: [...(container().environment ?? []), { name, value: "x" }] },
  ]);

describe(policy.name, () => {
  test("passes plain settings in environment and a credential in secrets", async () => {
    assert.deepEqual(await violationMessages(policy, taskDefinition()), []);
    for (const name of ["AWS_REGION", "OTEL_EXPORTER_OTLP_ENDPOINT", "KEY_PREFIX", "ACCESS_LOG"]) {
      assert.deepEqual(await violationMessages(policy, withVariable(name)), [], name);
    }
  });

  test("reports a variable named after each marker", async () => {
    for (const marker of CREDENTIAL_NAME_MARKERS) {
      const name = `APP_${marker}`;
      assert.deepEqual(
        await violationMessages(policy, withVariable(name)),
        [
          `container "main": environment variable "${name}" looks like a credential (its name contains ${marker}); ${FIX}`,
        ],
        name,
      );
    }
  });

  test("matches without case or separators", async () => {
    for (const [name, marker] of [
      ["dbPassword", "PASSWORD"],
      ["AWS_SECRET_ACCESS_KEY", "SECRET"],
      ["githubtoken", "TOKEN"],
      ["SIGNING-PRIVATEKEY", "PRIVATE_KEY"],
    ]) {
      assert.deepEqual(
        await violationMessages(policy, withVariable(name)),
        [
          `container "main": environment variable "${name}" looks like a credential (its name contains ${marker}); ${FIX}`,
        ],
        name,
      );
    }
  });
});
