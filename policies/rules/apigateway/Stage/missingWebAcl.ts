import type { AcmeStackPolicy } from "../../../lib/policy";
import { validateStackResourcesType } from "../../../lib/policy";
import { APIGATEWAY_STAGE, WAFV2_WEB_ACL_ASSOCIATION } from "../../../lib/resourceTypes";

/** `arn:<partition>:apigateway:<region>::/restapis/<api id>/stages/<stage name>`. */
const STAGE_ARN = /^arn:[^:]+:apigateway:[^:]*::\/restapis\/([^/]+)\/stages\/([^/]+)$/;

/**
 * Every REST API stage must be associated with a WAF web ACL: an
 * `aws.wafv2.WebAclAssociation` whose `resourceArn` is the stage's ARN. The ARN is matched by
 * the API id and stage name it names, so an association built from `stage.arn` and one built
 * from the two parts both count. An association or stage whose values are not known yet is left
 * undecided.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/apigateway-controls.html#apigateway-4
 */
export const acmeApigatewayStageMissingWebAcl: AcmeStackPolicy = {
  name: "acme-apigateway-stage-missing-web-acl",
  description: "Requires every API Gateway REST API stage to be associated with a WAF web ACL.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["APIGateway.4"],
  resourceType: APIGATEWAY_STAGE,
  validateStack: validateStackResourcesType(APIGATEWAY_STAGE, (stages, args, reportViolation) => {
    const protectedStages = args.resources
      .filter((r) => r.type === WAFV2_WEB_ACL_ASSOCIATION)
      .flatMap((a) => {
        const match = STAGE_ARN.exec(String(a.props.resourceArn));
        return match ? [`${match[1]}/${match[2]}`] : [];
      });
    for (const stage of stages) {
      const { restApi, stageName } = stage.props;
      if (!protectedStages.includes(`${String(restApi)}/${String(stageName)}`)) {
        reportViolation(
          `API Gateway stage ${stage.name} is not associated with a WAF web ACL; add an ` +
            "aws.wafv2.WebAclAssociation whose resourceArn is the stage's ARN.",
          stage.urn,
        );
      }
    }
  }),
};
