import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { isRecord, stringList } from "../../../lib/values";

const S3_SSE =
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";

/**
 * Every rule of an S3 default encryption configuration must list `SSE-C` in
 * `blockedEncryptionTypes`: objects encrypted with a key the caller supplies cannot be read,
 * rotated or revoked through KMS, and S3 blocks them by default only on buckets created after
 * March 2026.
 *
 * @severity low
 * @link https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html
 */
export const acmeS3BucketserversideencryptionconfigurationDisallowSseC: AcmeResourcePolicy = {
  name: "acme-s3-bucketserversideencryptionconfiguration-disallow-sse-c",
  description: "Requires S3 default encryption rules to block SSE-C uploads.",
  enforcementLevel: "mandatory",
  severity: "low",
  controls: ["S3-BLOCK-SSEC"],
  resourceType: S3_SSE,
  validateResource: validateResourceType(S3_SSE, (args, reportViolation) => {
    const rules: unknown = args.props.rules;
    (Array.isArray(rules) ? rules : []).forEach((rule: unknown, i) => {
      const blocked = isRecord(rule) ? stringList(rule.blockedEncryptionTypes) : [];
      if (!blocked.includes("SSE-C")) {
        reportViolation(
          `rules[${i}].blockedEncryptionTypes does not include "SSE-C"; add it so uploads with ` +
            "customer-provided keys are refused.",
        );
      }
    });
  }),
};
