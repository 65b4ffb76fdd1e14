import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { describe, isRecord } from "../../../lib/values";

const APIGATEWAY_INTEGRATION = "aws:apigateway/integration:Integration";

/**
 * A REST API integration over a VPC link (`connectionType` `VPC_LINK`) must call an `https://`
 * URI and verify the backend's certificate (`tlsConfig.insecureSkipVerification` not true):
 * private integrations use plain HTTP unless the URI says otherwise.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-private-integration.html
 */
export const acmeApigatewayIntegrationEnforceHttpsVpcLink: AcmeResourcePolicy = {
  name: "acme-apigateway-integration-enforce-https-vpc-link",
  description:
    "Requires REST API integrations over a VPC link to use an https URI and verify the backend certificate.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["APIGATEWAY-VPCLINK-V1-HTTPS"],
  resourceType: APIGATEWAY_INTEGRATION,
  validateResource: validateResourceType(APIGATEWAY_INTEGRATION, (args, reportViolation) => {
    if (args.props.connectionType !== "VPC_LINK") {
      return;
    }
    const uri: unknown = args.props.uri;
    if (typeof uri !== "string" || !uri.startsWith("https://")) {
      reportViolation(
        `uri is ${describe(uri)}; a VPC link integration must call an "https://" URI whose ` +
          "host matches the backend's certificate.",
      );
    }
    const tls: unknown = args.props.tlsConfig;
    if (isRecord(tls) && tls.insecureSkipVerification === true) {
      reportViolation(
        "tlsConfig.insecureSkipVerification is true; set it to false so the backend's " +
          "certificate is verified.",
      );
    }
  }),
};
