import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  bucketArn,
  policyText,
  tlsOnlyStatement,
  type BucketPolicyProps,
} from "../../../fixtures/s3";
import { violationMessages } from "../../../lib/testing";
import { acmeS3BucketpolicyDisallowPublicAccess as policy } from "./disallowPublicAccess";

const publicRead = {
  Sid: "PublicRead",
  Effect: "Allow",
  Principal: "*",
  Action: "s3:GetObject",
  Resource: `${bucketArn("artifacts")}/*`,
};

const props = (...statements: Record<string, unknown>[]): BucketPolicyProps => ({
  bucket: "artifacts",
  policy: policyText(tlsOnlyStatement("artifacts"), ...statements),
});

describe(policy.name, () => {
  test("passes a TLS-only policy and a grant pinned to the account", async () => {
    const pinned = {
      ...publicRead,
      Condition: { StringEquals: { "aws:SourceAccount": "111122223333" } },
    };
    assert.deepEqual(await violationMessages(policy, props(pinned)), []);
  });

  test("reports a grant to everyone", async () => {
    assert.deepEqual(await violationMessages(policy, props(publicRead)), [
      'statement "PublicRead" allows Principal "*" without an account, organization or source ' +
        "condition; name the principals or add such a condition.",
    ]);
  });
});
