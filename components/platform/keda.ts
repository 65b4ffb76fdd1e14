/**
 * KEDA: the event-driven autoscaler that reads the queue depth behind each service's
 * `ScaledObject` (components/services/microservice.ts). A Helm release pinned to the shared
 * catalog's chart version, in its own namespace, and an IAM role reached through EKS Pod Identity
 * that may read the attributes of the queues it scales and nothing else.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  type AwsContext,
  CHARTS,
  dependenciesOf,
  podIdentityRole,
  type PolicyStatement,
  policyDocument,
  REGION,
  throwIfInvalid,
  ValidationError,
} from "../lib";
import { Queue } from "../messaging/queue";

/** Where KEDA runs, and the operator's service account its Pod Identity association names. */
export const KEDA_NAMESPACE = "keda";
/** The chart's operator service account (`serviceAccount.operator.name`, set explicitly). */
export const KEDA_OPERATOR_SERVICE_ACCOUNT = "keda-operator";

/**
 * The ClusterTriggerAuthentication scalers name to read AWS with the operator's own Pod Identity
 * (`podIdentity.provider: aws`, `identityOwner: keda`): KEDA's supported path; a trigger's
 * `identityOwner: operator` metadata is the legacy one KEDA means to remove.
 */
export const KEDA_AWS_AUTHENTICATION = "aws-operator-identity";

/**
 * The one SQS action the `aws-sqs-queue` scaler calls: it reads ApproximateNumberOfMessages (and,
 * by default, ...NotVisible) with GetQueueAttributes (kedacore/keda @ v2.20.2
 * pkg/scalers/aws_sqs_queue_scaler.go lines 95-101 and 180-185). No KMS permission: SSE encrypts
 * message bodies, and only sending (kms:GenerateDataKey) and receiving (kms:Decrypt) use the key.
 */
export const KEDA_QUEUE_ACTIONS = ["sqs:GetQueueAttributes"] as const;

/** Arguments of {@link Keda}. */
export interface KedaArgs extends AwsContext {
  /** The provider of the cluster KEDA runs in (`EksCluster.kubernetesProvider`). */
  provider: k8s.Provider;
  /** The EKS cluster name, for the operator's Pod Identity association and its role's trust. */
  clusterName: pulumi.Input<string>;
  /**
   * The queues whose depth ScaledObjects scale on (through {@link KEDA_AWS_AUTHENTICATION}): the
   * operator's role may call `sqs:GetQueueAttributes` on exactly these. At least one; a queue a
   * ScaledObject names but this list does not is a scaler that fails with AccessDenied and never
   * scales.
   */
  scaledQueues: Queue[];
  /**
   * Run two replicas of the operator, the metrics API server and the admission webhooks, each with
   * a disruption budget of one and spread over Availability Zones. The operator elects a leader
   * and the second replica stands by; the metrics API server is what the HPAs KEDA creates ask for
   * queue depth, so without a ready replica no scaled service scales.
   */
  highAvailability: boolean;
}

/** Validates {@link KedaArgs}; returns every problem. */
export function validateKedaArgs(args: KedaArgs): ValidationError[] {
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
  if (typeof args.region !== "string" || !REGION.test(args.region)) {
    errors.push({
      propertyPath: "region",
      reason: `"${String(args.region)}" is not an AWS Region code; use the form eu-west-1`,
    });
  }
  if (!Array.isArray(args.scaledQueues) || args.scaledQueues.length === 0) {
    errors.push({
      propertyPath: "scaledQueues",
      reason:
        "must name at least one Queue (components/messaging): the queues the services' ScaledObjects read",
    });
  } else {
    args.scaledQueues.forEach((q, i) => {
      if (!(q instanceof Queue)) {
        errors.push({
          propertyPath: `scaledQueues[${i}]`,
          reason: "must be a Queue from components/messaging",
        });
      }
    });
  }
  if (typeof args.highAvailability !== "boolean") {
    errors.push({ propertyPath: "highAvailability", reason: "must be true or false" });
  }
  return errors;
}

/** The operator's policy: read the depth of the scaled queues, nothing else. */
export function kedaOperatorStatements(queueArns: pulumi.Input<string>[]): PolicyStatement[] {
  return [
    {
      Sid: "ReadScaledQueueDepth",
      Effect: "Allow",
      Action: [...KEDA_QUEUE_ACTIONS],
      Resource: queueArns,
    },
  ];
}

/**
 * The chart's three workloads: the values key of each (the chart spells them differently under
 * `podDisruptionBudget` and `prometheus`), and the `app` label of its pods, which is
 * also its container's name (kedacore/charts @ v2.20.2, keda/templates/manager, metrics-server and
 * webhooks deployment.yaml: `app:` and `- name:` both from `operator.name` / `webhooks.name`).
 */
export const KEDA_WORKLOADS = [
  {
    values: "operator",
    pdb: "operator",
    spread: "operator",
    prometheus: "operator",
    app: "keda-operator",
  },
  {
    values: "metricsServer",
    pdb: "metricServer",
    spread: "metricsServer",
    prometheus: "metricServer",
    app: "keda-operator-metrics-apiserver",
  },
  {
    values: "webhooks",
    pdb: "webhooks",
    spread: "webhooks",
    prometheus: "webhooks",
    app: "keda-admission-webhooks",
  },
] as const;

/** The Helm values of the release (exported so tests check them against the chart). */
export function kedaValues(args: Pick<KedaArgs, "highAvailability">): Record<string, unknown> {
  const replicas = args.highAvailability ? 2 : 1;
  const each = <T>(
    key: "values" | "pdb" | "spread" | "prometheus",
    value: (w: (typeof KEDA_WORKLOADS)[number]) => T,
  ) => Object.fromEntries(KEDA_WORKLOADS.map((w) => [w[key], value(w)]));
  return {
    // Named explicitly: the Pod Identity association names this service account.
    serviceAccount: { operator: { create: true, name: KEDA_OPERATOR_SERVICE_ACCOUNT } },
    ...each("values", () => ({ replicaCount: replicas })),
    // Each workload serves Prometheus metrics on its `metrics` port (8080); the project's own
    // PodMonitor ({@link kedaPodMonitor}) scrapes them, so the chart's monitors stay off.
    prometheus: each("prometheus", () => ({ enabled: true })),
    ...(args.highAvailability
      ? {
          // The chart renders each budget only when its map is set (templates/*/poddisruptionbudget.yaml).
          podDisruptionBudget: each("pdb", () => ({ maxUnavailable: 1 })),
          topologySpreadConstraints: each("spread", (w) => [
            {
              maxSkew: 1,
              topologyKey: "topology.kubernetes.io/zone",
              // Prefer other zones, but still schedule when a zone has no room (a zone outage).
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: { matchLabels: { app: w.app } },
            },
          ]),
        }
      : {}),
  };
}

/** The container port every KEDA workload serves its metrics on (the chart's default name). */
export const KEDA_METRICS_PORT = "metrics";
/** The name of {@link kedaPodMonitor}; its scrape job is `<monitoring namespace>/keda`. */
export const KEDA_POD_MONITOR = "keda";

/**
 * The PodMonitor of KEDA's three workloads, in the monitoring namespace `namespace` (`Monitoring`
 * creates it once its CRDs are served). `honorLabels`: KEDA's own `namespace` label names the
 * ScaledObject's namespace, which the alerts group by; without it Prometheus would rename it
 * `exported_namespace` and put `keda` in its place.
 */
export function kedaPodMonitor(namespace: string): Record<string, unknown> {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PodMonitor",
    metadata: { name: KEDA_POD_MONITOR, namespace },
    spec: {
      namespaceSelector: { matchNames: [KEDA_NAMESPACE] },
      selector: {
        matchExpressions: [
          { key: "app", operator: "In", values: KEDA_WORKLOADS.map((w) => w.app) },
        ],
      },
      podMetricsEndpoints: [
        { port: KEDA_METRICS_PORT, path: "/metrics", interval: "60s", honorLabels: true },
      ],
    },
  };
}

/**
 * KEDA in its own namespace. The namespace is kept out of the mesh: the API server calls the
 * metrics API server and the webhooks, and it has no mesh identity.
 *
 * The operator's AWS identity is an IAM role associated with its service account through EKS Pod
 * Identity (`podIdentityRole`), used by the triggers that name {@link KEDA_AWS_AUTHENTICATION}:
 * the scaled service's own role is never lent to KEDA, and KEDA can read queue depth but no
 * message. The association exists before the release, because the Pod Identity agent gives
 * credentials to pods that start after it.
 */
export class Keda extends pulumi.ComponentResource {
  public readonly role: aws.iam.Role;
  public readonly roleArn: pulumi.Output<string>;
  public readonly namespace: string;
  public readonly serviceAccountName: string;
  public readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: KedaArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): a bad argument must fail before anything, the component included, registers.
    throwIfInvalid("Keda", validateKedaArgs(args));
    super("acme:platform:Keda", name, {}, opts);
    const deps = dependenciesOf(opts);
    const childOpts = { parent: this, provider: args.provider };

    this.namespace = KEDA_NAMESPACE;
    this.serviceAccountName = KEDA_OPERATOR_SERVICE_ACCOUNT;

    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: { name: KEDA_NAMESPACE, annotations: { "linkerd.io/inject": "disabled" } },
      },
      { ...childOpts, dependsOn: deps },
    );

    const identity = podIdentityRole(
      `${name}-operator`,
      {
        description: pulumi.interpolate`KEDA operator of ${args.clusterName}: reads scaled queues' depth`,
        accountId: args.accountId,
        clusterName: args.clusterName,
        namespace: KEDA_NAMESPACE,
        serviceAccount: KEDA_OPERATOR_SERVICE_ACCOUNT,
        inlinePolicies: {
          [`${name}-operator`]: policyDocument(
            kedaOperatorStatements(args.scaledQueues.map((q) => q.queueArn)),
          ),
        },
      },
      { parent: this },
    );
    this.role = identity.role;

    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: CHARTS.keda.name,
        chart: CHARTS.keda.name,
        version: CHARTS.keda.version,
        repositoryOpts: { repo: CHARTS.keda.repo },
        namespace: namespace.metadata.name,
        createNamespace: false,
        atomic: true,
        cleanupOnFail: true,
        values: kedaValues(args),
      },
      { ...childOpts, dependsOn: [...deps, namespace, ...identity.ready] },
    );

    new k8s.apiextensions.CustomResource(
      `${name}-aws-authentication`,
      {
        apiVersion: "keda.sh/v1alpha1",
        kind: "ClusterTriggerAuthentication",
        metadata: { name: KEDA_AWS_AUTHENTICATION },
        spec: { podIdentity: { provider: "aws", identityOwner: "keda" } },
      },
      // Its CRD comes with the chart.
      { ...childOpts, dependsOn: [this.release] },
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
