import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  evaluateS3Stack,
  lifecycleResource,
  S3_BUCKET,
  S3_LIFECYCLE,
  s3StackWithLogs,
  type StackResource,
} from "../../../fixtures/s3";
import { testUrn } from "../../../lib/testing";
import { acmeS3BucketlifecycleconfigurationMissingEnabledRule as policy } from "./missingEnabledRule";

const MESSAGE =
  'S3 bucket reports has no lifecycle rule with status "Enabled"; attach an ' +
  "aws.s3.BucketLifecycleConfiguration that expires objects and aborts incomplete multipart uploads.";

function withLifecycle(replacement?: StackResource): StackResource[] {
  return s3StackWithLogs().flatMap((r) =>
    r.type === S3_LIFECYCLE && r.name === "reports" ? (replacement ? [replacement] : []) : [r],
  );
}

describe(policy.name, () => {
  test("passes buckets with an enabled lifecycle rule, and is advisory", async () => {
    assert.deepEqual((await evaluateS3Stack(policy, s3StackWithLogs())).violations, []);
    assert.equal(policy.enforcementLevel, "advisory");
  });

  test("reports a bucket without a lifecycle configuration", async () => {
    const result = await evaluateS3Stack(policy, withLifecycle());
    assert.deepEqual(
      result.violations.map((v) => [v.urn, v.message]),
      [[testUrn(S3_BUCKET, "reports"), MESSAGE]],
    );
  });

  test("reports a lifecycle configuration whose rules are all disabled", async () => {
    const result = await evaluateS3Stack(
      policy,
      withLifecycle(lifecycleResource("reports", "Disabled")),
    );
    assert.deepEqual(
      result.violations.map((v) => v.message),
      [MESSAGE],
    );
  });
});
