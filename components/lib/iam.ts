/**
 * IAM policy documents as typed values, rendered with `pulumi.jsonStringify` so that ARNs that
 * are still Outputs stay tracked (and secret-ness is kept).
 */
import * as pulumi from "@pulumi/pulumi";

/** One IAM policy statement. */
export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: pulumi.Input<Record<string, pulumi.Input<string | pulumi.Input<string>[]>> | "*">;
  Action: string | string[];
  Resource?: pulumi.Input<string> | pulumi.Input<string>[];
  Condition?: Record<
    string,
    Record<string, pulumi.Input<string | boolean | pulumi.Input<string>[]>>
  >;
}

/** Renders a policy document (version 2012-10-17) as JSON text. */
export function policyDocument(statements: PolicyStatement[]): pulumi.Output<string> {
  return pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements });
}

/**
 * A trust policy that lets one AWS service assume the role. `condition` narrows it (confused-deputy
 * protection with `aws:SourceAccount`/`aws:SourceArn`) for services that send those keys; EC2 and
 * the EKS control plane do not document them, so callers pass none there.
 */
export function serviceTrustPolicy(
  service: string,
  options: { actions?: string[]; condition?: PolicyStatement["Condition"] } = {},
): pulumi.Output<string> {
  const actions = options.actions ?? ["sts:AssumeRole"];
  return policyDocument([
    {
      Effect: "Allow",
      Principal: { Service: service },
      Action: actions.length === 1 ? actions[0] : actions,
      ...(options.condition ? { Condition: options.condition } : {}),
    },
  ]);
}

/** The managed-policy ARN for an AWS managed policy in the given partition. */
export function managedPolicyArn(
  partition: pulumi.Input<string>,
  name: string,
): pulumi.Output<string> {
  return pulumi.interpolate`arn:${partition}:iam::aws:policy/${name}`;
}
