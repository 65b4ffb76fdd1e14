/** The SNS policies, in the order CrossGuard runs them; `rules/index.ts` adds them to the pack. */
import type { AcmePolicy } from "../../lib/policy";
import { acmeSnsTopicEnforceCmkEncryption } from "./Topic/enforceCmkEncryption";
import { acmeSnsTopicEnforceAlarmKeyAccess } from "./Topic/enforceAlarmKeyAccess";
import { acmeSnsTopicpolicyDisallowPublicAccess } from "./TopicPolicy/disallowPublicAccess";
import { acmeSnsTopicpolicyEnforceTlsOnly } from "./TopicPolicy/enforceTlsOnly";

export const snsPolicies: AcmePolicy[] = [
  acmeSnsTopicEnforceCmkEncryption,
  acmeSnsTopicEnforceAlarmKeyAccess,
  acmeSnsTopicpolicyDisallowPublicAccess,
  acmeSnsTopicpolicyEnforceTlsOnly,
];
