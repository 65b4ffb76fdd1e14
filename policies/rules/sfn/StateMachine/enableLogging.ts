import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { SFN_STATE_MACHINE } from "../../../lib/resourceTypes";
import { describe, isNonEmptyString, isRecord } from "../../../lib/values";

/** Levels that log at least every failed execution (`OFF` logs nothing). */
const LOGGING_LEVELS = ["ALL", "ERROR", "FATAL"];

/**
 * State machines must log to CloudWatch Logs at level ALL, ERROR or FATAL with a destination:
 * without it a failed execution leaves no record outside the (90-day) execution history, and
 * Express workflows none at all. Unset means off. Security Hub's StepFunctions.1 checks the same.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/stepfunctions-controls.html#stepfunctions-1
 */
export const acmeSfnStatemachineEnableLogging: AcmeResourcePolicy = {
  name: "acme-sfn-statemachine-enable-logging",
  description:
    "Requires Step Functions state machines to log to CloudWatch Logs at level ALL, ERROR or FATAL.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: [],
  controlGap:
    "The shared control set has no Step Functions control (Security Hub's StepFunctions.1 is not in it); issue 14 requires the state machine to log.",
  resourceType: SFN_STATE_MACHINE,
  validateResource: validateResourceType(SFN_STATE_MACHINE, (args, reportViolation) => {
    const fix =
      'set loggingConfiguration to { level: "ALL", logDestination: "<log group ARN>:*" }.';
    const logging: unknown = args.props.loggingConfiguration;
    if (!isRecord(logging)) {
      reportViolation(`loggingConfiguration is ${describe(logging)}, so nothing is logged; ${fix}`);
      return;
    }
    if (typeof logging.level !== "string" || !LOGGING_LEVELS.includes(logging.level)) {
      reportViolation(
        `loggingConfiguration.level is ${describe(logging.level)}; use ALL, ERROR or FATAL and ${fix}`,
      );
    }
    if (!isNonEmptyString(logging.logDestination)) {
      reportViolation(
        `loggingConfiguration.logDestination is ${describe(logging.logDestination)}; ${fix}`,
      );
    }
  }),
};
