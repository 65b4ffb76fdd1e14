/** The DynamoDB policies, in the order CrossGuard runs them; `rules/index.ts` adds them to the pack. */
import type { AcmePolicy } from "../../lib/policy";
import { acmeDynamodbTableEnablePointInTimeRecovery } from "./Table/enablePointInTimeRecovery";
import { acmeDynamodbTableEnforceCmkEncryption } from "./Table/enforceCmkEncryption";

export const dynamodbPolicies: AcmePolicy[] = [
  acmeDynamodbTableEnforceCmkEncryption,
  acmeDynamodbTableEnablePointInTimeRecovery,
];
