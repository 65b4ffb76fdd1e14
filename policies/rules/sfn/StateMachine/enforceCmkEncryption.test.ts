import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { stateMachine } from "../../../fixtures/sfn";
import { ACCOUNT_ID, REGION } from "../../../fixtures/sqs";
import { violationMessages } from "../../../lib/testing";
import { acmeSfnStatemachineEnforceCmkEncryption as policy } from "./enforceCmkEncryption";

const FIX =
  'set encryptionConfiguration to { type: "CUSTOMER_MANAGED_KMS_KEY", kmsKeyId: <customer-managed key ARN> }.';

describe(policy.name, () => {
  test("passes a state machine encrypted with a customer-managed key", async () => {
    assert.deepEqual(await violationMessages(policy, stateMachine()), []);
  });

  test("reports a state machine without an encryption configuration", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...stateMachine(), encryptionConfiguration: undefined }),
      [`encryptionConfiguration is not set, so Step Functions uses an AWS owned key; ${FIX}`],
    );
  });

  test("reports AWS_OWNED_KEY", async () => {
    assert.deepEqual(
      await violationMessages(policy, {
        ...stateMachine(),
        encryptionConfiguration: { type: "AWS_OWNED_KEY" },
      }),
      [`encryptionConfiguration.type is "AWS_OWNED_KEY"; ${FIX}`],
    );
  });

  test("reports a customer-managed type without a key", async () => {
    assert.deepEqual(
      await violationMessages(policy, {
        ...stateMachine(),
        encryptionConfiguration: { type: "CUSTOMER_MANAGED_KMS_KEY" },
      }),
      [`encryptionConfiguration.kmsKeyId is not set; ${FIX}`],
    );
  });

  test("reports an AWS managed key", async () => {
    const key = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:alias/aws/states`;
    assert.deepEqual(
      await violationMessages(policy, {
        ...stateMachine(),
        encryptionConfiguration: { type: "CUSTOMER_MANAGED_KMS_KEY", kmsKeyId: key },
      }),
      [`encryptionConfiguration.kmsKeyId is "${key}", an AWS managed key; ${FIX}`],
    );
  });
});
