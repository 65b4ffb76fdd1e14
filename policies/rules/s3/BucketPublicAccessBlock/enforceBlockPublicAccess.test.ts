import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  bucketResource,
  evaluateS3Stack,
  publicAccessBlockResource,
  replaced,
  S3_BUCKET,
  S3_BUCKET_V2,
  S3_PUBLIC_ACCESS_BLOCK,
  s3Stack,
  type StackResource,
} from "../../../fixtures/s3";
import { testUrn, unknownValue } from "../../../lib/testing";
import { acmeS3BucketpublicaccessblockEnforceBlockPublicAccess as policy } from "./enforceBlockPublicAccess";

const FIX =
  "set blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets to true.";

async function violations(resources: StackResource[]): Promise<[string, string][]> {
  return (await evaluateS3Stack(policy, resources)).violations.map((v) => [v.urn, v.message]);
}

const onArtifacts = (message: string): [string, string][] => [
  [testUrn(S3_BUCKET, "artifacts"), message],
];

/** The happy-path stack with the block of `artifacts` changed. */
const withBlock = (change: Record<string, unknown>) =>
  replaced(S3_PUBLIC_ACCESS_BLOCK, "artifacts", publicAccessBlockResource("artifacts", change));

const open = (settings: string) =>
  `S3 bucket artifacts: BucketPublicAccessBlock artifacts leaves public access open ` +
  `(${settings}); ${FIX}`;

describe(policy.name, () => {
  test("passes two buckets that each block all public access", async () => {
    assert.deepEqual(await violations(s3Stack()), []);
  });

  test("reports a bucket without a public access block", async () => {
    assert.deepEqual(
      await violations(replaced(S3_PUBLIC_ACCESS_BLOCK, "artifacts")),
      onArtifacts(
        `S3 bucket artifacts has no public access block; attach an ` +
          `aws.s3.BucketPublicAccessBlock and ${FIX}`,
      ),
    );
  });

  for (const setting of [
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
  ]) {
    test(`reports ${setting} set to false`, async () => {
      assert.deepEqual(
        await violations(withBlock({ [setting]: false })),
        onArtifacts(open(`${setting} is false`)),
      );
    });
  }

  test("reports unset settings, since they default to false", async () => {
    assert.deepEqual(
      await violations(
        withBlock({ blockPublicPolicy: undefined, restrictPublicBuckets: undefined }),
      ),
      onArtifacts(open("blockPublicPolicy is not set, restrictPublicBuckets is not set")),
    );
  });

  test("reports a block of another bucket as missing for this one", async () => {
    const elsewhere = publicAccessBlockResource("artifacts", { bucket: "elsewhere" });
    assert.deepEqual(
      await violations(replaced(S3_PUBLIC_ACCESS_BLOCK, "artifacts", elsewhere)),
      onArtifacts(
        `S3 bucket artifacts has no public access block; attach an ` +
          `aws.s3.BucketPublicAccessBlock and ${FIX}`,
      ),
    );
  });

  test("reports a V2 bucket without a public access block", async () => {
    const stack = [...s3Stack(), bucketResource("legacy", {}, S3_BUCKET_V2)];
    assert.deepEqual(await violations(stack), [
      [
        testUrn(S3_BUCKET_V2, "legacy"),
        `S3 bucket legacy has no public access block; attach an ` +
          `aws.s3.BucketPublicAccessBlock and ${FIX}`,
      ],
    ]);
  });

  test("reports each of two blocks on a bucket that leaves access open", async () => {
    const stack = [
      ...s3Stack(),
      publicAccessBlockResource("artifacts", { ignorePublicAcls: false }, "second"),
    ];
    assert.deepEqual(
      await violations(stack),
      onArtifacts(
        `S3 bucket artifacts: BucketPublicAccessBlock second leaves public access open ` +
          `(ignorePublicAcls is false); ${FIX}`,
      ),
    );
  });

  test("passes a stack without buckets", async () => {
    const result = await evaluateS3Stack(policy, [publicAccessBlockResource("external")]);
    assert.deepEqual(result.violations, []);
    assert.deepEqual(result.undecidable, []);
  });

  test("leaves an unknown setting undecided instead of reporting it", async () => {
    const result = await evaluateS3Stack(
      policy,
      withBlock({ blockPublicPolicy: unknownValue<boolean>("boolean") }),
    );
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["boolean value at .blockPublicPolicy can't be known during preview"],
    );
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
});
