import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  ACCOUNT_ID,
  bucketArn,
  bucketPolicyResource,
  bucketResource,
  type BucketPolicyProps,
  evaluateS3Stack,
  policyText,
  replaced,
  S3_BUCKET,
  S3_BUCKET_POLICY,
  s3Stack,
  type StackResource,
  tlsOnlyStatement,
} from "../../../fixtures/s3";
import { testUrn, unknownValue } from "../../../lib/testing";
import { acmeS3BucketpolicyEnforceTlsOnly as policy } from "./enforceTlsOnly";

const FIX =
  'a statement that denies Principal "*" every S3 action ("s3:*") on the bucket and its objects ' +
  '(Resource [<bucket ARN>, "<bucket ARN>/*"]) under {"Bool": {"aws:SecureTransport": "false"}}.';
const NOT_DENIED = `S3 bucket artifacts: BucketPolicy artifacts does not deny requests without TLS; add ${FIX}`;

/** The TLS-only statement of `artifacts` with `change` applied. */
const tlsStatement = (change: Record<string, unknown>) => ({
  ...tlsOnlyStatement("artifacts"),
  ...change,
});

/** The happy-path stack with the policy of `artifacts` made of `statement`. */
const withStatement = (statement: Record<string, unknown>) =>
  replaced(S3_BUCKET_POLICY, "artifacts", bucketPolicyResource("artifacts", policyText(statement)));

async function violations(resources: StackResource[]): Promise<[string, string][]> {
  return (await evaluateS3Stack(policy, resources)).violations.map((v) => [v.urn, v.message]);
}

const onArtifacts = (message: string): [string, string][] => [
  [testUrn(S3_BUCKET, "artifacts"), message],
];

describe(policy.name, () => {
  test("passes two buckets that each have a TLS-only policy", async () => {
    assert.deepEqual(await violations(s3Stack()), []);
  });

  test("reports a bucket without any policy", async () => {
    assert.deepEqual(
      await violations(replaced(S3_BUCKET_POLICY, "artifacts")),
      onArtifacts(
        `S3 bucket artifacts has no bucket policy; attach an aws.s3.BucketPolicy with ${FIX}`,
      ),
    );
  });

  test("reports a policy without the TLS condition", async () => {
    assert.deepEqual(
      await violations(withStatement(tlsStatement({ Condition: undefined }))),
      onArtifacts(NOT_DENIED),
    );
  });

  test("reports a condition that denies TLS requests instead", async () => {
    const condition = { Bool: { "aws:SecureTransport": "true" } };
    assert.deepEqual(
      await violations(withStatement(tlsStatement({ Condition: condition }))),
      onArtifacts(NOT_DENIED),
    );
  });

  test("reports an Allow in place of the Deny", async () => {
    assert.deepEqual(
      await violations(withStatement(tlsStatement({ Effect: "Allow" }))),
      onArtifacts(NOT_DENIED),
    );
  });

  test("reports a deny that covers only some actions", async () => {
    assert.deepEqual(
      await violations(withStatement(tlsStatement({ Action: ["s3:GetObject", "s3:PutObject"] }))),
      onArtifacts(NOT_DENIED),
    );
  });

  test("reports a deny that applies to one principal only", async () => {
    const principal = { AWS: `arn:aws:iam::${ACCOUNT_ID}:role/app` };
    assert.deepEqual(
      await violations(withStatement(tlsStatement({ Principal: principal }))),
      onArtifacts(NOT_DENIED),
    );
  });

  test("reports a deny on the bucket but not its objects", async () => {
    assert.deepEqual(
      await violations(withStatement(tlsStatement({ Resource: bucketArn("artifacts") }))),
      onArtifacts(NOT_DENIED),
    );
  });

  test("reports a deny on the objects but not the bucket", async () => {
    assert.deepEqual(
      await violations(withStatement(tlsStatement({ Resource: `${bucketArn("artifacts")}/*` }))),
      onArtifacts(NOT_DENIED),
    );
  });

  test("reports a deny on another bucket", async () => {
    const other = [bucketArn("other"), `${bucketArn("other")}/*`];
    assert.deepEqual(
      await violations(withStatement(tlsStatement({ Resource: other }))),
      onArtifacts(NOT_DENIED),
    );
  });

  test("reports a policy attached to another bucket as missing for this one", async () => {
    const elsewhere = bucketPolicyResource(
      "elsewhere",
      policyText(tlsOnlyStatement("elsewhere")),
      "artifacts",
    );
    assert.deepEqual(
      await violations(replaced(S3_BUCKET_POLICY, "artifacts", elsewhere)),
      onArtifacts(
        `S3 bucket artifacts has no bucket policy; attach an aws.s3.BucketPolicy with ${FIX}`,
      ),
    );
  });

  test("passes equivalent forms of the deny", async () => {
    for (const change of [
      { Principal: { AWS: "*" } },
      { Action: "*" },
      { Action: ["s3:GetObject", "S3:*"] },
      { Resource: "*" },
      { Resource: "arn:aws:s3:::artifacts*" },
      { Resource: [`${bucketArn("artifacts")}/*`, "arn:aws:s3:::other", bucketArn("artifacts")] },
      { Condition: { BoolIfExists: { "aws:SecureTransport": "false" } } },
      { Condition: { Bool: { "aws:SecureTransport": false } } },
    ]) {
      assert.deepEqual(
        await violations(withStatement(tlsStatement(change))),
        [],
        JSON.stringify(change),
      );
    }
  });

  test("passes a policy given as a document object rather than JSON text", async () => {
    const document: BucketPolicyProps["policy"] = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [bucketArn("artifacts"), `${bucketArn("artifacts")}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    };
    assert.deepEqual(
      await violations(
        replaced(S3_BUCKET_POLICY, "artifacts", bucketPolicyResource("artifacts", document)),
      ),
      [],
    );
  });

  test("passes a bucket whose own policy denies requests without TLS", async () => {
    const stack = [bucketResource("inline", { policy: policyText(tlsOnlyStatement("inline")) })];
    assert.deepEqual(await violations(stack), []);
  });

  test("reports a bucket whose own policy lacks the deny", async () => {
    const stack = [
      bucketResource("inline", {
        policy: policyText({ ...tlsOnlyStatement("inline"), Effect: "Allow" }),
      }),
    ];
    assert.deepEqual(await violations(stack), [
      [
        testUrn(S3_BUCKET, "inline"),
        `S3 bucket inline has a policy that does not deny requests without TLS; add ${FIX}`,
      ],
    ]);
  });

  test("leaves a bucket with an unknown name undecided instead of reporting it", async () => {
    const unknown = bucketResource("artifacts", { bucket: unknownValue<string>("string") });
    const result = await evaluateS3Stack(policy, replaced(S3_BUCKET, "artifacts", unknown));
    assert.deepEqual(result.violations, []);
    assert.deepEqual(result.undecidable, [
      {
        policyName: policy.name,
        urn: "",
        message: "string value at .bucket can't be known during preview",
      },
    ]);
  });

  test("leaves an unknown policy document undecided instead of reporting it", async () => {
    const stack = replaced(
      S3_BUCKET_POLICY,
      "artifacts",
      bucketPolicyResource("artifacts", unknownValue<string>("string")),
    );
    const result = await evaluateS3Stack(policy, stack);
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["string value at .policy can't be known during preview"],
    );
  });

  test("leaves an unknown bucket ARN undecided instead of reporting it", async () => {
    const unknown = bucketResource("artifacts", { arn: unknownValue<string>("string") });
    const result = await evaluateS3Stack(policy, replaced(S3_BUCKET, "artifacts", unknown));
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["string value at .arn can't be known during preview"],
    );
  });
});
