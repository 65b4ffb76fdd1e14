/** The load balancer policies, in the order CrossGuard runs them; `rules/index.ts` adds them to the pack. */
import type { AcmePolicy } from "../../lib/policy";
import { acmeLbListenerEnforceSecureProtocol } from "./Listener/enforceSecureProtocol";
import { acmeLbListenerEnforceTlsPolicy } from "./Listener/enforceTlsPolicy";
import { acmeLbLoadbalancerConfigureDesyncMitigation } from "./LoadBalancer/configureDesyncMitigation";
import { acmeLbLoadbalancerEnableAccessLogs } from "./LoadBalancer/enableAccessLogs";
import { acmeLbLoadbalancerEnableDeletionProtection } from "./LoadBalancer/enableDeletionProtection";
import { acmeLbLoadbalancerEnableDropInvalidHeaders } from "./LoadBalancer/enableDropInvalidHeaders";
import { acmeLbLoadbalancerEnforceMultiAz } from "./LoadBalancer/enforceMultiAz";
import { acmeLbTargetgroupEnforceEncryptedProtocol } from "./TargetGroup/enforceEncryptedProtocol";
import { acmeLbLoadbalancerEnableCrossZoneLoadBalancing } from "./LoadBalancer/enableCrossZoneLoadBalancing";
import { acmeLbLoadbalancerEnforceInternalVpcLinkTarget } from "./LoadBalancer/enforceInternalVpcLinkTarget";
import { acmeLbLoadbalancerMissingWebAcl } from "./LoadBalancer/missingWebAcl";

export const lbPolicies: AcmePolicy[] = [
  acmeLbLoadbalancerEnableDropInvalidHeaders,
  acmeLbLoadbalancerEnableAccessLogs,
  acmeLbLoadbalancerEnableDeletionProtection,
  acmeLbLoadbalancerConfigureDesyncMitigation,
  acmeLbLoadbalancerEnforceMultiAz,
  acmeLbListenerEnforceTlsPolicy,
  acmeLbListenerEnforceSecureProtocol,
  acmeLbTargetgroupEnforceEncryptedProtocol,
  acmeLbLoadbalancerMissingWebAcl,
  acmeLbLoadbalancerEnforceInternalVpcLinkTarget,
  acmeLbLoadbalancerEnableCrossZoneLoadBalancing,
];
