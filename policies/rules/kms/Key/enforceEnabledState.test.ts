import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { kmsKey } from "../../../fixtures/kms";
import { violationMessages } from "../../../lib/testing";
import { acmeKmsKeyEnforceEnabledState as policy } from "./enforceEnabledState";

describe(policy.name, () => {
  test("passes a key that leaves isEnabled unset or true", async () => {
    assert.deepEqual(await violationMessages(policy, kmsKey()), []);
    assert.deepEqual(await violationMessages(policy, { ...kmsKey(), isEnabled: true }), []);
  });

  test("reports a disabled key", async () => {
    assert.deepEqual(await violationMessages(policy, { ...kmsKey(), isEnabled: false }), [
      "isEnabled is false, so nothing encrypted with the key can be decrypted; set it to true.",
    ]);
  });
});
