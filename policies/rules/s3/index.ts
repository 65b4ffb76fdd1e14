/** The S3 policies, in the order CrossGuard runs them; `rules/index.ts` adds them to the pack. */
import type { AcmePolicy } from "../../lib/policy";
import { acmeS3BucketpolicyEnforceTlsOnly } from "./BucketPolicy/enforceTlsOnly";
import { acmeS3BucketpublicaccessblockEnforceBlockPublicAccess } from "./BucketPublicAccessBlock/enforceBlockPublicAccess";
import { acmeS3BucketserversideencryptionconfigurationEnforceKmsEncryption } from "./BucketServerSideEncryptionConfiguration/enforceKmsEncryption";
import { acmeS3BucketserversideencryptionconfigurationMissingKmsConfiguration } from "./BucketServerSideEncryptionConfiguration/missingKmsConfiguration";
import { acmeS3BucketEnableServerAccessLogging } from "./Bucket/enableServerAccessLogging";
import { acmeS3BucketlifecycleconfigurationMissingEnabledRule } from "./BucketLifecycleConfiguration/missingEnabledRule";
import { acmeS3BucketownershipcontrolsEnforceBucketOwnerEnforced } from "./BucketOwnershipControls/enforceBucketOwnerEnforced";
import { acmeS3BucketpolicyDisallowExternalManagement } from "./BucketPolicy/disallowExternalManagement";
import { acmeS3BucketpolicyDisallowPublicAccess } from "./BucketPolicy/disallowPublicAccess";
import { acmeS3BucketserversideencryptionconfigurationDisallowSseC } from "./BucketServerSideEncryptionConfiguration/disallowSseC";
import { acmeS3BucketversioningEnableVersioning } from "./BucketVersioning/enableVersioning";

export const s3Policies: AcmePolicy[] = [
  acmeS3BucketserversideencryptionconfigurationEnforceKmsEncryption,
  acmeS3BucketserversideencryptionconfigurationMissingKmsConfiguration,
  acmeS3BucketpolicyEnforceTlsOnly,
  acmeS3BucketpublicaccessblockEnforceBlockPublicAccess,
  acmeS3BucketserversideencryptionconfigurationDisallowSseC,
  acmeS3BucketpolicyDisallowPublicAccess,
  acmeS3BucketpolicyDisallowExternalManagement,
  acmeS3BucketownershipcontrolsEnforceBucketOwnerEnforced,
  acmeS3BucketEnableServerAccessLogging,
  acmeS3BucketlifecycleconfigurationMissingEnabledRule,
  acmeS3BucketversioningEnableVersioning,
];
