import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  bucketResource,
  evaluateS3Stack,
  replaced,
  S3_BUCKET,
  S3_BUCKET_V2,
  S3_SSE,
  S3_SSE_V2,
  S3_BUCKET_LOGGING,
  s3Stack,
  s3StackWithLogs,
  SERVER_ACCESS_LOG_BUCKET,
  sseConfig,
  sseResource,
  type StackResource,
} from "../../../fixtures/s3";
import { ACCESS_LOG_BUCKET, lbStack } from "../../../fixtures/lb";
import { testUrn, unknownValue } from "../../../lib/testing";
import { acmeS3BucketserversideencryptionconfigurationMissingKmsConfiguration as policy } from "./missingKmsConfiguration";

const KMS_RULE = 'sseAlgorithm "aws:kms" and kmsMasterKeyId set to a customer-managed KMS key.';
const NONE =
  "S3 bucket artifacts has no default encryption with aws:kms; attach an " +
  `aws.s3.BucketServerSideEncryptionConfiguration whose rule has ${KMS_RULE}`;

async function violations(resources: StackResource[]): Promise<[string, string][]> {
  return (await evaluateS3Stack(policy, resources)).violations.map((v) => [v.urn, v.message]);
}

const on = (name: string, message: string, type = S3_BUCKET): [string, string][] => [
  [testUrn(type, name), message],
];

/** An SSE-S3 configuration of `bucket`. */
function sseS3(bucket: string, name = bucket, type = S3_SSE): StackResource {
  return sseResource(
    bucket,
    { bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
    name,
    type,
  );
}

describe(policy.name, () => {
  test("passes two buckets that each have an SSE-KMS configuration", async () => {
    assert.deepEqual(await violations(s3Stack()), []);
  });

  test("reports a bucket without any configuration", async () => {
    assert.deepEqual(await violations(replaced(S3_SSE, "artifacts")), on("artifacts", NONE));
  });

  test("reports a bucket whose configuration uses SSE-S3", async () => {
    assert.deepEqual(
      await violations(replaced(S3_SSE, "artifacts", sseS3("artifacts"))),
      on(
        "artifacts",
        "S3 bucket artifacts: BucketServerSideEncryptionConfiguration artifacts does not " +
          `encrypt with aws:kms; give it a rule with ${KMS_RULE}`,
      ),
    );
  });

  test("reports a configuration of another bucket as missing for this one", async () => {
    const elsewhere = sseResource("elsewhere", sseConfig("elsewhere"), "artifacts");
    assert.deepEqual(
      await violations(replaced(S3_SSE, "artifacts", elsewhere)),
      on("artifacts", NONE),
    );
  });

  test("passes a deprecated V2 configuration and a V2 bucket", async () => {
    const stack = [
      ...replaced(S3_SSE, "artifacts", sseResource("artifacts", sseConfig(), "v2", S3_SSE_V2)),
      bucketResource("legacy", {}, S3_BUCKET_V2),
      sseResource("legacy"),
    ];
    assert.deepEqual(await violations(stack), []);
  });

  test("reports a V2 bucket without a configuration", async () => {
    const stack = [...s3Stack(), bucketResource("legacy", {}, S3_BUCKET_V2)];
    assert.deepEqual(
      await violations(stack),
      on(
        "legacy",
        "S3 bucket legacy has no default encryption with aws:kms; attach an " +
          `aws.s3.BucketServerSideEncryptionConfiguration whose rule has ${KMS_RULE}`,
        S3_BUCKET_V2,
      ),
    );
  });

  test("passes the bucket's own SSE-KMS configuration", async () => {
    const inline = bucketResource("artifacts", {
      serverSideEncryptionConfiguration: {
        rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } },
      },
    });
    const stack = replaced(S3_SSE, "artifacts").map((r) =>
      r.type === S3_BUCKET && r.name === "artifacts" ? inline : r,
    );
    assert.deepEqual(await violations(stack), []);
  });

  test("reports the bucket's own SSE-S3 configuration", async () => {
    const inline = bucketResource("artifacts", {
      serverSideEncryptionConfiguration: {
        rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      },
    });
    const stack = replaced(S3_SSE, "artifacts").map((r) =>
      r.type === S3_BUCKET && r.name === "artifacts" ? inline : r,
    );
    assert.deepEqual(await violations(stack), on("artifacts", NONE));
  });

  test("passes when one of two configurations of a bucket uses aws:kms", async () => {
    const stack = [...s3Stack(), sseS3("artifacts", "second")];
    assert.deepEqual(await violations(stack), []);
  });

  test("leaves a bucket with an unknown name undecided instead of reporting it", async () => {
    const unknown = bucketResource("artifacts", { bucket: unknownValue<string>("string") });
    const result = await evaluateS3Stack(policy, replaced(S3_BUCKET, "artifacts", unknown));
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["string value at .bucket can't be known during preview"],
    );
  });

  test("leaves an unknown own configuration undecided instead of reporting it", async () => {
    const unknown = bucketResource("artifacts", {
      serverSideEncryptionConfiguration: unknownValue("object"),
    });
    const stack = replaced(S3_SSE, "artifacts").map((r) =>
      r.type === S3_BUCKET && r.name === "artifacts" ? unknown : r,
    );
    const result = await evaluateS3Stack(policy, stack);
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["Object value at .serverSideEncryptionConfiguration can't be known during preview"],
    );
  });

  describe("the S3 server access log bucket", () => {
    test("passes the SSE-S3 bucket a BucketLogging delivers server access logs to", async () => {
      assert.deepEqual((await evaluateS3Stack(policy, s3StackWithLogs())).violations, []);
    });

    test("reports the same SSE-S3 bucket once nothing logs to it", async () => {
      const stack = s3StackWithLogs().filter((r) => r.type !== S3_BUCKET_LOGGING);
      const result = await evaluateS3Stack(policy, stack);
      assert.deepEqual(
        result.violations.map((v) => v.urn),
        [testUrn(S3_BUCKET, SERVER_ACCESS_LOG_BUCKET)],
      );
    });
  });

  describe("the ALB access-log bucket", () => {
    test("passes the SSE-S3 bucket an ALB delivers access logs to", async () => {
      assert.deepEqual((await evaluateS3Stack(policy, lbStack())).violations, []);
    });

    test("reports the log bucket without an SSE-S3 configuration", async () => {
      const stack = lbStack().filter((r) => r.type !== S3_SSE);
      assert.deepEqual(
        (await evaluateS3Stack(policy, stack)).violations.map((v) => [v.urn, v.message]),
        [
          [
            testUrn(S3_BUCKET, ACCESS_LOG_BUCKET),
            `S3 bucket ${ACCESS_LOG_BUCKET} receives Application Load Balancer or S3 server ` +
              "access logs, which support only SSE-S3; attach an aws.s3.BucketServerSideEncryptionConfiguration " +
              'whose rule has sseAlgorithm "AES256".',
          ],
        ],
      );
    });

    test("still reports an SSE-S3 bucket that no ALB logs to", async () => {
      const stack = lbStack({ accessLogs: undefined });
      const result = await evaluateS3Stack(policy, stack);
      assert.deepEqual(
        result.violations.map((v) => v.urn),
        [testUrn(S3_BUCKET, ACCESS_LOG_BUCKET)],
      );
      assert.match(result.violations[0].message, /does not encrypt with aws:kms/);
    });
  });
});
