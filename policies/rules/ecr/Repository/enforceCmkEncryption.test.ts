import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { repository } from "../../../fixtures/ecr";
import { ACCOUNT_ID, REGION } from "../../../fixtures/sqs";
import { violationMessages } from "../../../lib/testing";
import { acmeEcrRepositoryEnforceCmkEncryption as policy } from "./enforceCmkEncryption";

const FIX =
  'set encryptionConfigurations to [{ encryptionType: "KMS", kmsKey: <customer-managed key ARN> }] (it cannot change after creation).';

describe(policy.name, () => {
  test("passes a repository encrypted with a customer-managed key", async () => {
    assert.deepEqual(await violationMessages(policy, repository()), []);
  });

  test("reports a repository without an encryption configuration", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...repository(), encryptionConfigurations: undefined }),
      [
        "encryptionConfigurations is not set, so ECR encrypts with AES-256 and an S3 managed key; " +
          FIX,
      ],
    );
  });

  test("reports AES256", async () => {
    assert.deepEqual(
      await violationMessages(policy, {
        ...repository(),
        encryptionConfigurations: [{ encryptionType: "AES256" }],
      }),
      [`encryptionConfigurations[0].encryptionType is "AES256"; ${FIX}`],
    );
  });

  test("reports KMS without a key, which uses the AWS managed key", async () => {
    assert.deepEqual(
      await violationMessages(policy, {
        ...repository(),
        encryptionConfigurations: [{ encryptionType: "KMS" }],
      }),
      [
        "encryptionConfigurations[0].kmsKey is not set, so ECR uses the AWS managed key " +
          `alias/aws/ecr; ${FIX}`,
      ],
    );
  });

  test("reports the AWS managed key named by its alias ARN", async () => {
    const key = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:alias/aws/ecr`;
    assert.deepEqual(
      await violationMessages(policy, {
        ...repository(),
        encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: key }],
      }),
      [`encryptionConfigurations[0].kmsKey is "${key}", an AWS managed key; ${FIX}`],
    );
  });
});
