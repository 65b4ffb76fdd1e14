import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mskCluster } from "../../../fixtures/msk";
import { evaluateProps, unknownValue, violationMessages } from "../../../lib/testing";
import { acmeMskClusterMissingKmsKey as policy } from "./missingKmsKey";

const FIX =
  "set it to the ARN of a customer-managed KMS key before the cluster is created, since it " +
  "cannot be changed later.";

describe(policy.name, () => {
  test("passes a cluster encrypted with a customer-managed key", async () => {
    assert.deepEqual(await violationMessages(policy, mskCluster()), []);
  });

  test("reports a cluster without a key, which MSK encrypts with aws/kafka", async () => {
    const cluster = mskCluster();
    cluster.encryptionInfo.encryptionAtRestKmsKeyArn = undefined;
    assert.deepEqual(await violationMessages(policy, cluster), [
      "encryptionInfo.encryptionAtRestKmsKeyArn is not set (AWS default: the AWS managed key " +
        `aws/kafka); ${FIX}`,
    ]);
  });

  test("reports a cluster without encryptionInfo", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...mskCluster(), encryptionInfo: undefined }),
      [
        "encryptionInfo.encryptionAtRestKmsKeyArn is not set (AWS default: the AWS managed key " +
          `aws/kafka); ${FIX}`,
      ],
    );
  });

  test("reports an empty key ARN", async () => {
    const cluster = mskCluster();
    cluster.encryptionInfo.encryptionAtRestKmsKeyArn = "";
    assert.deepEqual(await violationMessages(policy, cluster), [
      `encryptionInfo.encryptionAtRestKmsKeyArn is ""; ${FIX}`,
    ]);
  });

  test("leaves an unknown key ARN undecided instead of reporting it", async () => {
    const cluster = mskCluster();
    cluster.encryptionInfo.encryptionAtRestKmsKeyArn = unknownValue<string>("string");
    const result = await evaluateProps(policy, cluster);
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["string value at .encryptionInfo.encryptionAtRestKmsKeyArn can't be known during preview"],
    );
  });
});
