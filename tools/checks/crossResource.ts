/**
 * Checks that look across resources, where the per-resource engine checks cannot see: is every
 * declared flow open through every layer on its path, does every principal a policy names exist,
 * does a pod's user satisfy its security context, does a monitor's port exist. Each check is a
 * pure function of the captured graph; the plan runs them all after the engine checks and fails
 * on any error, naming the check and what it found.
 */
import type { CheckedResource } from "./graph";
import { flowsCheck } from "./flows";
import { monitorsCheck } from "./monitors";
import { podsCheck } from "./pods";
import { principalsCheck } from "./principals";

/** What the checks know about the deployment besides the graph itself. */
export interface CrossCheckContext {
  /** The account the stack deploys into (the mocks' account offline). */
  accountId: string;
  /** The AWS partition (`aws` offline). */
  partition: string;
  /** The stack's Region. */
  region: string;
}

/** One check's findings. */
export interface CrossCheckResult {
  /** How many things the check examined (flows proven, principals resolved, pods, monitors). */
  checked: number;
  /** Each a full sentence naming the resource (URN) and what is wrong; any error fails the plan. */
  errors: string[];
}

/** A cross-resource check. */
export interface CrossCheck {
  /** Its name in the plan's summary and in every error it reports (`flows`, `principals`, ...). */
  name: string;
  /** What `checked` counts, for the summary ("flows proven", "principals"). */
  unit: string;
  run(resources: CheckedResource[], context: CrossCheckContext): CrossCheckResult;
}

/** The checks the plan runs, in the order it reports them. */
export const CROSS_CHECKS: CrossCheck[] = [flowsCheck, principalsCheck, podsCheck, monitorsCheck];

/** One line of the plan's summary per check, plus the errors prefixed with the check's name. */
export interface CrossCheckReport {
  results: Array<{ name: string; unit: string } & CrossCheckResult>;
  errors: string[];
}

/** Runs `checks` (default: every registered check) over the captured graph. */
export function runCrossChecks(
  resources: CheckedResource[],
  context: CrossCheckContext,
  checks: CrossCheck[] = CROSS_CHECKS,
): CrossCheckReport {
  const results = checks.map((check) => {
    let result: CrossCheckResult;
    try {
      result = check.run(resources, context);
    } catch (e) {
      result = { checked: 0, errors: [`the check itself failed: ${(e as Error).message}`] };
    }
    return { name: check.name, unit: check.unit, ...result };
  });
  return {
    results,
    errors: results.flatMap((r) => r.errors.map((e) => `[${r.name}] ${e}`)),
  };
}
