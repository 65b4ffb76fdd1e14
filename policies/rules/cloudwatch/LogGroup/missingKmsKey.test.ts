import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { logGroup } from "../../../fixtures/cloudwatch";
import { evaluateProps, unknownValue, violationMessages } from "../../../lib/testing";
import { acmeCloudwatchLoggroupMissingKmsKey as policy } from "./missingKmsKey";

const FIX = "set it to a customer-managed KMS key whose policy allows logs.<region>.amazonaws.com.";

describe(policy.name, () => {
  test("passes a log group encrypted with a customer-managed key", async () => {
    assert.deepEqual(await violationMessages(policy, logGroup()), []);
  });

  test("reports a log group without a KMS key", async () => {
    assert.deepEqual(await violationMessages(policy, { ...logGroup(), kmsKeyId: undefined }), [
      `kmsKeyId is not set; ${FIX}`,
    ]);
  });

  test("reports an empty KMS key", async () => {
    assert.deepEqual(await violationMessages(policy, { ...logGroup(), kmsKeyId: "" }), [
      `kmsKeyId is ""; ${FIX}`,
    ]);
  });

  test("leaves an unknown KMS key undecided instead of reporting it", async () => {
    const result = await evaluateProps(policy, {
      ...logGroup(),
      kmsKeyId: unknownValue<string>("string"),
    });
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["string value at .kmsKeyId can't be known during preview"],
    );
  });
});
