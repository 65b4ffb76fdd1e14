import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { describe, isRecord, stringList } from "../../../lib/values";

const APIGATEWAY_REST_API = "aws:apigateway/restApi:RestApi";

/** The config of {@link acmeApigatewayRestapiConfigureEndpointType}. */
interface EndpointTypeConfig {
  allowedTypes: string[];
}

/**
 * REST APIs must set `endpointConfiguration.types` to an allowed endpoint type (`REGIONAL` or
 * `PRIVATE` by default): unset means `EDGE`, which puts a CloudFront distribution the stack does
 * not manage in front of the API. Advisory: the endpoint type is an architecture choice.
 *
 * @severity low
 * @link https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-endpoint-types.html
 */
export const acmeApigatewayRestapiConfigureEndpointType: AcmeResourcePolicy = {
  name: "acme-apigateway-restapi-configure-endpoint-type",
  description: "Requires REST APIs to declare an allowed endpoint type.",
  enforcementLevel: "advisory",
  severity: "low",
  controls: ["apigateway-endpoint-type"],
  resourceType: APIGATEWAY_REST_API,
  configSchema: {
    properties: {
      allowedTypes: {
        type: "array",
        items: { type: "string", enum: ["EDGE", "REGIONAL", "PRIVATE"] },
        default: ["REGIONAL", "PRIVATE"],
        description: "The endpoint types a REST API may use.",
      },
    },
  },
  validateResource: validateResourceType(APIGATEWAY_REST_API, (args, reportViolation) => {
    const { allowedTypes } = args.getConfig<EndpointTypeConfig>();
    const config: unknown = args.props.endpointConfiguration;
    const types = isRecord(config) ? stringList(config.types) : [];
    if (types.length === 0 || !types.every((t) => allowedTypes.includes(t))) {
      reportViolation(
        `endpointConfiguration.types is ${describe(isRecord(config) ? config.types : undefined)}; ` +
          `set it to one of ${allowedTypes.join(", ")}.`,
      );
    }
  }),
};
