import type { AcmeStackPolicy } from "../../../lib/policy";
import { validateStackResourcesType } from "../../../lib/policy";
import { APIGATEWAY_METHOD_SETTINGS, APIGATEWAY_STAGE } from "../../../lib/resourceTypes";
import { describe, isRecord } from "../../../lib/values";

const LEVELS = ["ERROR", "INFO"];

/**
 * Every REST API stage must log the execution of all its methods: an
 * `aws.apigateway.MethodSettings` of the same `restApi` and `stageName` with `methodPath` `*\/*`
 * and `settings.loggingLevel` `ERROR` or `INFO`. Settings for single methods do not count, since
 * the methods they leave out are not logged. A stage whose API or name is not known yet is left
 * undecided.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/apigateway-controls.html#apigateway-1
 */
export const acmeApigatewayStageEnableExecutionLogging: AcmeStackPolicy = {
  name: "acme-apigateway-stage-enable-execution-logging",
  description:
    "Requires every API Gateway REST API stage to log the execution of all methods at ERROR or INFO level.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["APIGateway.1"],
  resourceType: APIGATEWAY_STAGE,
  validateStack: validateStackResourcesType(APIGATEWAY_STAGE, (stages, args, reportViolation) => {
    const settings = args.resources.filter((r) => r.type === APIGATEWAY_METHOD_SETTINGS);
    for (const stage of stages) {
      const { restApi, stageName } = stage.props;
      const all = settings.filter(
        (s) =>
          s.props.restApi === restApi &&
          s.props.stageName === stageName &&
          s.props.methodPath === "*/*",
      );
      if (all.length === 0) {
        reportViolation(
          `API Gateway stage ${stage.name} has no method settings for every method; add an ` +
            'aws.apigateway.MethodSettings with its restApi and stageName, methodPath "*/*" and ' +
            'settings.loggingLevel "INFO" or "ERROR".',
          stage.urn,
        );
        continue;
      }
      for (const s of all) {
        const level: unknown = isRecord(s.props.settings)
          ? s.props.settings.loggingLevel
          : undefined;
        if (typeof level !== "string" || !LEVELS.includes(level)) {
          reportViolation(
            `API Gateway stage ${stage.name}: MethodSettings ${s.name} has settings.loggingLevel ` +
              `${describe(level)}; set it to "INFO" or "ERROR".`,
            stage.urn,
          );
        }
      }
    }
  }),
};
