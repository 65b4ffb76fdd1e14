/**
 * Every acme policy, in the order CrossGuard runs them. The pack entrypoint and the offline
 * runner (lib/runner.ts) both take the rule objects from here.
 */
import type { AcmePolicy } from "../lib/policy";
import { acmeCloudwatchLoggroupMissingKmsKey } from "./cloudwatch/LogGroup/missingKmsKey";
import { acmeCloudwatchLoggroupConfigureRetention } from "./cloudwatch/LogGroup/configureRetention";
import { acmeEksClusterEnforceSupportedVersion } from "./eks/Cluster/enforceSupportedVersion";
import { acmeEksNodegroupDisallowUnrestrictedSsh } from "./eks/NodeGroup/disallowUnrestrictedSsh";
import { acmeKmsKeyEnforceEnabledState } from "./kms/Key/enforceEnabledState";
import { acmeAcmCertificateEnableAutomaticRenewal } from "./acm/Certificate/enableAutomaticRenewal";
import { acmeAcmCertificateEnableTransparencyLogging } from "./acm/Certificate/enableTransparencyLogging";
import { acmeAcmCertificateDisallowWildcardDomain } from "./acm/Certificate/disallowWildcardDomain";
import { acmeKubernetesServiceEnforceLoadBalancerTls } from "./kubernetes/Service/enforceLoadBalancerTls";
import { acmeKubernetesServiceEnforceInternalLoadBalancer } from "./kubernetes/Service/enforceInternalLoadBalancer";
import { acmeEc2LaunchtemplateEnforceEbsEncryption } from "./ec2/LaunchTemplate/enforceEbsEncryption";
import { acmeEc2LaunchtemplateEnforceImdsv2 } from "./ec2/LaunchTemplate/enforceImdsv2";
import { acmeEksClusterConfigureEndpointAccess } from "./eks/Cluster/configureEndpointAccess";
import { acmeEksClusterEnableControlPlaneLogging } from "./eks/Cluster/enableControlPlaneLogging";
import { acmeEksClusterEnableSecretsEncryption } from "./eks/Cluster/enableSecretsEncryption";
import { acmeKmsKeyConfigureDeletionWindow } from "./kms/Key/configureDeletionWindow";
import { acmeKmsKeyDisallowPublicAccess } from "./kms/Key/disallowPublicAccess";
import { acmeKmsKeyDisallowWildcardServiceGrants } from "./kms/Key/disallowWildcardServiceGrants";
import { acmeKmsKeyEnableKeyRotation } from "./kms/Key/enableKeyRotation";
import { acmeKubernetesStorageclassEnforceEbsEncryption } from "./kubernetes/StorageClass/enforceEbsEncryption";
import { acmeKubernetesStorageclassEnforceSingleDefault } from "./kubernetes/StorageClass/enforceSingleDefault";
import { acmeKubernetesNamespaceEnforceLinkerdMesh } from "./kubernetes/Namespace/enforceLinkerdMesh";
import { acmeKubernetesReleaseEnforceLinkerdCertificates } from "./kubernetes/Release/enforceLinkerdCertificates";
import { dynamodbPolicies } from "./dynamodb";
import { ecrPolicies } from "./ecr";
import { mskPolicies } from "./msk";
import { s3Policies } from "./s3";
import { snsPolicies } from "./sns";
import { sqsPolicies } from "./sqs";
import { acmeKubernetesElasticsearchEnforceEncryptedStorage } from "./kubernetes/Elasticsearch/enforceEncryptedStorage";
import { acmeKubernetesPrometheusruleEnforceRunbookUrl } from "./kubernetes/PrometheusRule/enforceRunbookUrl";
import { acmeKubernetesDeploymentEnforceRestrictedPodSecurity } from "./kubernetes/Deployment/enforceRestrictedPodSecurity";
import { acmeKubernetesDeploymentDisallowSecretEnvironment } from "./kubernetes/Deployment/disallowSecretEnvironment";
import { acmeKubernetesServiceDisallowLoadBalancer } from "./kubernetes/Service/disallowLoadBalancer";
import { acmeAcmCertificateEnforceKeyLength } from "./acm/Certificate/enforceKeyLength";
import { apigatewayPolicies } from "./apigateway";
import { lbPolicies } from "./lb";
import { acmeWafv2WebaclEnableLogging } from "./wafv2/WebAcl/enableLogging";
import { sfnPolicies } from "./sfn";
import { ecsPolicies } from "./ecs";
import { acmePipesPipeEnforceCmkEncryption } from "./pipes/Pipe/enforceCmkEncryption";

export type {
  AcmePolicy,
  AcmePolicyMetadata,
  AcmeResourcePolicy,
  AcmeStackPolicy,
} from "../lib/policy";

export const allPolicies: AcmePolicy[] = [
  acmeKmsKeyEnableKeyRotation,
  acmeKmsKeyConfigureDeletionWindow,
  acmeKmsKeyDisallowPublicAccess,
  acmeKmsKeyDisallowWildcardServiceGrants,
  acmeEksClusterEnableSecretsEncryption,
  acmeEksClusterConfigureEndpointAccess,
  acmeEksClusterEnableControlPlaneLogging,
  acmeEc2LaunchtemplateEnforceEbsEncryption,
  acmeEc2LaunchtemplateEnforceImdsv2,
  acmeCloudwatchLoggroupMissingKmsKey,
  // Issue 16: the controls the coverage report found unenforced.
  acmeCloudwatchLoggroupConfigureRetention,
  acmeEksClusterEnforceSupportedVersion,
  acmeEksNodegroupDisallowUnrestrictedSsh,
  acmeKmsKeyEnforceEnabledState,
  acmeAcmCertificateEnableAutomaticRenewal,
  acmeAcmCertificateEnableTransparencyLogging,
  acmeAcmCertificateDisallowWildcardDomain,
  acmeKubernetesServiceEnforceLoadBalancerTls,
  acmeKubernetesServiceEnforceInternalLoadBalancer,
  acmeKubernetesStorageclassEnforceEbsEncryption,
  acmeKubernetesStorageclassEnforceSingleDefault,
  acmeKubernetesReleaseEnforceLinkerdCertificates,
  acmeKubernetesNamespaceEnforceLinkerdMesh,
  ...sqsPolicies,
  ...mskPolicies,
  ...s3Policies,
  ...snsPolicies,
  acmeKubernetesElasticsearchEnforceEncryptedStorage,
  acmeKubernetesPrometheusruleEnforceRunbookUrl,
  ...dynamodbPolicies,
  ...ecrPolicies,
  acmeKubernetesDeploymentEnforceRestrictedPodSecurity,
  acmeKubernetesDeploymentDisallowSecretEnvironment,
  acmeKubernetesServiceDisallowLoadBalancer,
  ...apigatewayPolicies,
  acmeWafv2WebaclEnableLogging,
  ...lbPolicies,
  acmeAcmCertificateEnforceKeyLength,
  ...sfnPolicies,
  ...ecsPolicies,
  acmePipesPipeEnforceCmkEncryption,
];
