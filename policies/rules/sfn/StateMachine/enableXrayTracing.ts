import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { SFN_STATE_MACHINE } from "../../../lib/resourceTypes";
import { describe, isRecord } from "../../../lib/values";

/**
 * State machines must send traces to AWS X-Ray, so a request can be followed from the queue
 * through each step. Unset means off.
 *
 * @severity low
 * @link https://docs.aws.amazon.com/step-functions/latest/dg/concepts-xray-tracing.html
 */
export const acmeSfnStatemachineEnableXrayTracing: AcmeResourcePolicy = {
  name: "acme-sfn-statemachine-enable-xray-tracing",
  description: "Requires Step Functions state machines to enable AWS X-Ray tracing.",
  enforcementLevel: "mandatory",
  severity: "low",
  controls: [],
  controlGap:
    "The shared control set has no Step Functions control (no StepFunctions.* id); issue 14 requires X-Ray tracing on the state machine.",
  resourceType: SFN_STATE_MACHINE,
  validateResource: validateResourceType(SFN_STATE_MACHINE, (args, reportViolation) => {
    const tracing: unknown = args.props.tracingConfiguration;
    const enabled: unknown = isRecord(tracing) ? tracing.enabled : undefined;
    if (enabled !== true) {
      reportViolation(
        `tracingConfiguration.enabled is ${describe(enabled)}; set tracingConfiguration to { enabled: true }.`,
      );
    }
  }),
};
