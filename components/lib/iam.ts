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

/** Who may assume a role through EKS Pod Identity: one service account of one cluster. */
export interface PodIdentitySubject {
  accountId: pulumi.Input<string>;
  clusterName: pulumi.Input<string>;
  namespace: string;
  serviceAccount: string;
}

/**
 * The trust policy of a role used through EKS Pod Identity. Pod Identity tags the session with
 * the cluster, namespace and service account, so the role is usable by exactly that service
 * account; without these conditions any Pod Identity association in the account could assume it.
 * https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html
 */
export function podIdentityTrustPolicy(subject: PodIdentitySubject): pulumi.Output<string> {
  return serviceTrustPolicy("pods.eks.amazonaws.com", {
    actions: ["sts:AssumeRole", "sts:TagSession"],
    condition: {
      StringEquals: {
        "aws:SourceAccount": subject.accountId,
        "aws:RequestTag/eks-cluster-name": subject.clusterName,
        "aws:RequestTag/kubernetes-namespace": subject.namespace,
        "aws:RequestTag/kubernetes-service-account": subject.serviceAccount,
      },
    },
  });
}
