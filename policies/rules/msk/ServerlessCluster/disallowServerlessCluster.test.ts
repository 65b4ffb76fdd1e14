import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mskServerlessCluster } from "../../../fixtures/msk";
import { violationMessages } from "../../../lib/testing";
import { acmeMskServerlessclusterDisallowServerlessCluster as policy } from "./disallowServerlessCluster";

describe(policy.name, () => {
  test("reports every serverless cluster, even one with IAM authentication", async () => {
    assert.deepEqual(await violationMessages(policy, mskServerlessCluster()), [
      "MSK Serverless cannot encrypt data with a customer-managed KMS key; use a provisioned " +
        "cluster (KafkaCluster) encrypted with the platform's data key.",
    ]);
  });

  test("applies only to serverless clusters", () => {
    assert.equal(policy.resourceType, "aws:msk/serverlessCluster:ServerlessCluster");
  });
});
