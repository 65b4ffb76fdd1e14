import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { APIGATEWAY_DOMAIN_NAME } from "../../../lib/resourceTypes";
import { describe } from "../../../lib/values";

/**
 * The enhanced security policies APIGateway.11 accepts (Regional and private: TLS 1.3 only, its
 * FIPS variant, and TLS 1.2+ with forward secrecy and post-quantum key exchange; edge-optimized:
 * the two 2025 EDGE policies). API Gateway also offers `SecurityPolicy_TLS13_1_2_2021_06`,
 * `SecurityPolicy_TLS13_1_2_PQ_2025_09`, `..._FIPS_PQ_2025_09`, `SecurityPolicy_TLS12_2018_EDGE`
 * and the legacy `TLS_1_2` and `TLS_1_0`; APIGateway.11 fails them all.
 */
const RECOMMENDED_POLICIES = [
  "SecurityPolicy_TLS13_1_3_2025_09",
  "SecurityPolicy_TLS13_1_3_FIPS_2025_09",
  "SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09",
  "SecurityPolicy_TLS13_2025_EDGE",
  "SecurityPolicy_TLS12_PFS_2025_EDGE",
];

/**
 * API Gateway custom domain names must use a recommended enhanced security policy, which allows
 * at least TLS 1.2 with forward secrecy, in the `STRICT` endpoint access mode (enhanced policies
 * need an access mode; AWS recommends `STRICT` for production and `BASIC` for migrating). Unset means the legacy `TLS_1_2` (or `TLS_1_0`
 * on older domains). @pulumi/aws 7.48 takes any string for `securityPolicy`, so the list is the
 * pack's.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/apigateway-controls.html#apigateway-11
 */
export const acmeApigatewayDomainnameEnforceTlsPolicy: AcmeResourcePolicy = {
  name: "acme-apigateway-domainname-enforce-tls-policy",
  description:
    "Requires API Gateway custom domain names to use a recommended enhanced TLS security policy in strict endpoint access mode.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["APIGateway.11"],
  resourceType: APIGATEWAY_DOMAIN_NAME,
  validateResource: validateResourceType(APIGATEWAY_DOMAIN_NAME, (args, reportViolation) => {
    const policy: unknown = args.props.securityPolicy;
    if (typeof policy !== "string" || !RECOMMENDED_POLICIES.includes(policy)) {
      reportViolation(
        `securityPolicy is ${describe(policy)}; set it to one of ${RECOMMENDED_POLICIES.join(", ")} ` +
          "(TLS 1.3 where every client supports it).",
      );
      return;
    }
    const mode: unknown = args.props.endpointAccessMode;
    if (mode !== "STRICT") {
      reportViolation(
        `endpointAccessMode is ${describe(mode)}; set it to "STRICT", the mode AWS recommends ` +
          'for production ("BASIC" is for migrating to an enhanced policy).',
      );
    }
  }),
};
