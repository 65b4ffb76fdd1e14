import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { APIGATEWAY_STAGE } from "../../../lib/resourceTypes";
import { describe } from "../../../lib/values";

/**
 * REST API stages must send traces to AWS X-Ray, so a request can be followed from the gateway
 * through the VPC link to the service. Unset means off.
 *
 * @severity low
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/apigateway-controls.html#apigateway-3
 */
export const acmeApigatewayStageEnableXrayTracing: AcmeResourcePolicy = {
  name: "acme-apigateway-stage-enable-xray-tracing",
  description: "Requires API Gateway REST API stages to enable AWS X-Ray tracing.",
  enforcementLevel: "mandatory",
  severity: "low",
  controls: ["APIGateway.3"],
  resourceType: APIGATEWAY_STAGE,
  validateResource: validateResourceType(APIGATEWAY_STAGE, (args, reportViolation) => {
    const tracing: unknown = args.props.xrayTracingEnabled;
    if (tracing !== true) {
      reportViolation(`xrayTracingEnabled is ${describe(tracing)}; set it to true.`);
    }
  }),
};
