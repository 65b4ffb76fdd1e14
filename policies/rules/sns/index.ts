/** The SNS policies, in the order CrossGuard runs them; `rules/index.ts` adds them to the pack. */
import type { AcmePolicy } from "../../lib/policy";
import { acmeSnsTopicEnforceCmkEncryption } from "./Topic/enforceCmkEncryption";

export const snsPolicies: AcmePolicy[] = [acmeSnsTopicEnforceCmkEncryption];
