import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { storageClass } from "../../../fixtures/kubernetes";
import { evaluateProps, unknownValue, violationMessages } from "../../../lib/testing";
import { acmeKubernetesStorageclassEnforceEbsEncryption as policy } from "./enforceEbsEncryption";

describe(policy.name, () => {
  test("passes an encrypted EBS CSI class with a customer-managed key", async () => {
    assert.deepEqual(await violationMessages(policy, storageClass()), []);
  });

  test('reports encrypted set to "false"', async () => {
    assert.deepEqual(await violationMessages(policy, storageClass({ encrypted: "false" })), [
      'parameters.encrypted is "false"; set it to "true" so provisioned EBS volumes are encrypted.',
    ]);
  });

  test("reports a class without the encrypted parameter", async () => {
    const props = storageClass();
    delete props.parameters?.encrypted;
    assert.deepEqual(await violationMessages(policy, props), [
      'parameters.encrypted is not set; set it to "true" so provisioned EBS volumes are encrypted.',
    ]);
  });

  test("reports a class without a KMS key", async () => {
    const props = storageClass();
    delete props.parameters?.kmsKeyId;
    assert.deepEqual(await violationMessages(policy, props), [
      "parameters.kmsKeyId is not set; set it to a customer-managed KMS key ARN so volumes are " +
        "not encrypted with the aws/ebs key.",
    ]);
  });

  test("reads parameter names case-insensitively, as the EBS CSI driver does", async () => {
    const props = storageClass();
    const { kmsKeyId, ...rest } = props.parameters ?? {};
    props.parameters = { ...rest, KmsKeyId: kmsKeyId };
    assert.deepEqual(await violationMessages(policy, props), []);
  });

  test("reports the in-tree EBS provisioner", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...storageClass(), provisioner: "kubernetes.io/aws-ebs" }),
      [
        'provisioner is "kubernetes.io/aws-ebs", the deprecated in-tree EBS plugin; use ' +
          '"ebs.csi.aws.com" with parameters encrypted: "true" and kmsKeyId.',
      ],
    );
  });

  test("skips classes of other provisioners", async () => {
    const result = await evaluateProps(policy, {
      ...storageClass(),
      provisioner: "efs.csi.aws.com",
    });
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.notApplicable.map((n) => n.reason),
      ["Only StorageClasses provisioned by ebs.csi.aws.com are checked."],
    );
  });

  test("leaves an unknown KMS key undecided instead of reporting it", async () => {
    const result = await evaluateProps(
      policy,
      storageClass({ kmsKeyId: unknownValue<string>("string") }),
    );
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["string value at .parameters.kmsKeyId can't be known during preview"],
    );
  });

  test("ignores an unknown parameter the rule does not read", async () => {
    assert.deepEqual(
      await violationMessages(policy, storageClass({ iopsPerGB: unknownValue<string>("string") })),
      [],
    );
  });
});
