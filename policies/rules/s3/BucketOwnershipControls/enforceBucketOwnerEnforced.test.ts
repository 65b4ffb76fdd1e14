import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  evaluateS3Stack,
  ownershipControlsResource,
  S3_BUCKET,
  S3_OWNERSHIP_CONTROLS,
  s3StackWithLogs,
  type StackResource,
} from "../../../fixtures/s3";
import { testUrn } from "../../../lib/testing";
import { acmeS3BucketownershipcontrolsEnforceBucketOwnerEnforced as policy } from "./enforceBucketOwnerEnforced";

/** The full stack with the ownership controls of `reports` replaced (or removed). */
function withControls(replacement?: StackResource): StackResource[] {
  return s3StackWithLogs().flatMap((r) =>
    r.type === S3_OWNERSHIP_CONTROLS && r.name === "reports"
      ? replacement
        ? [replacement]
        : []
      : [r],
  );
}

describe(policy.name, () => {
  test("passes buckets whose ownership is BucketOwnerEnforced", async () => {
    assert.deepEqual((await evaluateS3Stack(policy, s3StackWithLogs())).violations, []);
  });

  test("reports a bucket without ownership controls", async () => {
    const result = await evaluateS3Stack(policy, withControls());
    assert.deepEqual(
      result.violations.map((v) => [v.urn, v.message]),
      [
        [
          testUrn(S3_BUCKET, "reports"),
          "S3 bucket reports has no ownership controls, so ACLs still grant access; attach an " +
            'aws.s3.BucketOwnershipControls with rule.objectOwnership "BucketOwnerEnforced".',
        ],
      ],
    );
  });

  test("reports ownership that keeps ACLs", async () => {
    const result = await evaluateS3Stack(
      policy,
      withControls(ownershipControlsResource("reports", "ObjectWriter")),
    );
    assert.deepEqual(
      result.violations.map((v) => v.message),
      [
        'S3 bucket reports: BucketOwnershipControls reports sets rule.objectOwnership to "ObjectWriter"; ' +
          'set it to "BucketOwnerEnforced" to disable ACLs.',
      ],
    );
  });
});
