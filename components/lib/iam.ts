/**
 * IAM policy documents as typed values, rendered with `pulumi.jsonStringify` so that ARNs that
 * are still Outputs stay tracked (and secret-ness is kept).
 */
import * as aws from "@pulumi/aws";
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

/**
 * The statement every resource policy of the project opens with: nobody, an allowed principal
 * included, may call `action` on `resource` over plain HTTP (`aws:SecureTransport` false).
 */
export function denyInsecureTransport(
  action: string | string[],
  resource: pulumi.Input<string> | pulumi.Input<string>[],
): PolicyStatement {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: action,
    Resource: resource,
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/**
 * A KMS key ARN. IAM authorizes KMS requests against the key's ARN, so a grant naming an alias or
 * a bare key ID allows nothing: components that grant use of a key take its ARN.
 */
export const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/**
 * What an EventBridge pipe's role needs to use a customer-managed key for the pipe itself
 * (`kmsKeyIdentifier`): Pipes encrypts the pipe's settings under its ARN as encryption context,
 * so the grant is limited to pipes matching `pipesArnPattern`, plus `kms:DescribeKey`.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-encryption-pipes-cmkey.html
 */
export function pipeKeyStatements(
  keyArn: pulumi.Input<string>,
  pipesArnPattern: pulumi.Input<string>,
): PolicyStatement[] {
  return [
    {
      Sid: "DataKeyForThisPipe",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: keyArn,
      Condition: { StringLike: { "kms:EncryptionContext:aws:pipes:arn": pipesArnPattern } },
    },
    { Sid: "DescribeDataKey", Effect: "Allow", Action: "kms:DescribeKey", Resource: keyArn },
  ];
}

/**
 * Use of a key only through one AWS service in one Region: `kms:ViaService` limits the key to
 * requests that service makes on the role's behalf, so the same permission cannot decrypt data of
 * other services that share the key (the data key serves SQS, MSK, S3 and DynamoDB).
 * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
 */
export function keyUseViaService(
  keyArn: pulumi.Input<string>,
  service: string,
  region: string,
  actions: string[],
): PolicyStatement {
  return {
    Effect: "Allow",
    Action: actions,
    Resource: keyArn,
    Condition: { StringEquals: { "kms:ViaService": `${service}.${region}.amazonaws.com` } },
  };
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

/** The service principal EKS Pod Identity assumes roles as. */
export const POD_IDENTITY_SERVICE_PRINCIPAL = "pods.eks.amazonaws.com";

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
  return serviceTrustPolicy(POD_IDENTITY_SERVICE_PRINCIPAL, {
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

/** What {@link podIdentityRole} creates besides the subject it trusts. */
export interface PodIdentityRoleArgs extends PodIdentitySubject {
  description: pulumi.Input<string>;
  /** Inline policies, by the logical name of each `aws.iam.RolePolicy`. */
  inlinePolicies?: Record<string, pulumi.Input<string>>;
  /** AWS managed policy ARNs, by the logical name of each `aws.iam.RolePolicyAttachment`. */
  managedPolicyArns?: Record<string, pulumi.Input<string>>;
  /**
   * Create the `aws.eks.PodIdentityAssociation` (named like the role). False where an EKS add-on
   * associates the role itself (`podIdentityAssociations` of `aws.eks.Addon`).
   * @default true
   */
  associate?: boolean;
  /** Resources the association waits for (the service account it names, when the stack makes it). */
  associationDependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** A Pod Identity role and what must exist before a pod can use it. */
export interface PodIdentityRole {
  role: aws.iam.Role;
  /** The role's policies and its association: pods using the role start after these. */
  ready: pulumi.Resource[];
}

/**
 * The one way a component gives a service account AWS permissions: a role that trusts exactly
 * that service account of that cluster ({@link podIdentityTrustPolicy}), its policies, and the
 * Pod Identity association. Logical names: the role and the association are `name`; each policy
 * is named by its key, so existing resources keep their URNs.
 */
export function podIdentityRole(
  name: string,
  args: PodIdentityRoleArgs,
  opts: { parent: pulumi.Resource },
): PodIdentityRole {
  const role = new aws.iam.Role(
    name,
    {
      description: args.description,
      assumeRolePolicy: podIdentityTrustPolicy(args),
    },
    { parent: opts.parent },
  );
  const ready: pulumi.Resource[] = [
    ...Object.entries(args.managedPolicyArns ?? {}).map(
      ([policyName, policyArn]) =>
        new aws.iam.RolePolicyAttachment(
          policyName,
          { role: role.name, policyArn },
          { parent: opts.parent },
        ),
    ),
    ...Object.entries(args.inlinePolicies ?? {}).map(
      ([policyName, policy]) =>
        new aws.iam.RolePolicy(policyName, { role: role.id, policy }, { parent: opts.parent }),
    ),
  ];
  if (args.associate ?? true) {
    ready.push(
      new aws.eks.PodIdentityAssociation(
        name,
        {
          clusterName: args.clusterName,
          namespace: args.namespace,
          serviceAccount: args.serviceAccount,
          roleArn: role.arn,
        },
        { parent: opts.parent, dependsOn: args.associationDependsOn },
      ),
    );
  }
  return { role, ready };
}
