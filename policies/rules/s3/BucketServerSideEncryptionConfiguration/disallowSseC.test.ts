import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { sseConfig } from "../../../fixtures/s3";
import { violationMessages } from "../../../lib/testing";
import { acmeS3BucketserversideencryptionconfigurationDisallowSseC as policy } from "./disallowSseC";

describe(policy.name, () => {
  test("passes a rule that blocks SSE-C", async () => {
    const config = sseConfig();
    config.rules = config.rules.map((r) => ({ ...r, blockedEncryptionTypes: ["SSE-C"] }));
    assert.deepEqual(await violationMessages(policy, config), []);
  });

  test("reports a rule that does not block SSE-C", async () => {
    const config = sseConfig();
    config.rules = config.rules.map((r) => ({ ...r, blockedEncryptionTypes: ["NONE"] }));
    assert.deepEqual(await violationMessages(policy, config), [
      'rules[0].blockedEncryptionTypes does not include "SSE-C"; add it so uploads with ' +
        "customer-provided keys are refused.",
    ]);
  });
});
