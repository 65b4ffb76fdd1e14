/**
 * The AWS Load Balancer Controller: a Helm release pinned to the shared catalog's chart version,
 * an IAM role reached through EKS Pod Identity, and the controller's least-privilege policy.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  type AwsContext,
  CHARTS,
  podIdentityRole,
  policyDocument,
  REGION,
  throwIfInvalid,
  ValidationError,
} from "../lib";
import { loadBalancerControllerStatements } from "./loadBalancerControllerPolicy";

/** Where the controller runs, and the service account its Pod Identity association names. */
export const LOAD_BALANCER_CONTROLLER_NAMESPACE = "kube-system";
export const LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT = "aws-load-balancer-controller";

/** Arguments of {@link LoadBalancerController}. */
export interface LoadBalancerControllerArgs extends AwsContext {
  /** The provider of the cluster the controller runs in (`EksCluster.kubernetesProvider`). */
  provider: k8s.Provider;
  /**
   * The EKS cluster name. It is passed to the controller (`--cluster-name`), used for the Pod
   * Identity association, and compared with the `elbv2.k8s.aws/cluster` tag in the IAM policy.
   */
  clusterName: pulumi.Input<string>;
  /**
   * The cluster's VPC. The controller gets it as a flag, so it never needs the instance metadata
   * service: nodes set an IMDS hop limit of 1, which keeps pods away from IMDS. Security-group
   * rule changes are limited to this VPC.
   */
  vpcId: pulumi.Input<string>;
  /**
   * Spread the two replicas over Availability Zones. The release always runs two replicas with a
   * disruption budget, because the controller's webhooks fail closed: with no ready replica,
   * TargetGroupBinding and IngressClassParams changes are refused. One replica leads and the other
   * stands by.
   */
  highAvailability: boolean;
}

/** Validates {@link LoadBalancerControllerArgs}; returns every problem. */
export function validateLoadBalancerControllerArgs(
  args: LoadBalancerControllerArgs,
): ValidationError[] {
  const errors: ValidationError[] = [];
  if (!(args.provider instanceof k8s.Provider)) {
    errors.push({
      propertyPath: "provider",
      reason:
        "must be a kubernetes Provider for the target cluster (EksCluster.kubernetesProvider)",
    });
  }
  if (typeof args.clusterName === "string" && args.clusterName.trim() === "") {
    errors.push({ propertyPath: "clusterName", reason: "must not be empty" });
  }
  if (typeof args.vpcId === "string" && !/^vpc-[0-9a-f]{8,17}$/.test(args.vpcId)) {
    errors.push({
      propertyPath: "vpcId",
      reason: `"${args.vpcId}" is not a VPC ID; use the form vpc-0123456789abcdef0`,
    });
  }
  if (typeof args.region !== "string" || !REGION.test(args.region)) {
    errors.push({
      propertyPath: "region",
      reason: `"${String(args.region)}" is not an AWS Region code; use the form eu-west-1`,
    });
  }
  if (typeof args.highAvailability !== "boolean") {
    errors.push({ propertyPath: "highAvailability", reason: "must be true or false" });
  }
  return errors;
}

/** The Helm values of the release (exported so tests check them against the chart). */
export function loadBalancerControllerValues(
  args: Pick<LoadBalancerControllerArgs, "clusterName" | "vpcId" | "region" | "highAvailability">,
): Record<string, unknown> {
  return {
    clusterName: args.clusterName,
    // Both set, so the controller never asks IMDS (which a hop limit of 1 keeps out of reach).
    region: args.region,
    vpcId: args.vpcId,
    serviceAccount: { create: true, name: LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT },
    replicaCount: 2,
    // The chart renders the budget only when replicaCount > 1.
    podDisruptionBudget: { maxUnavailable: 1 },
    resources: {
      requests: { cpu: "100m", memory: "128Mi" },
      limits: { memory: "512Mi" },
    },
    // The service mutator webhook intercepts every Service CREATE in the cluster with
    // failurePolicy Fail, to make this controller the default for type LoadBalancer. While no
    // replica is ready (first install, an upgrade, a node loss) no Service at all could be created,
    // other charts in the same `pulumi up` included. Services that want an NLB opt in with
    // `spec.loadBalancerClass: service.k8s.aws/nlb` instead, so which controller provisions what
    // stays explicit.
    enableServiceMutatorWebhook: false,
    // Reuse the webhook certificate Secret on upgrades. Without this, the chart generates a new CA
    // on every upgrade, and the webhooks are briefly served by a certificate their caBundle does
    // not trust.
    keepTLSSecret: true,
    ...(args.highAvailability
      ? {
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "topology.kubernetes.io/zone",
              // Prefer other zones, but still schedule when a zone has no room (a zone outage).
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: {
                matchLabels: { "app.kubernetes.io/name": CHARTS.loadBalancerController.name },
              },
            },
          ],
        }
      : {}),
  };
}

/**
 * The AWS Load Balancer Controller in `kube-system`. It provisions ALBs for Ingresses and NLBs for
 * Services that name its load balancer class.
 *
 * The controller's AWS identity is an IAM role associated with its service account through EKS
 * Pod Identity. The role (`podIdentityRole`) trusts EKS Pod Identity, so no OIDC provider is
 * needed. The association exists before the release, because the Pod Identity agent gives
 * credentials to pods that start after it.
 */
export class LoadBalancerController extends pulumi.ComponentResource {
  public readonly role: aws.iam.Role;
  public readonly release: k8s.helm.v3.Release;
  public readonly roleArn: pulumi.Output<string>;
  public readonly namespace: string;
  public readonly serviceAccountName: string;

  constructor(
    name: string,
    args: LoadBalancerControllerArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    // Validate before super(): a bad argument must fail before anything, the component included, registers.
    throwIfInvalid("LoadBalancerController", validateLoadBalancerControllerArgs(args));
    super("acme:platform:LoadBalancerController", name, {}, opts);

    this.namespace = LOAD_BALANCER_CONTROLLER_NAMESPACE;
    this.serviceAccountName = LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT;

    const identity = podIdentityRole(
      name,
      {
        description: pulumi.interpolate`AWS Load Balancer Controller of ${args.clusterName}`,
        accountId: args.accountId,
        clusterName: args.clusterName,
        namespace: LOAD_BALANCER_CONTROLLER_NAMESPACE,
        serviceAccount: LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT,
        inlinePolicies: {
          [name]: policyDocument(
            loadBalancerControllerStatements({
              partition: args.partition,
              region: args.region,
              accountId: args.accountId,
              clusterName: args.clusterName,
              vpcId: args.vpcId,
            }),
          ),
        },
      },
      { parent: this },
    );
    this.role = identity.role;

    this.release = new k8s.helm.v3.Release(
      name,
      {
        name: CHARTS.loadBalancerController.name,
        chart: CHARTS.loadBalancerController.name,
        version: CHARTS.loadBalancerController.version,
        repositoryOpts: { repo: CHARTS.loadBalancerController.repo },
        namespace: this.namespace,
        values: loadBalancerControllerValues(args),
      },
      { parent: this, provider: args.provider, dependsOn: identity.ready },
    );

    this.roleArn = this.role.arn;
    this.registerOutputs({
      roleArn: this.roleArn,
      namespace: this.namespace,
      serviceAccountName: this.serviceAccountName,
      releaseStatus: this.release.status,
    });
  }
}
