/** The SQS policies, in the order CrossGuard runs them; `rules/index.ts` adds them to the pack. */
import type { AcmePolicy } from "../../lib/policy";
import { acmeSqsQueueEnforceCmkEncryption } from "./Queue/enforceCmkEncryption";
import { acmeSqsQueueEnforceTlsOnly } from "./Queue/enforceTlsOnly";
import { acmeSqsQueueMissingDeadLetterQueue } from "./Queue/missingDeadLetterQueue";
import { acmeSqsQueuepolicyDisallowPublicAccess } from "./QueuePolicy/disallowPublicAccess";

export const sqsPolicies: AcmePolicy[] = [
  acmeSqsQueueEnforceCmkEncryption,
  acmeSqsQueueEnforceTlsOnly,
  acmeSqsQueueMissingDeadLetterQueue,
  acmeSqsQueuepolicyDisallowPublicAccess,
];
