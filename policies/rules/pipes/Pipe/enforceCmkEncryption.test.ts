import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { pipe } from "../../../fixtures/sfn";
import { violationMessages } from "../../../lib/testing";
import { acmePipesPipeEnforceCmkEncryption as policy } from "./enforceCmkEncryption";

const FIX = "set kmsKeyIdentifier to a customer-managed KMS key ARN.";

describe(policy.name, () => {
  test("passes a pipe encrypted with a customer-managed key", async () => {
    assert.deepEqual(await violationMessages(policy, pipe()), []);
  });

  test("reports a pipe without a key, which EventBridge encrypts with an AWS owned key", async () => {
    assert.deepEqual(await violationMessages(policy, { ...pipe(), kmsKeyIdentifier: undefined }), [
      `kmsKeyIdentifier is not set, so EventBridge uses an AWS owned key; ${FIX}`,
    ]);
  });

  test("reports an AWS managed key alias", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...pipe(), kmsKeyIdentifier: "alias/aws/events" }),
      [`kmsKeyIdentifier is "alias/aws/events", an AWS managed key; ${FIX}`],
    );
  });
});
