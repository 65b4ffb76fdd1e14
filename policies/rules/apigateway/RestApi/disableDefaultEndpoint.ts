import type { AcmeStackPolicy } from "../../../lib/policy";
import { validateStackResourcesType } from "../../../lib/policy";
import { describe } from "../../../lib/values";

const APIGATEWAY_REST_API = "aws:apigateway/restApi:RestApi";
const BASE_PATH_MAPPING = "aws:apigateway/basePathMapping:BasePathMapping";

/**
 * A REST API served through a custom domain of the stack (an aws.apigateway.BasePathMapping whose
 * `restApi` is the API's id) must disable its default `execute-api` endpoint
 * (`disableExecuteApiEndpoint`): that endpoint accepts TLS 1.0 and skips the domain's TLS policy
 * (APIGateway.11). An API without a custom domain (dev's) needs the default endpoint and passes.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-disable-default-endpoint.html
 */
export const acmeApigatewayRestapiDisableDefaultEndpoint: AcmeStackPolicy = {
  name: "acme-apigateway-restapi-disable-default-endpoint",
  description:
    "Requires REST APIs served through a custom domain to disable their default execute-api endpoint.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["APIGW-DISABLE-DEFAULT-ENDPOINT"],
  resourceType: APIGATEWAY_REST_API,
  validateStack: validateStackResourcesType(APIGATEWAY_REST_API, (apis, args, reportViolation) => {
    const mappings = args.resources.filter((r) => r.type === BASE_PATH_MAPPING);
    if (mappings.length === 0) {
      return;
    }
    for (const api of apis) {
      const mapped = mappings.filter((m) => m.props.restApi === api.props.id);
      const disabled: unknown = api.props.disableExecuteApiEndpoint;
      if (mapped.length > 0 && disabled !== true) {
        reportViolation(
          `REST API ${api.name} is served on custom domain ${String(mapped[0].props.domainName)} ` +
            `but disableExecuteApiEndpoint is ${describe(disabled)}; set it to true so clients ` +
            "cannot bypass the domain's TLS policy.",
          api.urn,
        );
      }
    }
  }),
};
