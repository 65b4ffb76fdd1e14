import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CMK_ARN,
  evaluateS3Stack,
  S3_BUCKET_LOGGING,
  S3_SSE,
  S3_SSE_V2,
  s3StackWithLogs,
  SERVER_ACCESS_LOG_BUCKET,
  sseConfig,
  sseResource,
  type SseConfigProps,
} from "../../../fixtures/s3";
import { ACCESS_LOG_BUCKET, LB_LOAD_BALANCER, lbStack, loadBalancer } from "../../../fixtures/lb";
import { evaluateProps, testUrn, unknownValue, violationMessages } from "../../../lib/testing";
import { acmeS3BucketserversideencryptionconfigurationEnforceKmsEncryption as policy } from "./enforceKmsEncryption";

/** The passing configuration with its only rule changed. */
function withRule(change: Record<string, unknown>): SseConfigProps {
  const base = sseConfig();
  const [rule] = base.rules;
  return { ...base, rules: [{ ...rule, ...change }] };
}

/** The passing configuration with `applyServerSideEncryptionByDefault` changed. */
function withDefault(change: Record<string, unknown>): SseConfigProps {
  const [rule] = sseConfig().rules;
  return withRule({
    applyServerSideEncryptionByDefault: { ...rule.applyServerSideEncryptionByDefault, ...change },
  });
}

const CUSTOMER_KEY = "set it to a customer-managed KMS key.";

describe(policy.name, () => {
  test("passes SSE-S3 on the bucket a BucketLogging delivers server access logs to", async () => {
    assert.deepEqual((await evaluateS3Stack(policy, s3StackWithLogs())).violations, []);
  });

  test("reports SSE-S3 on that bucket once nothing logs to it", async () => {
    const stack = s3StackWithLogs().filter((r) => r.type !== S3_BUCKET_LOGGING);
    const result = await evaluateS3Stack(policy, stack);
    assert.deepEqual(
      result.violations.map((v) => v.urn),
      [testUrn(S3_SSE, SERVER_ACCESS_LOG_BUCKET)],
    );
  });

  test("passes SSE-KMS with a customer-managed key and a bucket key", async () => {
    assert.deepEqual(await violationMessages(policy, sseConfig()), []);
  });

  test("passes dual-layer SSE-KMS without a bucket key, which it does not support", async () => {
    assert.deepEqual(
      await violationMessages(
        policy,
        withRule({
          applyServerSideEncryptionByDefault: {
            sseAlgorithm: "aws:kms:dsse",
            kmsMasterKeyId: CMK_ARN,
          },
          bucketKeyEnabled: undefined,
        }),
      ),
      [],
    );
  });

  test("reports SSE-S3", async () => {
    assert.deepEqual(await violationMessages(policy, withDefault({ sseAlgorithm: "AES256" })), [
      'rules[0].applyServerSideEncryptionByDefault.sseAlgorithm is "AES256"; set it to "aws:kms" ' +
        "and kmsMasterKeyId to a customer-managed KMS key.",
    ]);
  });

  test("reports a rule without a default encryption", async () => {
    assert.deepEqual(
      await violationMessages(policy, withRule({ applyServerSideEncryptionByDefault: undefined })),
      [
        "rules[0].applyServerSideEncryptionByDefault.sseAlgorithm is not set; set it to " +
          '"aws:kms" and kmsMasterKeyId to a customer-managed KMS key.',
      ],
    );
  });

  test("reports SSE-KMS without a key, which means the AWS managed aws/s3 key", async () => {
    assert.deepEqual(await violationMessages(policy, withDefault({ kmsMasterKeyId: undefined })), [
      "rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId is not set, so S3 uses the AWS " +
        `managed key aws/s3; ${CUSTOMER_KEY}`,
    ]);
  });

  test("reports the AWS managed key named by alias", async () => {
    assert.deepEqual(
      await violationMessages(policy, withDefault({ kmsMasterKeyId: "alias/aws/s3" })),
      [
        'rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId is "alias/aws/s3", an AWS ' +
          `managed key; ${CUSTOMER_KEY}`,
      ],
    );
  });

  test("reports a missing bucket key", async () => {
    assert.deepEqual(await violationMessages(policy, withRule({ bucketKeyEnabled: false })), [
      "rules[0].bucketKeyEnabled is false; set it to true so S3 uses a bucket-level data key " +
        "instead of calling KMS for every object.",
    ]);
  });

  test("reports a configuration without rules", async () => {
    assert.deepEqual(await violationMessages(policy, { ...sseConfig(), rules: [] }), [
      'rules is []; add a rule whose applyServerSideEncryptionByDefault sets sseAlgorithm "aws:kms" ' +
        "and kmsMasterKeyId to a customer-managed KMS key.",
    ]);
  });

  test("checks the deprecated V2 type the same way", async () => {
    const result = await evaluateS3Stack(policy, [
      sseResource("artifacts", withDefault({ sseAlgorithm: "AES256" }), "legacy", S3_SSE_V2),
      sseResource("reports", sseConfig("reports"), "current", S3_SSE),
    ]);
    assert.deepEqual(
      result.violations.map((v) => [v.urn, v.message]),
      [
        [
          testUrn(S3_SSE_V2, "legacy"),
          'rules[0].applyServerSideEncryptionByDefault.sseAlgorithm is "AES256"; set it to ' +
            '"aws:kms" and kmsMasterKeyId to a customer-managed KMS key.',
        ],
      ],
    );
    assert.deepEqual(result.violations[0].controls, ["S3.17"]);
  });

  test("leaves an unknown key undecided instead of reporting it", async () => {
    const result = await evaluateProps(
      policy,
      withDefault({ kmsMasterKeyId: unknownValue<string>("string") }),
    );
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      [
        "string value at .rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId can't be " +
          "known during preview",
      ],
    );
  });

  describe("the ALB access-log bucket", () => {
    const SSE_S3 =
      'rules[0].applyServerSideEncryptionByDefault.sseAlgorithm is "AES256"; set it to ' +
      '"aws:kms" and kmsMasterKeyId to a customer-managed KMS key.';
    const sseS3 = (bucket: string, name = bucket) =>
      sseResource(
        bucket,
        { bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
        name,
      );

    test("passes SSE-S3 on the bucket an ALB delivers access logs to", async () => {
      const result = await evaluateS3Stack(policy, lbStack());
      assert.deepEqual(result.violations, []);
    });

    test("still reports SSE-S3 on every other bucket of the same stack", async () => {
      const result = await evaluateS3Stack(policy, [...lbStack(), sseS3("reports")]);
      assert.deepEqual(
        result.violations.map((v) => [v.urn, v.message]),
        [[testUrn(S3_SSE, "reports"), SSE_S3]],
      );
    });

    test("reports SSE-S3 when the ALB's access logs are disabled or it is a Network Load Balancer", async () => {
      const disabled = { accessLogs: { bucket: ACCESS_LOG_BUCKET, enabled: false } };
      for (const change of [disabled, { loadBalancerType: "network" }]) {
        const result = await evaluateS3Stack(policy, lbStack(change));
        assert.deepEqual(
          result.violations.map((v) => [v.urn, v.message]),
          [[testUrn(S3_SSE, ACCESS_LOG_BUCKET), SSE_S3]],
          JSON.stringify(change),
        );
      }
    });

    test("decides the KMS configurations before it reads a load balancer not known yet", async () => {
      const lb = {
        type: LB_LOAD_BALANCER,
        name: "front-door",
        outputs: { ...loadBalancer(), accessLogs: unknownValue<object>("object") },
      };
      const result = await evaluateS3Stack(policy, [
        sseResource("reports", withDefault({ kmsMasterKeyId: "alias/aws/s3" }), "reports"),
        sseS3("logs"),
        lb,
      ]);
      assert.deepEqual(
        result.violations.map((v) => v.urn),
        [testUrn(S3_SSE, "reports")],
      );
      assert.equal(result.undecidable.length, 1);
    });
  });
});
