import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  bucketArn,
  policyText,
  tlsOnlyStatement,
  type BucketPolicyProps,
} from "../../../fixtures/s3";
import { violationMessages } from "../../../lib/testing";
import { acmeS3BucketpolicyDisallowExternalManagement as policy } from "./disallowExternalManagement";

const props = (...statements: Record<string, unknown>[]): BucketPolicyProps => ({
  bucket: "artifacts",
  policy: policyText(tlsOnlyStatement("artifacts"), ...statements),
});

describe(policy.name, () => {
  test("passes log delivery by a service principal and object reads by a role", async () => {
    const delivery = {
      Effect: "Allow",
      Principal: { Service: "logging.s3.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${bucketArn("artifacts")}/*`,
    };
    const read = {
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::444455556666:role/reader" },
      Action: "s3:GetObject",
      Resource: `${bucketArn("artifacts")}/*`,
    };
    assert.deepEqual(await violationMessages(policy, props(delivery, read)), []);
  });

  test("reports another account allowed to change the policy through s3:Put*", async () => {
    const manage = {
      Sid: "PartnerManages",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::444455556666:root" },
      Action: "s3:Put*",
      Resource: bucketArn("artifacts"),
    };
    assert.deepEqual(await violationMessages(policy, props(manage)), [
      'statement "PartnerManages" allows arn:aws:iam::444455556666:root s3:putbucketacl, ' +
        "s3:putbucketpolicy, s3:putencryptionconfiguration, s3:putobjectacl; grant bucket " +
        "management through IAM policies of the account, not the bucket policy.",
    ]);
  });
});
