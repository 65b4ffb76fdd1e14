/**
 * The MSK rules, in the order CrossGuard runs them; `policies/rules/index.ts` adds them to the
 * pack.
 */
import type { AcmePolicy } from "../../lib/policy";
import { acmeMskClusterEnableBrokerLogging } from "./Cluster/enableBrokerLogging";
import { acmeMskClusterEnableInClusterEncryption } from "./Cluster/enableInClusterEncryption";
import { acmeMskClusterEnforceClientBrokerTls } from "./Cluster/enforceClientBrokerTls";
import { acmeMskClusterEnforceIamAuthentication } from "./Cluster/enforceIamAuthentication";
import { acmeMskClusterMissingKmsKey } from "./Cluster/missingKmsKey";
import { acmeMskConfigurationEnforceReplicationSettings } from "./Configuration/enforceReplicationSettings";
import { acmeMskServerlessclusterDisallowServerlessCluster } from "./ServerlessCluster/disallowServerlessCluster";
import { acmeMskClusterDisallowPublicAccess } from "./Cluster/disallowPublicAccess";
import { acmeMskClusterEnableEnhancedMonitoring } from "./Cluster/enableEnhancedMonitoring";

export const mskPolicies: AcmePolicy[] = [
  acmeMskClusterMissingKmsKey,
  acmeMskClusterEnforceClientBrokerTls,
  acmeMskClusterEnableInClusterEncryption,
  acmeMskClusterEnforceIamAuthentication,
  acmeMskClusterEnableBrokerLogging,
  acmeMskConfigurationEnforceReplicationSettings,
  acmeMskServerlessclusterDisallowServerlessCluster,
  acmeMskClusterDisallowPublicAccess,
  acmeMskClusterEnableEnhancedMonitoring,
];
