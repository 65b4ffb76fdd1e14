import type { PolicyResource } from "@pulumi/policy";
import { bucketsWith } from "../../../lib/buckets";
import { sseS3LogBuckets } from "../../../lib/logBuckets";
import type { AcmeStackPolicy } from "../../../lib/policy";
import { isRecord } from "../../../lib/values";

const S3_SSE =
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const S3_SSE_TYPES = [
  S3_SSE,
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
];
const KMS_ALGORITHMS = ["aws:kms", "aws:kms:dsse"];

/** What a rule needs; the key itself is checked by the resource rule. */
const KMS_RULE = 'sseAlgorithm "aws:kms" and kmsMasterKeyId set to a customer-managed KMS key.';

/** True when a rule (SSE resource `rules[]` item or the bucket's inline `rule`) names SSE-KMS. */
function isKmsRule(rule: unknown): boolean {
  const byDefault = isRecord(rule) ? rule.applyServerSideEncryptionByDefault : undefined;
  const algorithm = isRecord(byDefault) ? byDefault.sseAlgorithm : undefined;
  return typeof algorithm === "string" && KMS_ALGORITHMS.includes(algorithm);
}

function configEncryptsWithKms(config: PolicyResource): boolean {
  const rules: unknown = config.props.rules;
  return Array.isArray(rules) && rules.some(isKmsRule);
}

/** True when a configuration's rules name SSE-S3 (`AES256`). */
function configEncryptsWithSseS3(config: PolicyResource): boolean {
  const rules: unknown = config.props.rules;
  return (
    Array.isArray(rules) &&
    rules.some((rule: unknown) => {
      const byDefault = isRecord(rule) ? rule.applyServerSideEncryptionByDefault : undefined;
      return isRecord(byDefault) && byDefault.sseAlgorithm === "AES256";
    })
  );
}

/**
 * Every S3 bucket must have default encryption with SSE-KMS. The configuration can be an
 * aws.s3.BucketServerSideEncryptionConfiguration (or its V2 alias), matched by bucket name, or
 * the bucket's own deprecated `serverSideEncryptionConfiguration`. A bucket without one is
 * encrypted with SSE-S3, which no KMS key policy governs. The key and Bucket Key settings of each
 * configuration are checked by acme-s3-bucketserversideencryptionconfiguration-enforce-kms-encryption.
 * A bucket whose name is not known yet cannot be matched and is left undecided.
 *
 * The exception: a bucket an Application Load Balancer of the stack delivers access logs to
 * (`accessLogs.bucket`, enabled), or the `targetBucket` of a BucketLogging of the stack, needs an
 * SSE-S3 (`AES256`) configuration instead, since ALB access logs and S3 server access logs support
 * no other default encryption. The load balancers are read only for a bucket
 * without SSE-KMS.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-17
 */
export const acmeS3BucketserversideencryptionconfigurationMissingKmsConfiguration: AcmeStackPolicy =
  {
    name: "acme-s3-bucketserversideencryptionconfiguration-missing-kms-configuration",
    description:
      "Requires every S3 bucket to have a default encryption configuration that uses SSE-KMS.",
    enforcementLevel: "mandatory",
    severity: "medium",
    controls: ["S3.17"],
    resourceType: S3_SSE,
    // Not tagged with one type: it must run when the stack has buckets but no configuration.
    validateStack: (args, reportViolation) => {
      let logBuckets: string[] | undefined;
      for (const { bucket, name, settings: attached } of bucketsWith(args, S3_SSE_TYPES)) {
        if (attached.some(configEncryptsWithKms)) {
          continue;
        }
        logBuckets ??= sseS3LogBuckets(args.resources);
        if (logBuckets.includes(name)) {
          if (!attached.some(configEncryptsWithSseS3)) {
            reportViolation(
              `S3 bucket ${bucket.name} receives Application Load Balancer or S3 server access ` +
                "logs, which support only SSE-S3; attach an aws.s3.BucketServerSideEncryptionConfiguration " +
                'whose rule has sseAlgorithm "AES256".',
              bucket.urn,
            );
          }
          continue;
        }
        for (const config of attached) {
          reportViolation(
            `S3 bucket ${bucket.name}: BucketServerSideEncryptionConfiguration ${config.name} ` +
              `does not encrypt with aws:kms; give it a rule with ${KMS_RULE}`,
            bucket.urn,
          );
        }
        if (attached.length > 0) {
          continue;
        }
        // Read only when nothing is attached: the output is computed, so often unknown.
        const inline: unknown = bucket.props.serverSideEncryptionConfiguration;
        if (!(isRecord(inline) && isKmsRule(inline.rule))) {
          reportViolation(
            `S3 bucket ${bucket.name} has no default encryption with aws:kms; attach an ` +
              `aws.s3.BucketServerSideEncryptionConfiguration whose rule has ${KMS_RULE}`,
            bucket.urn,
          );
        }
      }
    },
  };
