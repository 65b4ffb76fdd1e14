import type { PolicyResource } from "@pulumi/policy";
import { sseS3LogBuckets } from "../../../lib/logBuckets";
import type { AcmeStackPolicy } from "../../../lib/policy";
import { describe, isNonEmptyString, isRecord, isAwsManagedKeyRef } from "../../../lib/values";

const S3_SSE =
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
/** The @pulumi/aws v6 type, deprecated in v7 but still offered. */
const S3_SSE_V2 =
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2";

/** SSE-KMS and dual-layer SSE-KMS; SSE-S3 (`AES256`) is not encryption with a KMS key. */
const KMS_ALGORITHMS = ["aws:kms", "aws:kms:dsse"];
/** SSE-S3: the only default encryption an ALB access-log bucket accepts. */
const SSE_S3 = "AES256";
// AWS managed keys (alias/aws/s3 and its ARN form): their key policy cannot be edited, so no grant
// can be audited or revoked.
const FIX = "set it to a customer-managed KMS key.";

/**
 * The problems of one configuration, in the order they are found. `deferred` is true when the
 * only problem is SSE-S3, which is allowed on an ALB access-log bucket: the caller decides.
 */
function problems(config: PolicyResource): { messages: string[]; deferred: boolean } {
  const messages: string[] = [];
  let deferred = false;
  const reportViolation = (message: string) => messages.push(message);
  const rules: unknown = config.props.rules;
  if (!Array.isArray(rules) || rules.length === 0) {
    reportViolation(
      `rules is ${describe(rules)}; add a rule whose applyServerSideEncryptionByDefault sets ` +
        `sseAlgorithm "aws:kms" and kmsMasterKeyId to a customer-managed KMS key.`,
    );
    return { messages, deferred };
  }
  rules.forEach((rule: unknown, i) => {
    const at = `rules[${i}]`;
    const byDefault = isRecord(rule) ? rule.applyServerSideEncryptionByDefault : undefined;
    const algorithm = isRecord(byDefault) ? byDefault.sseAlgorithm : undefined;
    if (typeof algorithm !== "string" || !KMS_ALGORITHMS.includes(algorithm)) {
      deferred ||= algorithm === SSE_S3 && rules.length === 1;
      reportViolation(
        `${at}.applyServerSideEncryptionByDefault.sseAlgorithm is ${describe(algorithm)}; set it ` +
          `to "aws:kms" and kmsMasterKeyId to a customer-managed KMS key.`,
      );
      return;
    }
    const key = (byDefault as Record<string, unknown>).kmsMasterKeyId;
    if (!isNonEmptyString(key)) {
      reportViolation(
        `${at}.applyServerSideEncryptionByDefault.kmsMasterKeyId is ${describe(key)}, so S3 uses ` +
          `the AWS managed key aws/s3; ${FIX}`,
      );
    } else if (isAwsManagedKeyRef(key)) {
      reportViolation(
        `${at}.applyServerSideEncryptionByDefault.kmsMasterKeyId is "${key}", an AWS managed ` +
          `key; ${FIX}`,
      );
    }
    // Dual-layer SSE-KMS does not support S3 Bucket Keys.
    const bucketKey = (rule as Record<string, unknown>).bucketKeyEnabled;
    if (algorithm === "aws:kms" && bucketKey !== true) {
      reportViolation(
        `${at}.bucketKeyEnabled is ${describe(bucketKey)}; set it to true so S3 uses a ` +
          "bucket-level data key instead of calling KMS for every object.",
      );
    }
  });
  return { messages, deferred };
}

/**
 * S3 default encryption must be SSE-KMS with a customer-managed key and an S3 Bucket Key. SSE-S3
 * and the AWS managed `aws/s3` key encrypt too, but nobody can scope or revoke who decrypts. The
 * Bucket Key keeps KMS request costs and throttling down (it is not offered for dual-layer
 * SSE-KMS, which needs none). Both the v7 resource and its deprecated V2 alias are checked.
 *
 * The exceptions are a bucket an Application Load Balancer of the stack delivers access logs to
 * (its `accessLogs.bucket`, with `accessLogs.enabled`) and the `targetBucket` of a BucketLogging
 * of the stack: ALB access logs and S3 server access logs support only SSE-S3, so those buckets'
 * configurations may use `AES256` instead. It is a stack rule for that reason; the
 * load balancers are read only for a configuration that needs the exception, and last, so a load
 * balancer not known yet leaves only those configurations undecided.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-17
 */
export const acmeS3BucketserversideencryptionconfigurationEnforceKmsEncryption: AcmeStackPolicy = {
  name: "acme-s3-bucketserversideencryptionconfiguration-enforce-kms-encryption",
  description:
    "Requires S3 default encryption to use SSE-KMS with a customer-managed key and an S3 Bucket Key.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["S3.17"],
  resourceType: S3_SSE,
  // Not tagged with one type: it checks both SSE configuration types.
  validateStack: (args, reportViolation) => {
    const configs = args.resources.filter((r) => r.type === S3_SSE || r.type === S3_SSE_V2);
    const sseS3Only: Array<{ config: PolicyResource; messages: string[] }> = [];
    for (const config of configs) {
      const { messages, deferred } = problems(config);
      if (deferred) {
        sseS3Only.push({ config, messages });
      } else {
        messages.forEach((m) => reportViolation(m, config.urn));
      }
    }
    if (sseS3Only.length === 0) {
      return;
    }
    const logBuckets = sseS3LogBuckets(args.resources);
    for (const { config, messages } of sseS3Only) {
      if (!logBuckets.includes(config.props.bucket as string)) {
        messages.forEach((m) => reportViolation(m, config.urn));
      }
    }
  },
};
