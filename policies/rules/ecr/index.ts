/** The ECR policies, in the order CrossGuard runs them; `rules/index.ts` adds them to the pack. */
import type { AcmePolicy } from "../../lib/policy";
import { acmeEcrRepositoryEnableScanOnPush } from "./Repository/enableScanOnPush";
import { acmeEcrRepositoryEnforceCmkEncryption } from "./Repository/enforceCmkEncryption";
import { acmeEcrRepositoryEnforceImmutableTags } from "./Repository/enforceImmutableTags";
import { acmeEcrRepositoryMissingLifecyclePolicy } from "./Repository/missingLifecyclePolicy";
import { acmeEcrRepositorypolicyDisallowPublicAccess } from "./RepositoryPolicy/disallowPublicAccess";

export const ecrPolicies: AcmePolicy[] = [
  acmeEcrRepositoryEnforceCmkEncryption,
  acmeEcrRepositoryEnforceImmutableTags,
  acmeEcrRepositoryEnableScanOnPush,
  acmeEcrRepositoryMissingLifecyclePolicy,
  acmeEcrRepositorypolicyDisallowPublicAccess,
];
