/** The Step Functions policies, in the order CrossGuard runs them; `rules/index.ts` adds them to the pack. */
import type { AcmePolicy } from "../../lib/policy";
import { acmeSfnStatemachineEnableLogging } from "./StateMachine/enableLogging";
import { acmeSfnStatemachineEnableXrayTracing } from "./StateMachine/enableXrayTracing";
import { acmeSfnStatemachineEnforceCmkEncryption } from "./StateMachine/enforceCmkEncryption";

export const sfnPolicies: AcmePolicy[] = [
  acmeSfnStatemachineEnforceCmkEncryption,
  acmeSfnStatemachineEnableLogging,
  acmeSfnStatemachineEnableXrayTracing,
];
