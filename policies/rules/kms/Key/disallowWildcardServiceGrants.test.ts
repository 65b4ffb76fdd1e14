import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { kmsKey, kmsKeyWithStatement } from "../../../fixtures/kms";
import { evaluateProps, unknownValue, violationMessages } from "../../../lib/testing";
import { acmeKmsKeyDisallowWildcardServiceGrants as policy } from "./disallowWildcardServiceGrants";

const snsStatement = {
  Sid: "Sns",
  Effect: "Allow",
  Principal: { Service: "sns.amazonaws.com" },
  Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
  Resource: "*",
};

const ADVICE =
  "grant only the actions the service uses, such as kms:Decrypt and kms:GenerateDataKey*.";

describe(policy.name, () => {
  test("passes services granted only the actions they use, and kms:* to the account", async () => {
    assert.deepEqual(await violationMessages(policy, kmsKey()), []);
    assert.deepEqual(await violationMessages(policy, kmsKeyWithStatement(snsStatement)), []);
  });

  test("reports kms:* granted to a service", async () => {
    assert.deepEqual(
      await violationMessages(policy, kmsKeyWithStatement({ ...snsStatement, Action: "kms:*" })),
      [`statement "Sns" allows kms:* to sns.amazonaws.com; ${ADVICE}`],
    );
  });

  test('reports "*" among the actions granted to several services', async () => {
    assert.deepEqual(
      await violationMessages(
        policy,
        kmsKeyWithStatement({
          ...snsStatement,
          Principal: { Service: ["sns.amazonaws.com", "events.amazonaws.com"] },
          Action: ["kms:Decrypt", "*"],
        }),
      ),
      [`statement "Sns" allows * to sns.amazonaws.com, events.amazonaws.com; ${ADVICE}`],
    );
  });

  test("reports NotAction granted to a service", async () => {
    assert.deepEqual(
      await violationMessages(
        policy,
        kmsKeyWithStatement({
          Sid: "Sns",
          Effect: "Allow",
          Principal: snsStatement.Principal,
          NotAction: "kms:ScheduleKeyDeletion",
          Resource: "*",
        }),
      ),
      ['statement "Sns" allows every action outside NotAction to sns.amazonaws.com; ' + ADVICE],
    );
  });

  test("passes kms:* in a Deny statement", async () => {
    assert.deepEqual(
      await violationMessages(
        policy,
        kmsKeyWithStatement({ ...snsStatement, Effect: "Deny", Action: "kms:*" }),
      ),
      [],
    );
  });

  test("passes a key without a policy", async () => {
    assert.deepEqual(await violationMessages(policy, { ...kmsKey(), policy: undefined }), []);
  });

  test("reports a policy that is not JSON", async () => {
    assert.deepEqual(await violationMessages(policy, { ...kmsKey(), policy: "[]" }), [
      "policy is not a JSON policy document, so service grants cannot be checked; pass the " +
        "document as a JSON string.",
    ]);
  });

  test("leaves an unknown policy undecided instead of reporting it", async () => {
    const result = await evaluateProps(policy, {
      ...kmsKey(),
      policy: unknownValue<string>("string"),
    });
    assert.deepEqual(result.violations, []);
    assert.equal(result.undecidable.length, 1);
  });
});
