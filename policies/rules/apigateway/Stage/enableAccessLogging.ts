import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { APIGATEWAY_STAGE } from "../../../lib/resourceTypes";
import { describe, isNonEmptyString, isRecord } from "../../../lib/values";

/**
 * REST API stages must write access logs (who called what, with which result) to a CloudWatch
 * log group: `accessLogSettings` with a destination ARN and a format. Execution logging
 * (APIGateway.1) records what the gateway did; access logs record the callers.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
 */
export const acmeApigatewayStageEnableAccessLogging: AcmeResourcePolicy = {
  name: "acme-apigateway-stage-enable-access-logging",
  description:
    "Requires API Gateway REST API stages to write access logs to a destination in a set format.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["CKV_AWS_76"],
  resourceType: APIGATEWAY_STAGE,
  validateResource: validateResourceType(APIGATEWAY_STAGE, (args, reportViolation) => {
    const settings: unknown = args.props.accessLogSettings;
    if (!isRecord(settings)) {
      reportViolation(
        `accessLogSettings is ${describe(settings)}; set destinationArn to a CloudWatch log ` +
          "group ARN and format to the access log format.",
      );
      return;
    }
    for (const field of ["destinationArn", "format"]) {
      if (!isNonEmptyString(settings[field])) {
        reportViolation(
          `accessLogSettings.${field} is ${describe(settings[field])}; set it, or API Gateway ` +
            "writes no access log.",
        );
      }
    }
  }),
};
