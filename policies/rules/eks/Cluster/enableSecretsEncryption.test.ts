import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { eksCluster } from "../../../fixtures/eks";
import { evaluateProps, unknownValue, violationMessages } from "../../../lib/testing";
import { acmeEksClusterEnableSecretsEncryption as policy } from "./enableSecretsEncryption";

describe(policy.name, () => {
  test("passes a cluster that encrypts secrets with a customer-managed key", async () => {
    assert.deepEqual(await violationMessages(policy, eksCluster()), []);
  });

  test("reports a cluster without encryptionConfig", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...eksCluster(), encryptionConfig: undefined }),
      [
        'encryptionConfig is not set; set it with resources: ["secrets"] and provider.keyArn of ' +
          "a customer-managed KMS key.",
      ],
    );
  });

  test('reports resources without "secrets"', async () => {
    const cluster = eksCluster();
    cluster.encryptionConfig.resources = [];
    assert.deepEqual(await violationMessages(policy, cluster), [
      'encryptionConfig.resources is []; include "secrets" so EKS envelope-encrypts Kubernetes ' +
        "Secrets.",
    ]);
  });

  test("reports an empty key ARN", async () => {
    const cluster = eksCluster();
    cluster.encryptionConfig.provider.keyArn = "";
    assert.deepEqual(await violationMessages(policy, cluster), [
      'encryptionConfig.provider.keyArn is ""; set it to the ARN of a customer-managed KMS key.',
    ]);
  });

  test("leaves an unknown key ARN undecided instead of reporting it", async () => {
    const cluster = eksCluster();
    cluster.encryptionConfig.provider.keyArn = unknownValue<string>("string");
    const result = await evaluateProps(policy, cluster);
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["string value at .encryptionConfig.provider.keyArn can't be known during preview"],
    );
  });

  test("leaves an unknown encryptionConfig undecided", async () => {
    const result = await evaluateProps(policy, {
      ...eksCluster(),
      encryptionConfig: unknownValue<object>("object"),
    });
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["Object value at .encryptionConfig can't be known during preview"],
    );
  });
});
