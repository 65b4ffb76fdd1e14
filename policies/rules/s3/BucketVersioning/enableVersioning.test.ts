import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  evaluateS3Stack,
  S3_BUCKET,
  S3_BUCKET_LOGGING,
  S3_VERSIONING,
  s3StackWithLogs,
  SERVER_ACCESS_LOG_BUCKET,
  versioningResource,
  type StackResource,
} from "../../../fixtures/s3";
import { testUrn } from "../../../lib/testing";
import { acmeS3BucketversioningEnableVersioning as policy } from "./enableVersioning";

const message = (bucket: string) =>
  `S3 bucket ${bucket} is not versioned; attach an aws.s3.BucketVersioning with ` +
  'versioningConfiguration.status "Enabled".';

function withVersioning(replacement?: StackResource): StackResource[] {
  return s3StackWithLogs().flatMap((r) =>
    r.type === S3_VERSIONING && r.name === "reports" ? (replacement ? [replacement] : []) : [r],
  );
}

describe(policy.name, () => {
  test("passes versioned buckets and the unversioned log destination", async () => {
    assert.deepEqual((await evaluateS3Stack(policy, s3StackWithLogs())).violations, []);
  });

  test("reports a bucket without versioning", async () => {
    const result = await evaluateS3Stack(policy, withVersioning());
    assert.deepEqual(
      result.violations.map((v) => [v.urn, v.message]),
      [[testUrn(S3_BUCKET, "reports"), message("reports")]],
    );
  });

  test("reports suspended versioning", async () => {
    const result = await evaluateS3Stack(
      policy,
      withVersioning(versioningResource("reports", "Suspended")),
    );
    assert.deepEqual(
      result.violations.map((v) => v.message),
      [message("reports")],
    );
  });

  test("reports the log bucket once no BucketLogging delivers to it", async () => {
    const stack = s3StackWithLogs().filter((r) => r.type !== S3_BUCKET_LOGGING);
    const result = await evaluateS3Stack(policy, stack);
    assert.deepEqual(
      result.violations.map((v) => v.message),
      [message(SERVER_ACCESS_LOG_BUCKET)],
    );
  });
});
