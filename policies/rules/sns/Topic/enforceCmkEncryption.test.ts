import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ACCOUNT_ID, REGION, topic } from "../../../fixtures/sns";
import { evaluateProps, unknownValue, violationMessages } from "../../../lib/testing";
import { acmeSnsTopicEnforceCmkEncryption as policy } from "./enforceCmkEncryption";

const FIX =
  "set kmsMasterKeyId to a customer-managed KMS key whose policy lets the publishers use it.";

describe(policy.name, () => {
  test("passes a topic encrypted with a customer-managed key ARN", async () => {
    assert.deepEqual(await violationMessages(policy, topic()), []);
  });

  test("passes a customer-managed key named by its alias", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...topic(), kmsMasterKeyId: "alias/acme/prod/alerts" }),
      [],
    );
  });

  test("reports a topic without a key", async () => {
    assert.deepEqual(await violationMessages(policy, { ...topic(), kmsMasterKeyId: undefined }), [
      `kmsMasterKeyId is not set, so the topic is not encrypted; ${FIX}`,
    ]);
  });

  test("reports an empty key", async () => {
    assert.deepEqual(await violationMessages(policy, { ...topic(), kmsMasterKeyId: "" }), [
      `kmsMasterKeyId is "", so the topic is not encrypted; ${FIX}`,
    ]);
  });

  test("reports the AWS managed key by alias", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...topic(), kmsMasterKeyId: "alias/aws/sns" }),
      [
        `kmsMasterKeyId is "alias/aws/sns", an AWS managed key that CloudWatch alarms cannot use; ${FIX}`,
      ],
    );
  });

  test("reports the AWS managed key by alias ARN", async () => {
    const arn = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:alias/aws/sns`;
    assert.deepEqual(await violationMessages(policy, { ...topic(), kmsMasterKeyId: arn }), [
      `kmsMasterKeyId is "${arn}", an AWS managed key that CloudWatch alarms cannot use; ${FIX}`,
    ]);
  });

  test("leaves an unknown key undecided instead of reporting it", async () => {
    const result = await evaluateProps(policy, {
      ...topic(),
      kmsMasterKeyId: unknownValue<string>("string"),
    });
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["string value at .kmsMasterKeyId can't be known during preview"],
    );
  });
});
