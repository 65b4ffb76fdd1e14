import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ACCOUNT_ID, kmsKey, kmsKeyWithStatement } from "../../../fixtures/kms";
import { evaluateProps, unknownValue, violationMessages } from "../../../lib/testing";
import { acmeKmsKeyDisallowPublicAccess as policy } from "./disallowPublicAccess";

const UNCONSTRAINED =
  'allows Principal "*" without an account, organization or source condition; name the ' +
  "principals or add such a condition.";

const unnamedStatement = { Effect: "Allow", Action: "kms:Decrypt", Resource: "*" };
const publicStatement = { Sid: "Public", ...unnamedStatement };

describe(policy.name, () => {
  test("passes a policy whose wildcard principal is pinned to the account", async () => {
    assert.deepEqual(await violationMessages(policy, kmsKey()), []);
  });

  test("passes a key without a policy, which gets the account-only default policy", async () => {
    assert.deepEqual(await violationMessages(policy, { ...kmsKey(), policy: undefined }), []);
  });

  test('reports Principal "*"', async () => {
    assert.deepEqual(
      await violationMessages(policy, kmsKeyWithStatement({ ...publicStatement, Principal: "*" })),
      [`statement "Public" ${UNCONSTRAINED}`],
    );
  });

  test('reports Principal {"AWS": "*"}', async () => {
    assert.deepEqual(
      await violationMessages(
        policy,
        kmsKeyWithStatement({ ...publicStatement, Principal: { AWS: "*" } }),
      ),
      [`statement "Public" ${UNCONSTRAINED}`],
    );
  });

  test('reports "*" among a list of AWS principals, naming an unnamed statement by index', async () => {
    assert.deepEqual(
      await violationMessages(
        policy,
        kmsKeyWithStatement({
          ...unnamedStatement,
          Principal: { AWS: [`arn:aws:iam::${ACCOUNT_ID}:role/app`, "*"] },
        }),
      ),
      [`statement 3 ${UNCONSTRAINED}`],
    );
  });

  test("reports a wildcard principal whose condition is a negation", async () => {
    assert.deepEqual(
      await violationMessages(
        policy,
        kmsKeyWithStatement({
          ...publicStatement,
          Principal: "*",
          Condition: { StringNotEquals: { "kms:CallerAccount": "444455556666" } },
        }),
      ),
      [`statement "Public" ${UNCONSTRAINED}`],
    );
  });

  test("reports a wildcard principal whose condition value is itself a wildcard", async () => {
    assert.deepEqual(
      await violationMessages(
        policy,
        kmsKeyWithStatement({
          ...publicStatement,
          Principal: "*",
          Condition: { StringLike: { "aws:PrincipalOrgID": "*" } },
        }),
      ),
      [`statement "Public" ${UNCONSTRAINED}`],
    );
  });

  test("passes a wildcard principal pinned to the organization", async () => {
    assert.deepEqual(
      await violationMessages(
        policy,
        kmsKeyWithStatement({
          ...publicStatement,
          Principal: "*",
          Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } },
        }),
      ),
      [],
    );
  });

  test("passes a Deny statement with a wildcard principal", async () => {
    assert.deepEqual(
      await violationMessages(
        policy,
        kmsKeyWithStatement({ ...publicStatement, Effect: "Deny", Principal: "*" }),
      ),
      [],
    );
  });

  test("reports Allow with NotPrincipal", async () => {
    assert.deepEqual(
      await violationMessages(
        policy,
        kmsKeyWithStatement({
          ...publicStatement,
          NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:role/blocked` },
        }),
      ),
      [
        'statement "Public" combines Allow with NotPrincipal, which grants access to ' +
          "every principal not listed; name the allowed principals in Principal instead.",
      ],
    );
  });

  test("reports a policy that is not JSON", async () => {
    assert.deepEqual(await violationMessages(policy, { ...kmsKey(), policy: "{not json" }), [
      "policy is not a JSON policy document, so public access cannot be ruled out; pass the " +
        "document as a JSON string.",
    ]);
  });

  test("leaves an unknown policy undecided instead of reporting it", async () => {
    const result = await evaluateProps(policy, {
      ...kmsKey(),
      policy: unknownValue<string>("string"),
    });
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["string value at .policy can't be known during preview"],
    );
  });
});
