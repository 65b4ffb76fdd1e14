import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ACCOUNT_ID, queue, REGION } from "../../../fixtures/sqs";
import { evaluateProps, unknownValue, violationMessages } from "../../../lib/testing";
import { acmeSqsQueueEnforceCmkEncryption as policy } from "./enforceCmkEncryption";

const FIX = "set kmsMasterKeyId to a customer-managed KMS key.";

describe(policy.name, () => {
  test("passes a queue encrypted with a customer-managed key ARN", async () => {
    assert.deepEqual(await violationMessages(policy, queue()), []);
  });

  test("passes a customer-managed key named by its alias", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...queue(), kmsMasterKeyId: "alias/acme/prod/data" }),
      [],
    );
  });

  test("reports a queue without a key", async () => {
    assert.deepEqual(await violationMessages(policy, { ...queue(), kmsMasterKeyId: undefined }), [
      `kmsMasterKeyId is not set, so the queue uses SSE-SQS or no encryption; ${FIX}`,
    ]);
  });

  test("reports an empty key", async () => {
    assert.deepEqual(await violationMessages(policy, { ...queue(), kmsMasterKeyId: "" }), [
      `kmsMasterKeyId is "", so the queue uses SSE-SQS or no encryption; ${FIX}`,
    ]);
  });

  test("reports SSE-SQS", async () => {
    assert.deepEqual(
      await violationMessages(policy, {
        ...queue(),
        kmsMasterKeyId: undefined,
        sqsManagedSseEnabled: true,
      }),
      [`sqsManagedSseEnabled is true, which encrypts with an SQS-owned key; remove it and ${FIX}`],
    );
  });

  test("reports no key even when SSE-SQS is explicitly off", async () => {
    assert.deepEqual(
      await violationMessages(policy, {
        ...queue(),
        kmsMasterKeyId: undefined,
        sqsManagedSseEnabled: false,
      }),
      [`kmsMasterKeyId is not set, so the queue uses SSE-SQS or no encryption; ${FIX}`],
    );
  });

  test("reports the AWS managed key by alias", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...queue(), kmsMasterKeyId: "alias/aws/sqs" }),
      [`kmsMasterKeyId is "alias/aws/sqs", an AWS managed key; ${FIX}`],
    );
  });

  test("reports the AWS managed key by alias ARN", async () => {
    const arn = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:alias/aws/sqs`;
    assert.deepEqual(await violationMessages(policy, { ...queue(), kmsMasterKeyId: arn }), [
      `kmsMasterKeyId is "${arn}", an AWS managed key; ${FIX}`,
    ]);
  });

  test("leaves an unknown key undecided instead of reporting it", async () => {
    const result = await evaluateProps(policy, {
      ...queue(),
      kmsMasterKeyId: unknownValue<string>("string"),
    });
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["string value at .kmsMasterKeyId can't be known during preview"],
    );
  });

  test("leaves an unknown SSE-SQS flag undecided instead of reporting it", async () => {
    const result = await evaluateProps(policy, {
      ...queue(),
      sqsManagedSseEnabled: unknownValue<boolean>("boolean"),
    });
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["boolean value at .sqsManagedSseEnabled can't be known during preview"],
    );
  });
});
