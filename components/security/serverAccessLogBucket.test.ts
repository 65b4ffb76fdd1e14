/**
 * The S3 server access log bucket: its children and settings, the policy that lets S3's log
 * delivery write for this account only (decided by an IAM evaluator), and the BucketLogging an
 * artifact bucket gets when it names the log bucket.
 */
import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Capture } from "../../tools/mocks";
import {
  MOCK_ACCOUNT_ID,
  mockPlatform,
  ofType,
  policyOf,
  simulateIam,
  single,
  TEST_REGION,
  valueOf,
} from "../../tools/testing";
import { LOG_RETENTION_DAYS } from "../lib";
import { ArtifactBucket } from "../workflows/artifactBucket";
import { ServerAccessLogBucket, validateServerAccessLogBucketArgs } from "./serverAccessLogBucket";

const DATA_KEY = `arn:aws:kms:${TEST_REGION}:${MOCK_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const S3_LOGGING = "aws:s3/bucketLogging:BucketLogging";

describe("ServerAccessLogBucket", () => {
  let capture: Capture;
  let logBucket: string;
  let artifactBucket: string;
  let urn: string;

  before(async () => {
    capture = await mockPlatform();
    const logs = new ServerAccessLogBucket("s3-logs", {
      accountId: MOCK_ACCOUNT_ID,
      retentionDays: 90,
    });
    const artifacts = new ArtifactBucket("artifacts", {
      kmsKeyArn: DATA_KEY,
      region: TEST_REGION,
      artifactExpirationDays: 30,
      noncurrentVersionExpirationDays: 7,
      serverAccessLogs: logs,
    });
    new ArtifactBucket("unlogged", {
      kmsKeyArn: DATA_KEY,
      region: TEST_REGION,
      artifactExpirationDays: 30,
      noncurrentVersionExpirationDays: 7,
    });
    await capture.settle();
    [logBucket, artifactBucket, urn] = await Promise.all([
      valueOf(logs.bucketName),
      valueOf(artifacts.bucketName),
      valueOf(logs.urn),
    ]);
  });

  it("creates the bucket with SSE-S3, no public access, no ACLs and expiring logs", () => {
    const children = [...capture.resources.values()].filter((r) => r.parent === urn);
    assert.deepEqual(children.map((r) => r.type).sort(), [
      "aws:s3/bucket:Bucket",
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
      "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
      "aws:s3/bucketPolicy:BucketPolicy",
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    ]);
    const sse = single(
      capture,
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "s3-logs",
    );
    assert.deepEqual(sse.inputs.rules, [
      {
        applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" },
        blockedEncryptionTypes: ["SSE-C"],
      },
    ]);
    const lifecycle = single(
      capture,
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
      "s3-logs",
    );
    assert.deepEqual((lifecycle.inputs.rules as Array<{ expiration: unknown }>)[0].expiration, {
      days: 90,
    });
    assert.deepEqual(
      single(capture, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "s3-logs").inputs
        .rule,
      { objectOwnership: "BucketOwnerEnforced" },
    );
  });

  it("lets S3 log delivery write for this account only, and only over TLS", async () => {
    const policy = policyOf(single(capture, "aws:s3/bucketPolicy:BucketPolicy", "s3-logs"));
    const deliver = (account: string, secure: string) =>
      simulateIam({
        principal: "logging.s3.amazonaws.com",
        identityPolicies: {},
        resourcePolicy: policy,
        action: "s3:PutObject",
        resource: `arn:aws:s3:::${logBucket}/${artifactBucket}/2026-12-06-00-00-00-ABCDEF`,
        context: { "aws:SourceAccount": account, "aws:SecureTransport": secure },
      });
    assert.equal(await deliver(MOCK_ACCOUNT_ID, "true"), "Allowed");
    assert.equal(await deliver("444455556666", "true"), "ImplicitlyDenied");
    assert.equal(await deliver(MOCK_ACCOUNT_ID, "false"), "ExplicitlyDenied");
  });

  it("logs a bucket that names it, under the bucket's name, and no other", () => {
    const loggings = ofType(capture, S3_LOGGING);
    assert.deepEqual(
      loggings.map((l) => l.inputs),
      [{ bucket: artifactBucket, targetBucket: logBucket, targetPrefix: `${artifactBucket}/` }],
    );
  });

  it("names each bad argument", () => {
    assert.deepEqual(
      validateServerAccessLogBucketArgs({ accountId: "12345", retentionDays: 0 }).map(
        (e) => e.propertyPath,
      ),
      ["accountId", "retentionDays"],
    );
    assert.deepEqual(
      validateServerAccessLogBucketArgs({ accountId: MOCK_ACCOUNT_ID, retentionDays: 3650 }),
      [],
    );
    assert.deepEqual(
      validateServerAccessLogBucketArgs({ accountId: MOCK_ACCOUNT_ID, retentionDays: 1.5 }).map(
        (e) => e.propertyPath,
      ),
      ["retentionDays"],
    );
  });

  it("keeps logs as long as any network.flowLogRetentionInDays index.ts passes it allows", () => {
    // index.ts passes that key, which takes every CloudWatch Logs retention period.
    for (const retentionDays of LOG_RETENTION_DAYS) {
      assert.deepEqual(
        validateServerAccessLogBucketArgs({ accountId: MOCK_ACCOUNT_ID, retentionDays }),
        [],
        `${retentionDays} days`,
      );
    }
  });
});
