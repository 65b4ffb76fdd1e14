/** The S3 policies, in the order CrossGuard runs them; `rules/index.ts` adds them to the pack. */
import type { AcmePolicy } from "../../lib/policy";
import { acmeS3BucketpolicyEnforceTlsOnly } from "./BucketPolicy/enforceTlsOnly";
import { acmeS3BucketpublicaccessblockEnforceBlockPublicAccess } from "./BucketPublicAccessBlock/enforceBlockPublicAccess";
import { acmeS3BucketserversideencryptionconfigurationEnforceKmsEncryption } from "./BucketServerSideEncryptionConfiguration/enforceKmsEncryption";
import { acmeS3BucketserversideencryptionconfigurationMissingKmsConfiguration } from "./BucketServerSideEncryptionConfiguration/missingKmsConfiguration";

export const s3Policies: AcmePolicy[] = [
  acmeS3BucketserversideencryptionconfigurationEnforceKmsEncryption,
  acmeS3BucketserversideencryptionconfigurationMissingKmsConfiguration,
  acmeS3BucketpolicyEnforceTlsOnly,
  acmeS3BucketpublicaccessblockEnforceBlockPublicAccess,
];
