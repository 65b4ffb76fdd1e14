import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  bucketLoggingResource,
  evaluateS3Stack,
  S3_BUCKET,
  S3_BUCKET_LOGGING,
  s3StackWithLogs,
  SERVER_ACCESS_LOG_BUCKET,
  type StackResource,
} from "../../../fixtures/s3";
import { testUrn } from "../../../lib/testing";
import { acmeS3BucketEnableServerAccessLogging as policy } from "./enableServerAccessLogging";

async function violations(resources: StackResource[]): Promise<[string, string][]> {
  return (await evaluateS3Stack(policy, resources)).violations.map((v) => [v.urn, v.message]);
}

/** The full stack with the logging of `bucket` replaced by `replacement` (or removed). */
function withLogging(bucket: string, replacement?: StackResource): StackResource[] {
  return s3StackWithLogs().flatMap((r) =>
    r.type === S3_BUCKET_LOGGING && r.name === bucket ? (replacement ? [replacement] : []) : [r],
  );
}

describe(policy.name, () => {
  test("passes buckets that log to the stack's log bucket, which logs nowhere", async () => {
    assert.deepEqual(await violations(s3StackWithLogs()), []);
  });

  test("reports a bucket without server access logging", async () => {
    assert.deepEqual(await violations(withLogging("reports")), [
      [
        testUrn(S3_BUCKET, "reports"),
        "S3 bucket reports has no server access logging; attach an aws.s3.BucketLogging whose " +
          "targetBucket is the stack's log bucket (ServerAccessLogBucket).",
      ],
    ]);
  });

  test("reports logging to a bucket outside the stack", async () => {
    const elsewhere = bucketLoggingResource("reports", { targetBucket: "someone-elses-logs" });
    assert.deepEqual(await violations(withLogging("reports", elsewhere)), [
      [
        testUrn(S3_BUCKET, "reports"),
        'S3 bucket reports: BucketLogging reports delivers to "someone-elses-logs", which is not ' +
          "a bucket of this stack; deliver to the stack's log bucket (ServerAccessLogBucket).",
      ],
    ]);
  });

  test("reports the log bucket logging to itself", async () => {
    const stack = [...s3StackWithLogs(), bucketLoggingResource(SERVER_ACCESS_LOG_BUCKET)];
    assert.deepEqual(await violations(stack), [
      [
        testUrn(S3_BUCKET, SERVER_ACCESS_LOG_BUCKET),
        `S3 bucket ${SERVER_ACCESS_LOG_BUCKET} receives server access logs and logs itself too; ` +
          "remove its BucketLogging, a destination must not log its own deliveries.",
      ],
    ]);
  });
});
