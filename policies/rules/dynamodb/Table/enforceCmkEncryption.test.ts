import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { table } from "../../../fixtures/dynamodb";
import { ACCOUNT_ID, REGION } from "../../../fixtures/sqs";
import { evaluateProps, unknownValue, violationMessages } from "../../../lib/testing";
import { acmeDynamodbTableEnforceCmkEncryption as policy } from "./enforceCmkEncryption";

const FIX = "set serverSideEncryption to { enabled: true, kmsKeyArn: <customer-managed key ARN> }.";

describe(policy.name, () => {
  test("passes a table encrypted with a customer-managed key ARN", async () => {
    assert.deepEqual(await violationMessages(policy, table()), []);
  });

  test("reports a table without serverSideEncryption", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...table(), serverSideEncryption: undefined }),
      [`serverSideEncryption is not set, so the table is encrypted with an AWS owned key; ${FIX}`],
    );
  });

  test("reports encryption turned off", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...table(), serverSideEncryption: { enabled: false } }),
      [
        "serverSideEncryption.enabled is false, so the table is encrypted with an AWS owned key; " +
          FIX,
      ],
    );
  });

  test("reports encryption without a key, which uses the AWS managed key", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...table(), serverSideEncryption: { enabled: true } }),
      [
        "serverSideEncryption.kmsKeyArn is not set, so the table is encrypted with the AWS " +
          `managed key alias/aws/dynamodb; ${FIX}`,
      ],
    );
  });

  test("reports the AWS managed key named by its alias ARN", async () => {
    const key = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:alias/aws/dynamodb`;
    assert.deepEqual(
      await violationMessages(policy, {
        ...table(),
        serverSideEncryption: { enabled: true, kmsKeyArn: key },
      }),
      [`serverSideEncryption.kmsKeyArn is "${key}", an AWS managed key; ${FIX}`],
    );
  });

  test("leaves a key not known yet undecided instead of reporting it", async () => {
    const result = await evaluateProps(policy, {
      ...table(),
      serverSideEncryption: { enabled: true, kmsKeyArn: unknownValue<string>("string") },
    });
    assert.deepEqual(result.violations, []);
    assert.equal(result.undecidable.length, 1);
  });
});
