import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { launchTemplate, rootVolume } from "../../../fixtures/ec2";
import { evaluateProps, unknownValue, violationMessages } from "../../../lib/testing";
import { acmeEc2LaunchtemplateEnforceEbsEncryption as policy } from "./enforceEbsEncryption";

const ENCRYPT = 'set it to "true" so the volume is encrypted at rest.';
const CMK =
  "set it to a customer-managed KMS key ARN so the volume is not encrypted with the aws/ebs key.";

describe(policy.name, () => {
  test("passes an encrypted root volume with a customer-managed key", async () => {
    assert.deepEqual(await violationMessages(policy, launchTemplate()), []);
  });

  test('reports encrypted set to "false"', async () => {
    const template = {
      ...launchTemplate(),
      blockDeviceMappings: [rootVolume({ encrypted: "false" })],
    };
    assert.deepEqual(await violationMessages(policy, template), [
      `blockDeviceMappings[0] (/dev/xvda) ebs.encrypted is "false"; ${ENCRYPT}`,
    ]);
  });

  test("reports unset encrypted, which follows the account default", async () => {
    const template = {
      ...launchTemplate(),
      blockDeviceMappings: [rootVolume({ encrypted: undefined })],
    };
    assert.deepEqual(await violationMessages(policy, template), [
      `blockDeviceMappings[0] (/dev/xvda) ebs.encrypted is not set; ${ENCRYPT}`,
    ]);
  });

  test("accepts a boolean true for encrypted", async () => {
    const template = { ...launchTemplate(), blockDeviceMappings: [rootVolume()] };
    (template.blockDeviceMappings[0].ebs as Record<string, unknown>).encrypted = true;
    assert.deepEqual(await violationMessages(policy, template), []);
  });

  test("reports a volume without a KMS key", async () => {
    const template = {
      ...launchTemplate(),
      blockDeviceMappings: [rootVolume({ kmsKeyId: undefined })],
    };
    assert.deepEqual(await violationMessages(policy, template), [
      `blockDeviceMappings[0] (/dev/xvda) ebs.kmsKeyId is not set; ${CMK}`,
    ]);
  });

  test("checks every mapping and names it by index", async () => {
    const template = {
      ...launchTemplate(),
      blockDeviceMappings: [rootVolume(), { ebs: { volumeSize: 100, encrypted: "true" } }],
    };
    assert.deepEqual(await violationMessages(policy, template), [
      `blockDeviceMappings[1] ebs.kmsKeyId is not set; ${CMK}`,
    ]);
  });

  test("passes an instance-store mapping, which has no ebs block", async () => {
    const template = {
      ...launchTemplate(),
      blockDeviceMappings: [rootVolume(), { deviceName: "/dev/sdb", virtualName: "ephemeral0" }],
    };
    assert.deepEqual(await violationMessages(policy, template), []);
  });

  test("passes a template without block device mappings", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...launchTemplate(), blockDeviceMappings: undefined }),
      [],
    );
  });

  test("leaves an unknown KMS key undecided instead of reporting it", async () => {
    const template = {
      ...launchTemplate(),
      blockDeviceMappings: [rootVolume({ kmsKeyId: unknownValue<string>("string") })],
    };
    const result = await evaluateProps(policy, template);
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["string value at .blockDeviceMappings.0.ebs.kmsKeyId can't be known during preview"],
    );
  });
});
