import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { APIGATEWAY_METHOD_SETTINGS } from "../../../lib/resourceTypes";
import { isRecord } from "../../../lib/values";

/**
 * API Gateway method settings must not turn on data tracing (`settings.dataTraceEnabled`), which
 * writes whole requests and responses, tokens and personal data included, to the execution log.
 * Execution logging at ERROR or INFO (APIGateway.1) records what operators need without them.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
 */
export const acmeApigatewayMethodsettingsDisableDataTrace: AcmeResourcePolicy = {
  name: "acme-apigateway-methodsettings-disable-data-trace",
  description: "Prohibits API Gateway method settings that log full request and response data.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["CKV_AWS_276"],
  resourceType: APIGATEWAY_METHOD_SETTINGS,
  validateResource: validateResourceType(APIGATEWAY_METHOD_SETTINGS, (args, reportViolation) => {
    const settings: unknown = args.props.settings;
    if (isRecord(settings) && settings.dataTraceEnabled === true) {
      reportViolation(
        "settings.dataTraceEnabled is true, so request and response bodies reach the execution " +
          "log; set it to false.",
      );
    }
  }),
};
