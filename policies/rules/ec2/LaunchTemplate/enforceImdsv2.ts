import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { EC2_LAUNCH_TEMPLATE } from "../../../lib/resourceTypes";
import { describe, isRecord, isUnset } from "../../../lib/values";

/**
 * Launch templates must require IMDSv2 session tokens, which blocks the SSRF-style credential
 * theft IMDSv1 allows. Unset httpTokens is "optional" unless the AMI says otherwise, so it fails.
 *
 * @severity low
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-170
 */
export const acmeEc2LaunchtemplateEnforceImdsv2: AcmeResourcePolicy = {
  name: "acme-ec2-launchtemplate-enforce-imdsv2",
  description: "Requires launch templates to set metadataOptions.httpTokens to required.",
  enforcementLevel: "mandatory",
  severity: "low",
  controls: ["EC2.170"],
  resourceType: EC2_LAUNCH_TEMPLATE,
  validateResource: validateResourceType(EC2_LAUNCH_TEMPLATE, (args, reportViolation) => {
    const options: unknown = args.props.metadataOptions;
    const httpTokens: unknown = isRecord(options) ? options.httpTokens : undefined;
    if (httpTokens !== "required") {
      reportViolation(
        `metadataOptions.httpTokens is ${describe(httpTokens)}` +
          `${isUnset(httpTokens) ? ' (AWS default: "optional")' : ""}; set it to "required" so ` +
          "instances accept only IMDSv2 session tokens.",
      );
    }
  }),
};
