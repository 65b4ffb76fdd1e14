/**
 * One service of the request path on the platform (`acme:services:Microservice`): its image in an
 * encrypted, immutable ECR repository (built from `services/<name>/Dockerfile` and pushed with
 * @pulumi/docker-build, or an existing image named by digest), a ServiceAccount with an EKS Pod
 * Identity role granting exactly the declared access, a Deployment under the restricted Pod
 * Security profile, a Service, a PodDisruptionBudget, and autoscaling on CPU (HPA) or on the depth
 * of the queue it consumes (KEDA).
 *
 * It also creates the service's mesh policy (meshPolicy.ts: Server, inbound routes and their
 * authorizations, resilience) and its observability (serviceObservability.ts: ServiceMonitor, SLO
 * alerts, dashboard), and a NetworkPolicy that lets the cluster's Prometheus reach the service's
 * port (AppNamespace's own NetworkPolicy admits Prometheus on the proxy's admin port only). The
 * mesh objects carry AppNamespace's names for a service, so a service deployed with this component
 * must not also be listed in `AppNamespaceArgs.services`.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { httpContractFile } from "../../contracts";
import { DockerIgnore } from "../../services/dockerfile";
import { OPERATIONAL_PATHS } from "../../services/kit/src/conventions";
import { SHUTDOWN_ENV } from "../../services/kit/src/lifecycle";
import {
  type AwsContext,
  dependenciesOf,
  DNS_LABEL,
  DNS_LABEL_FORM,
  ENV_NAME,
  podIdentityRole,
  policyDocument,
  type PolicyStatement,
  REGION,
  RESERVED_NAMESPACES,
  throwIfInvalid,
  type ValidationError,
  KMS_KEY_ARN,
} from "../lib";
import { CLUSTER_PROMETHEUS } from "../mesh/appNamespace";
import { type KafkaClusterRef } from "../messaging/kafka";
import { KEDA_AWS_AUTHENTICATION } from "../platform/keda";
import { otelSdkEnv } from "../observability/tracing";
import { CONTRACT_TAG, Queue } from "../messaging/queue";
import { consumerStatements, producerStatements } from "../messaging/topics";
import {
  meshPolicy,
  type MeshPolicyArgs,
  type ServiceCaller,
  type ServiceResilience,
  validateMeshPolicyArgs,
} from "./meshPolicy";
import {
  serviceObservability,
  type ServiceObservabilityArgs,
  type ServiceSlo,
  validateServiceObservabilityArgs,
} from "./serviceObservability";

/** The port services listen on unless told otherwise (the kit's `PORT` default). */
export const DEFAULT_PORT = 8080;
/** The container's and the Service's port name; the ServiceMonitor and the Server refer to it. */
export const HTTP_PORT_NAME = "http";
/** The TLS port's name on the container and the Service (the TargetGroupBinding names it). */
export const TLS_PORT_NAME = "https";
/** The TLS port services listen on for the load balancer unless told otherwise. */
export const DEFAULT_TLS_PORT = 8443;
/** Where the serving certificate's Secret is mounted (read-only): tls.crt, tls.key, ca.crt. */
export const TLS_MOUNT_PATH = "/etc/tls";
/**
 * The serving certificate's lifetime and renewal (cert-manager Go durations): 30 days, renewed
 * 10 days before expiry; the service re-reads the files (services/kit/src/tls.ts).
 */
export const SERVING_CERT_VALIDITY = { duration: "720h0m0s", renewBefore: "240h0m0s" } as const;
/** The service's own CA (self-signed by cert-manager): a year, renewed a month before. */
export const SERVING_CA_VALIDITY = { duration: "8760h0m0s", renewBefore: "720h0m0s" } as const;
/** The uid (and gid) of the images' `node` user (services/README.md, "Images"). */
export const SERVICE_UID = 1000;
/** Probe paths every service serves (the kit's health endpoints). */
export const PROBES = {
  liveness: OPERATIONAL_PATHS.liveness,
  readiness: OPERATIONAL_PATHS.readiness,
} as const;
/**
 * How long the preStop hook sleeps before Kubernetes sends SIGTERM: the endpoints controller and
 * the Linkerd proxies of the callers drop the pod meanwhile, so few requests reach a pod that has
 * started to drain.
 */
export const PRE_STOP_SLEEP_SECONDS = 5;
/** Headroom on top of preStop + drain + grace before the kubelet sends SIGKILL. */
const TERMINATION_MARGIN_SECONDS = 5;
/** The label every object carries and the selectors use. */
export const NAME_LABEL = "app.kubernetes.io/name";
/**
 * Where a service with `kubernetesApi` finds its API token (`token`) and the cluster's CA
 * (`ca.crt`): the directory Kubernetes client libraries read in-cluster credentials from, and
 * where automounting would put them (services/service-a/src/argoStatus.ts SERVICE_ACCOUNT_DIR).
 */
export const KUBERNETES_API_CREDENTIALS_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
/**
 * The projected token's lifetime: the shortest the API server accepts (`expirationSeconds` is at
 * least 600). The kubelet replaces it at 80% of that; clients re-read the file (Service A every
 * minute), so a leaked token is good for ten minutes at most.
 */
export const KUBERNETES_API_TOKEN_SECONDS = 600;
/** The port of the `kubernetes` Service, which pods dial to reach the API server. */
export const KUBERNETES_API_PORT = 443;
/** The verbs a service's Role may grant: reads. A service that writes objects needs a review, not a flag. */
const KUBERNETES_API_READ_VERBS = ["get", "list", "watch"] as const;

/** What drives the number of replicas. */
export const AutoscalingSignal = {
  /** A HorizontalPodAutoscaler (autoscaling/v2) on average CPU utilization of the requests. */
  Cpu: "cpu",
  /** A KEDA ScaledObject on the visible + in-flight messages of a queue the service consumes. */
  Queue: "queue",
} as const;
export type AutoscalingSignal = (typeof AutoscalingSignal)[keyof typeof AutoscalingSignal];

/** Autoscaling on CPU. */
export interface CpuAutoscaling {
  on: typeof AutoscalingSignal.Cpu;
  /**
   * Target average CPU utilization, in percent of the CPU request, 10 to 100.
   * @default 70
   */
  averageUtilization?: number;
}

/** Autoscaling on the depth of a consumed SQS queue, through KEDA's `aws-sqs-queue` scaler. */
export interface QueueAutoscaling {
  on: typeof AutoscalingSignal.Queue;
  /** The queue whose depth decides the replicas; one of `access.consumesFrom`. */
  queue: Queue;
  /**
   * Messages (visible + in flight) one replica is expected to handle: KEDA's `queueLength`.
   * @default 5
   */
  messagesPerReplica?: number;
}

/**
 * A TLS port for the internal load balancer (components/api/privateIngress.ts), beside the plain
 * one: a certificate cert-manager issues from the service's own CA in its namespace, mounted
 * read-only, served by the kit's TLS listener; the Service's `https` port; a Linkerd Server
 * admitting the load balancer's networks; a NetworkPolicy rule for them.
 */
export interface MicroserviceTls {
  /** @default 8443 */
  port?: number;
  /**
   * The load balancer's subnets' CIDRs (the private subnets): the only sources admitted on the
   * port, by Linkerd (NetworkAuthentication) and by NetworkPolicy.
   */
  loadBalancerCidrs: string[];
}

/** Where the image comes from: built from this repository, or an existing image by digest. */
export interface ImageBuild {
  /** The build context: the repository root, since the images need `contracts/` too. */
  context: string;
  /** The Dockerfile, relative to `context`: `services/<name>/Dockerfile`. */
  dockerfile: string;
  /**
   * The nodes' architecture (all node groups are x86_64 or all arm64, components/cluster/eks.ts).
   * @default "linux/amd64"
   */
  platform?: ImagePlatform;
}

/** The architectures an image is built for (the nodes', and a Fargate step's running it). */
export type ImagePlatform = "linux/amd64" | "linux/arm64";

/** Kafka access of a service. */
export interface KafkaAccess {
  cluster: KafkaClusterRef;
  /** Topics it produces to. */
  produces?: string[];
  /** Topics it consumes (each also grants writing to its `.dlt`), as consumer group `group`. */
  consumes?: string[];
  /** The consumer group; required with `consumes`, no wildcards. */
  group?: string;
}

/** A DynamoDB table a service uses; the statements come from the table's own grant helper. */
export interface TableRef {
  tableArn: pulumi.Input<string>;
  /** The KMS key the table is encrypted with. */
  keyArn: pulumi.Input<string>;
}

/** What the service's role may do; nothing else is granted. */
export interface MicroserviceAccess {
  /** Queues it sends to (`Queue.grantProducer`). */
  sendsTo?: Queue[];
  /** Queues it receives from and deletes on (`Queue.grantConsumer`). */
  consumesFrom?: Queue[];
  /** Queues whose dead-letter queue it sends poison messages to (`Queue.grantDeadLetterProducer`). */
  rejectsTo?: Queue[];
  kafka?: KafkaAccess;
  /** Tables it uses; their statements go in `extraStatements`. */
  tables?: TableRef[];
  /**
   * Pre-built statements for `tables` (e.g. `requestTableAccess(table)`): `Allow` only, DynamoDB
   * and KMS actions only, no wildcard actions, each naming its resources.
   */
  extraStatements?: PolicyStatement[];
  /**
   * Statements reading Step Functions executions (e.g. `serviceAStatusAccess(stateMachineArn)`):
   * `Allow` only, {@link EXECUTION_READ_ACTIONS} only, each naming its resources, which must be
   * execution ARNs (`arn:<partition>:states:<region>:<account>:execution:<machine>:<name or *>`).
   */
  executionReads?: PolicyStatement[];
}

/** One rule of a Role (rbac.authorization.k8s.io/v1 PolicyRule): named groups, resources and verbs. */
export interface KubernetesRoleRule {
  apiGroups: readonly string[];
  resources: readonly string[];
  verbs: readonly string[];
}

/**
 * Calls the service makes to the Kubernetes API (e.g. Service A reading Argo Workflows). Without
 * it the pods hold no API token at all (the ServiceAccount and the pod set
 * `automountServiceAccountToken: false`).
 */
export interface MicroserviceKubernetesApi {
  /**
   * What it may do, per namespace: each entry is a Role with `rules` and a RoleBinding to the
   * service's account, in that namespace. Never a ClusterRole. Reads only
   * ({@link KUBERNETES_API_READ_VERBS}), no `*`, one entry per namespace.
   */
  roles: { namespace: string; rules: readonly KubernetesRoleRule[] }[];
  /**
   * The cluster's Service IPv4 CIDR (`aws.eks.Cluster.kubernetesNetworkConfig.serviceIpv4Cidr`).
   * Its first address is the `kubernetes` Service's ClusterIP, the one address the service's
   * NetworkPolicy lets it reach on {@link KUBERNETES_API_PORT}.
   */
  serviceIpv4Cidr: pulumi.Input<string>;
}

/** CPU and memory as Kubernetes quantities (`250m`, `256Mi`). */
export interface MicroserviceResources {
  requests: { cpu: string; memory: string };
  /** A memory limit is required; a CPU limit is optional (it throttles rather than protects). */
  limits: { memory: string; cpu?: string };
}

/** How many old images the repository keeps. */
export interface ImageRetention {
  /**
   * The newest images kept; older ones expire.
   * @default 20
   */
  keepLast?: number;
  /**
   * Days after which untagged images (superseded manifests, failed pushes) expire.
   * @default 7
   */
  untaggedExpiryDays?: number;
}

/** Arguments of {@link Microservice}. The component's name is the service's name. */
export interface MicroserviceArgs extends AwsContext {
  /** The provider of the cluster (`EksCluster.kubernetesProvider`). */
  provider: k8s.Provider;
  /** The EKS cluster's name, for the Pod Identity association and the role's trust. */
  clusterName: pulumi.Input<string>;
  /** The meshed application namespace (`AppNamespace`) the service runs in. */
  namespace: string;
  /** Build `services/<name>/Dockerfile` from the repository root. Excludes `image`. */
  build?: ImageBuild;
  /** An existing image, `<repository>@sha256:<digest>`. Excludes `build`. */
  image?: string;
  /** The platform's KMS key ARN for the ECR repository (`PlatformKeys`). */
  ecrKeyArn: pulumi.Input<string>;
  /** @default 8080 */
  port?: number;
  /** The HTTP contract it serves, `contracts/http/<contract>.openapi.yaml`. */
  contract?: string;
  /** Replica bounds for the autoscaler, 1 <= min <= max <= 100. */
  replicas: { min: number; max: number };
  autoscaling: CpuAutoscaling | QueueAutoscaling;
  resources: MicroserviceResources;
  access?: MicroserviceAccess;
  /**
   * Plain environment variables. Keys that look like credentials are refused (secrets never in
   * plain text); the variables this component sets itself (OTEL_*, AWS_REGION, PORT) too.
   * `SHUTDOWN_DRAIN_DELAY_MS` and `SHUTDOWN_GRACE_MS` lengthen the termination grace period.
   */
  env?: Record<string, string>;
  /**
   * Variables whose values come from other resources (a queue's URL, a table's name): Inputs,
   * never secrets. The same key rules as `env` apply, and a key may not be in both.
   */
  resourceEnv?: Record<string, pulumi.Input<string>>;
  /** The collector's OTLP gRPC endpoint (`Tracing.otlpEndpoint`). */
  otlpEndpoint: string;
  imageRetention?: ImageRetention;
  /**
   * Who may call the service (meshPolicy.ts): meshed workloads by mesh identity, the load balancer
   * by its subnets. The cluster's Prometheus is added on the metrics route whether listed or not,
   * since the component always creates the ServiceMonitor.
   */
  callers: ServiceCaller[];
  /** The service's objectives, for its burn-rate alerts (serviceObservability.ts). */
  slo: ServiceSlo;
  /** A TLS port for the internal load balancer; unset: the plain port only. */
  tls?: MicroserviceTls;
  /** Timeouts, retries and failure accrual its callers' proxies apply; unset: none. */
  resilience?: ServiceResilience;
  /**
   * Kubernetes API calls the service makes: namespaced Roles bound to its account, a projected
   * short-lived token and the cluster CA at {@link KUBERNETES_API_CREDENTIALS_DIR} in the
   * service's container only, and a NetworkPolicy to the API server. Unset: no token, no access.
   */
  kubernetesApi?: MicroserviceKubernetesApi;
  /**
   * The pod network (the VPC's CIDRs, `network.vpcCidrBlock`), plain: the kubelet's probes and the
   * unmeshed Prometheus are authenticated by it in the mesh.
   */
  podNetworkCidrs: string[];
}

const DEFAULTS = {
  port: DEFAULT_PORT,
  cpuUtilization: 70,
  messagesPerReplica: 5,
  keepLast: 20,
  untaggedExpiryDays: 7,
  platform: "linux/amd64",
} as const;

const MAX_REPLICAS = 100;
const IMAGE_BY_DIGEST = /^[a-z0-9][a-z0-9._/:-]*@sha256:[a-f0-9]{64}$/;
/** Kubernetes resource quantities (apimachinery resource.Quantity), decimal and binary suffixes. */
const QUANTITY = /^\d+(\.\d+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
/** Keys that name credentials; their values belong in a Secret or in the Pod Identity role. */
const SECRET_LIKE = /(SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|PRIVATE_?KEY|API_?KEY|ACCESS_?KEY)/i;
/** The variables the component sets; env may not override them. */
const OWN_ENV = [
  ...otelSdkEnv("", "").map((e) => e.name),
  "AWS_REGION",
  "PORT",
  "TLS_PORT",
  "TLS_CERT_FILE",
  "TLS_KEY_FILE",
] as const;
const TABLE_ACTION = /^(dynamodb|kms):[A-Za-z]+$/;
/** What `access.executionReads` may grant: reading one execution's status, nothing that lists or starts. */
const EXECUTION_READ_ACTIONS = ["states:DescribeExecution"] as const;
const EXECUTION_ARN =
  /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[A-Za-z0-9_-]{1,80}:[^:]+$/;
const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/**
 * The `kubernetes` Service's ClusterIP in a cluster whose Service CIDR is `serviceIpv4Cidr`: its
 * first address, which the API server allocates to that Service. Throws when it is not an IPv4 CIDR.
 */
export function kubernetesServiceIp(serviceIpv4Cidr: string): string {
  const m = IPV4_CIDR.exec(serviceIpv4Cidr);
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const bits = m ? Number(m[5]) : -1;
  if (!m || octets.some((o) => o > 255) || bits < 8 || bits > 30) {
    throw new Error(
      `"${serviceIpv4Cidr}" is not a Service IPv4 CIDR; give the cluster's kubernetesNetworkConfig.serviceIpv4Cidr (e.g. 172.20.0.0/16)`,
    );
  }
  const addr = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const mask = (~0 << (32 - bits)) >>> 0;
  const first = (((addr & mask) >>> 0) + 1) >>> 0;
  return [24, 16, 8, 0].map((shift) => (first >>> shift) & 255).join(".");
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

/** Validates {@link MicroserviceArgs} and the service's name; returns every problem. */
export function validateMicroserviceArgs(args: MicroserviceArgs, name: string): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });

  if (!DNS_LABEL.test(name)) {
    add("name", `"${name}" is not a service name; use ${DNS_LABEL_FORM}`);
  }
  if (!(args.provider instanceof k8s.Provider)) {
    add(
      "provider",
      "must be the kubernetes Provider of the cluster (EksCluster.kubernetesProvider)",
    );
  }
  if (typeof args.namespace !== "string" || !DNS_LABEL.test(args.namespace)) {
    add("namespace", `"${String(args.namespace)}" is not a namespace name; use ${DNS_LABEL_FORM}`);
  } else if (RESERVED_NAMESPACES.includes(args.namespace)) {
    add("namespace", `"${args.namespace}" belongs to Kubernetes; give the service's AppNamespace`);
  }
  if (!REGION.test(String(args.region))) {
    add("region", `"${String(args.region)}" is not an AWS Region code; use the form eu-west-1`);
  }

  // Image source: exactly one of build and image.
  if (args.build && args.image !== undefined) {
    add("image", "give either build (built from this repository) or image (by digest), not both");
  } else if (!args.build && args.image === undefined) {
    add("build", "give build: { context, dockerfile } or image: '<repository>@sha256:<digest>'");
  }
  if (args.image !== undefined && !IMAGE_BY_DIGEST.test(args.image)) {
    add(
      "image",
      `"${args.image}" is not pinned by digest; use <repository>@sha256:<64 hex> so every rollout runs the same bytes`,
    );
  }
  if (args.build) {
    const { context, dockerfile } = args.build;
    if (
      typeof context !== "string" ||
      !fs.existsSync(context) ||
      !fs.statSync(context).isDirectory()
    ) {
      add("build.context", `"${String(context)}" is not a directory; give the repository root`);
    } else if (!fs.existsSync(path.join(context, ".dockerignore"))) {
      add(
        "build.context",
        `"${context}" has no .dockerignore; give the repository root, whose .dockerignore keeps the context to what the Dockerfiles copy`,
      );
    } else if (typeof dockerfile !== "string" || !fs.existsSync(path.join(context, dockerfile))) {
      add(
        "build.dockerfile",
        `"${String(dockerfile)}" does not exist under the context; use services/${name}/Dockerfile`,
      );
    }
  }

  const port = args.port ?? DEFAULTS.port;
  if (!isIntegerIn(port, 1024, 65535)) {
    add(
      "port",
      `must be an integer from 1024 to 65535 (the image runs as a non-root user); got ${String(port)}`,
    );
  }
  if (args.contract !== undefined) {
    try {
      httpContractFile(args.contract);
    } catch (e) {
      add("contract", (e as Error).message);
    }
  }

  const { min, max } = args.replicas ?? {};
  if (!isIntegerIn(min, 1, MAX_REPLICAS)) {
    add("replicas.min", `must be an integer from 1 to ${MAX_REPLICAS}; got ${String(min)}`);
  }
  if (!isIntegerIn(max, 1, MAX_REPLICAS)) {
    add("replicas.max", `must be an integer from 1 to ${MAX_REPLICAS}; got ${String(max)}`);
  } else if (typeof min === "number" && max < min) {
    add("replicas.max", `is ${max}, below replicas.min (${min}); raise max or lower min`);
  }

  const scaling = args.autoscaling;
  if (scaling?.on === AutoscalingSignal.Cpu) {
    const target = scaling.averageUtilization ?? DEFAULTS.cpuUtilization;
    if (!isIntegerIn(target, 10, 100)) {
      add(
        "autoscaling.averageUtilization",
        `must be a percentage from 10 to 100; got ${String(target)}`,
      );
    }
  } else if (scaling?.on === AutoscalingSignal.Queue) {
    if (!(args.access?.consumesFrom ?? []).includes(scaling.queue)) {
      add(
        "autoscaling.queue",
        "is not one of access.consumesFrom; scale on the depth of a queue the service consumes, or add it there",
      );
    }
    const perReplica = scaling.messagesPerReplica ?? DEFAULTS.messagesPerReplica;
    if (!isIntegerIn(perReplica, 1, 10000)) {
      add(
        "autoscaling.messagesPerReplica",
        `must be an integer from 1 to 10000; got ${String(perReplica)}`,
      );
    }
  } else {
    add(
      "autoscaling.on",
      `must be "cpu" or "queue"; got ${JSON.stringify((scaling as { on?: unknown })?.on)}`,
    );
  }

  const quantity = (propertyPath: string, value: unknown, required: boolean) => {
    if (value === undefined && !required) return;
    if (typeof value !== "string" || !QUANTITY.test(value)) {
      add(
        propertyPath,
        `${JSON.stringify(value)} is not a Kubernetes quantity; use e.g. 250m or 256Mi`,
      );
    }
  };
  quantity("resources.requests.cpu", args.resources?.requests?.cpu, true);
  quantity("resources.requests.memory", args.resources?.requests?.memory, true);
  quantity("resources.limits.memory", args.resources?.limits?.memory, true);
  quantity("resources.limits.cpu", args.resources?.limits?.cpu, false);

  validateAccess(args.access ?? {}, add);
  if (args.kubernetesApi !== undefined) validateKubernetesApi(args.kubernetesApi, add);

  const envEntries: [string, string, unknown][] = [
    ...Object.entries(args.env ?? {}).map(([k, v]): [string, string, unknown] => ["env", k, v]),
    ...Object.entries(args.resourceEnv ?? {}).map(([k, v]): [string, string, unknown] => [
      "resourceEnv",
      k,
      v,
    ]),
  ];
  for (const [field, key, value] of envEntries) {
    const at = `${field}.${key}`;
    if (field === "resourceEnv" && args.env && key in args.env) {
      add(at, "is also in env; set it in one of them");
    }
    if (!ENV_NAME.test(key)) add(at, "is not a variable name; use letters, digits and '_'");
    if ((OWN_ENV as readonly string[]).includes(key)) {
      add(at, "is set by the component from its arguments; remove it from env");
    }
    if (SECRET_LIKE.test(key)) {
      add(
        at,
        "looks like a credential; env holds plain values only: give AWS access through access, other secrets through a Secret",
      );
    }
    if (field === "env" && typeof value !== "string") {
      add(
        at,
        "must be a plain string (no Output, no secret); env values end up in the Deployment in clear; pass resource attributes in resourceEnv",
      );
    }
  }
  for (const v of Object.values(SHUTDOWN_ENV)) {
    const raw = args.env?.[v.name];
    if (typeof raw === "string" && !v.schema.safeParse(raw).success) {
      add(`env.${v.name}`, `"${raw}" is not accepted by the service: ${v.doc}`);
    }
  }

  if (
    typeof args.otlpEndpoint !== "string" ||
    !/^https?:\/\/[^/\s]+(:\d+)?\/?$/.test(args.otlpEndpoint)
  ) {
    add(
      "otlpEndpoint",
      `"${String(args.otlpEndpoint)}" is not an OTLP endpoint URL; give Tracing.otlpEndpoint`,
    );
  }
  if (typeof args.ecrKeyArn === "string" && !KMS_KEY_ARN.test(args.ecrKeyArn)) {
    add(
      "ecrKeyArn",
      `"${args.ecrKeyArn}" is not a KMS key ARN; give the key's ARN, not an alias or key ID`,
    );
  }
  const keepLast = args.imageRetention?.keepLast ?? DEFAULTS.keepLast;
  if (!isIntegerIn(keepLast, 1, 1000)) {
    add("imageRetention.keepLast", `must be an integer from 1 to 1000; got ${String(keepLast)}`);
  }
  const untagged = args.imageRetention?.untaggedExpiryDays ?? DEFAULTS.untaggedExpiryDays;
  if (!isIntegerIn(untagged, 1, 365)) {
    add(
      "imageRetention.untaggedExpiryDays",
      `must be an integer from 1 to 365; got ${String(untagged)}`,
    );
  }

  // Mesh policy and observability: the builders' own validation, on what this component passes
  // them. Fields derived from name, namespace and port are reported by the checks above, except
  // the limits only the builders know (a name of at most 55, the proxy's ports).
  const nameOk = errors.every((e) => e.propertyPath !== "name");
  const portOk = errors.every((e) => e.propertyPath !== "port");
  if (!Array.isArray(args.callers)) {
    add("callers", "is required: list the meshed clients and/or the load balancer");
  }
  if (!Array.isArray(args.podNetworkCidrs)) {
    add("podNetworkCidrs", "is required: pass the VPC's CIDR (network.vpcCidrBlock)");
  }
  if (Array.isArray(args.callers) && Array.isArray(args.podNetworkCidrs)) {
    for (const e of validateMeshPolicyArgs(meshPolicyArgs(args, name))) {
      const field = e.propertyPath.split(/[.[]/)[0];
      if (["callers", "podNetworkCidrs", "resilience", "tls"].includes(field))
        add(e.propertyPath, e.reason);
      else if ((field === "name" && nameOk) || (field === "port" && portOk)) {
        add(e.propertyPath, e.reason);
      }
    }
  }
  if (typeof args.slo !== "object" || args.slo === null) {
    add("slo", "is required: give availabilityTarget, latencyThresholdSeconds and latencyTarget");
  } else {
    for (const e of validateServiceObservabilityArgs(observabilityArgs(args, name))) {
      if (e.propertyPath.startsWith("slo.")) add(e.propertyPath, e.reason);
    }
  }
  return errors;
}

/** The labels of the service's pods (the Deployment's, the Server's and the policies' selector). */
const podSelectorOf = (name: string) => ({ [NAME_LABEL]: name });

/** What meshPolicy() is built from: the declared callers, and Prometheus on the metrics route. */
export function meshPolicyArgs(args: MicroserviceArgs, name: string): MeshPolicyArgs {
  const callers = args.callers ?? [];
  const scraped = callers.some((c) => "platform" in c && c.platform === "prometheus");
  return {
    name,
    namespace: args.namespace,
    port: args.port ?? DEFAULTS.port,
    podSelector: podSelectorOf(name),
    callers: scraped ? callers : [...callers, { platform: "prometheus" }],
    podNetworkCidrs: args.podNetworkCidrs,
    probePaths: [PROBES.liveness, PROBES.readiness],
    resilience: args.resilience,
    ...(args.tls
      ? {
          tls: {
            port: args.tls.port ?? DEFAULT_TLS_PORT,
            loadBalancerCidrs: args.tls.loadBalancerCidrs,
          },
        }
      : {}),
  };
}

/**
 * What serviceObservability() is built from: the Service is named after the service and its
 * port is {@link HTTP_PORT_NAME}, so the alerts' `service` label and the scrape agree with it.
 */
export function observabilityArgs(args: MicroserviceArgs, name: string): ServiceObservabilityArgs {
  const groups = args.access?.kafka?.consumes?.length ? [args.access.kafka.group ?? ""] : [];
  return {
    name,
    namespace: args.namespace,
    portName: HTTP_PORT_NAME,
    serviceSelector: labelsOf(name),
    slo: args.slo,
    ...(groups.length > 0 ? { consumes: { consumerGroups: groups } } : {}),
  };
}

/** A regex matching exactly `value` (queue names go into the dashboard's label matchers). */
const exactly = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The NetworkPolicy admitting the cluster's Prometheus pods to the service's port, nothing else. */
export function prometheusNetworkPolicyManifest(v: {
  name: string;
  namespace: string;
  port: number;
}) {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { ...metadataOf(v), name: `${v.name}-allow-prometheus` },
    spec: {
      podSelector: { matchLabels: podSelectorOf(v.name) },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: {
                matchLabels: { "kubernetes.io/metadata.name": CLUSTER_PROMETHEUS.namespace },
              },
              podSelector: { matchLabels: { ...CLUSTER_PROMETHEUS.podLabels } },
            },
          ],
          ports: [{ protocol: "TCP", port: v.port }],
        },
      ],
    },
  };
}

/**
 * The NetworkPolicy admitting the load balancer's networks to the TLS port, nothing else (the
 * namespace denies by default; AppNamespace).
 */
export function loadBalancerNetworkPolicyManifest(v: {
  name: string;
  namespace: string;
  tlsPort: number;
  loadBalancerCidrs: string[];
}) {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { ...metadataOf(v), name: `${v.name}-allow-load-balancer` },
    spec: {
      podSelector: { matchLabels: podSelectorOf(v.name) },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [...new Set(v.loadBalancerCidrs)].sort().map((cidr) => ({ ipBlock: { cidr } })),
          ports: [{ protocol: "TCP", port: v.tlsPort }],
        },
      ],
    },
  };
}

/** The DNS names of a Service inside the cluster, the serving certificate's names. */
export function serviceDnsNames(name: string, namespace: string): string[] {
  return [
    name,
    `${name}.${namespace}`,
    `${name}.${namespace}.svc`,
    `${name}.${namespace}.svc.cluster.local`,
  ];
}

/**
 * The cert-manager objects of a service's serving certificate, in dependency order: a
 * self-signed Issuer, the service's CA Certificate, the CA Issuer, and the serving Certificate
 * whose Secret (`<name>-tls`) the pods mount. The load balancer does not verify target
 * certificates (AWS ELB docs), so a CA of the service's own is enough; it keeps the leaf renewable
 * without Pulumi and gives any later verifying client one root to trust (`ca.crt`).
 */
export function servingCertificateManifests(v: { name: string; namespace: string }) {
  const privateKey = { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" };
  const issuerRef = (issuer: string) => ({
    group: "cert-manager.io",
    kind: "Issuer",
    name: issuer,
  });
  const object = (kind: string, objectName: string, spec: object) => ({
    apiVersion: "cert-manager.io/v1",
    kind,
    metadata: { ...metadataOf(v), name: objectName },
    spec,
  });
  const n = servingCertificateNames(v.name);
  return [
    object("Issuer", n.selfSignedIssuer, { selfSigned: {} }),
    object("Certificate", n.caCertificate, {
      secretName: n.caCertificate,
      isCA: true,
      commonName: `${v.name}.${v.namespace} serving CA`,
      ...SERVING_CA_VALIDITY,
      privateKey,
      usages: ["cert sign", "crl sign"],
      issuerRef: issuerRef(n.selfSignedIssuer),
    }),
    object("Issuer", n.caIssuer, { ca: { secretName: n.caCertificate } }),
    object("Certificate", n.certificate, {
      secretName: n.secret,
      commonName: `${v.name}.${v.namespace}.svc`,
      dnsNames: serviceDnsNames(v.name, v.namespace),
      isCA: false,
      ...SERVING_CERT_VALIDITY,
      privateKey,
      usages: ["server auth", "digital signature"],
      issuerRef: issuerRef(n.caIssuer),
    }),
  ];
}

/** The names of a service's serving-certificate objects. */
export function servingCertificateNames(name: string) {
  return {
    selfSignedIssuer: `${name}-tls-selfsigned`,
    caCertificate: `${name}-tls-ca`,
    caIssuer: `${name}-tls-ca`,
    certificate: `${name}-tls`,
    secret: `${name}-tls`,
  };
}

/**
 * How long a terminating pod keeps serving new requests, in seconds: the preStop sleep, then the
 * service's drain delay (it still serves, failing /readyz). A load balancer's deregistration
 * delay should not exceed it (components/api/privateIngress.ts `drainSeconds`).
 */
export function servingAfterTerminationSeconds(env: Record<string, string> = {}): number {
  const raw = env[SHUTDOWN_ENV.drainDelayMs.name];
  const drainMs =
    raw === undefined
      ? (SHUTDOWN_ENV.drainDelayMs.default as number)
      : (SHUTDOWN_ENV.drainDelayMs.schema.parse(raw) as number);
  return PRE_STOP_SLEEP_SECONDS + Math.floor(drainMs / 1000);
}

/**
 * The Pulumi name of a mesh object: the component's name, the kind, and what the object's name
 * adds to the service's (`service-a-httproute-api` for HTTPRoute `service-a-api`).
 */
export function meshObjectResourceName(name: string, kind: string, objectName: string): string {
  const rest = objectName.startsWith(name) ? objectName.slice(name.length) : `-${objectName}`;
  return `${name}-${kind.toLowerCase()}${rest}`;
}

function validateAccess(
  access: MicroserviceAccess,
  add: (propertyPath: string, reason: string) => void,
): void {
  for (const key of ["sendsTo", "consumesFrom", "rejectsTo"] as const) {
    (access[key] ?? []).forEach((q, i) => {
      if (!(q instanceof Queue))
        add(`access.${key}[${i}]`, "must be a Queue (components/messaging)");
    });
  }
  const kafka = access.kafka;
  if (kafka) {
    const produces = kafka.produces ?? [];
    const consumes = kafka.consumes ?? [];
    if (produces.length === 0 && consumes.length === 0) {
      add("access.kafka", "names no topic; list produces and/or consumes, or remove kafka");
    }
    for (const [key, topics] of [
      ["produces", produces],
      ["consumes", consumes],
    ] as const) {
      topics.forEach((t, i) => {
        if (!/^[A-Za-z0-9._-]+$/.test(t)) {
          add(
            `access.kafka.${key}[${i}]`,
            `"${t}" is not a topic name (letters, digits, '.', '_', '-'; no wildcards)`,
          );
        }
      });
    }
    if (consumes.length > 0 && (kafka.group === undefined || !/^[^*?]+$/.test(kafka.group))) {
      add(
        "access.kafka.group",
        "is required with consumes: a consumer group name without '*' or '?'",
      );
    }
    if (consumes.length === 0 && kafka.group !== undefined) {
      add("access.kafka.group", "applies to consumers only; add consumes or remove group");
    }
  }
  const extra = access.extraStatements ?? [];
  if (extra.length > 0 && (access.tables ?? []).length === 0) {
    add("access.extraStatements", "grant table access only; declare the tables in access.tables");
  }
  const tableResources = new Set(
    (access.tables ?? [])
      .flatMap((t) => [t.tableArn, t.keyArn])
      .filter((r) => typeof r === "string"),
  );
  extra.forEach((s, i) => {
    const at = `access.extraStatements[${i}]`;
    if (s.Effect !== "Allow" || s.Principal !== undefined) {
      add(at, "must be an identity Allow statement without Principal");
    }
    const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
    const bad = actions.filter((a) => !TABLE_ACTION.test(a));
    if (bad.length > 0) {
      add(
        at,
        `grants ${bad.join(", ")}; only named dynamodb: and kms: actions belong to table access`,
      );
    }
    const resources =
      s.Resource === undefined ? [] : Array.isArray(s.Resource) ? s.Resource : [s.Resource];
    if (resources.length === 0) add(at, "names no Resource; name the table or its key");
    for (const r of resources) {
      if (typeof r === "string" && r.includes("*")) {
        add(at, `names the wildcard resource ${r}; name the table, its indexes or its key`);
        continue;
      }
      // Plain strings can be checked here; Outputs are the tables' own ARNs in practice.
      if (
        typeof r === "string" &&
        tableResources.size > 0 &&
        ![...tableResources].some((t) => r === t || r.startsWith(`${String(t)}/`))
      ) {
        add(at, `names ${r}, which is not one of access.tables (or an index under one)`);
      }
    }
  });
  (access.executionReads ?? []).forEach((s, i) => {
    const at = `access.executionReads[${i}]`;
    if (s.Effect !== "Allow" || s.Principal !== undefined) {
      add(at, "must be an identity Allow statement without Principal");
    }
    const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
    const bad = actions.filter((a) => !(EXECUTION_READ_ACTIONS as readonly string[]).includes(a));
    if (bad.length > 0) {
      add(
        at,
        `grants ${bad.join(", ")}; execution reads are ${EXECUTION_READ_ACTIONS.join(", ")} only`,
      );
    }
    const resources =
      s.Resource === undefined ? [] : Array.isArray(s.Resource) ? s.Resource : [s.Resource];
    if (resources.length === 0) add(at, "names no Resource; name the state machine's executions");
    for (const r of resources) {
      // Outputs (the state machine's ARN) are checked by the plan's tests.
      if (typeof r === "string" && !EXECUTION_ARN.test(r)) {
        add(
          at,
          `names ${r}, which is not an execution ARN (arn:<partition>:states:<region>:<account>:execution:<machine>:<name or *>)`,
        );
      }
    }
  });
}

function validateKubernetesApi(
  api: MicroserviceKubernetesApi,
  add: (propertyPath: string, reason: string) => void,
): void {
  if (typeof api.serviceIpv4Cidr === "string") {
    try {
      kubernetesServiceIp(api.serviceIpv4Cidr);
    } catch (e) {
      add("kubernetesApi.serviceIpv4Cidr", (e as Error).message);
    }
  }
  const roles = Array.isArray(api.roles) ? api.roles : [];
  if (roles.length === 0) {
    add(
      "kubernetesApi.roles",
      "lists no Role; name the namespaces and rules the service reads, or remove kubernetesApi",
    );
  }
  const seen = new Set<string>();
  roles.forEach((role, i) => {
    const at = `kubernetesApi.roles[${i}]`;
    if (typeof role.namespace !== "string" || !DNS_LABEL.test(role.namespace)) {
      add(
        `${at}.namespace`,
        `"${String(role.namespace)}" is not a namespace name; use ${DNS_LABEL_FORM}`,
      );
    } else if (seen.has(role.namespace)) {
      add(
        `${at}.namespace`,
        `"${role.namespace}" has a Role already; merge the rules into one entry`,
      );
    }
    seen.add(role.namespace);
    const rules = Array.isArray(role.rules) ? role.rules : [];
    if (rules.length === 0) add(`${at}.rules`, "lists no rule; a Role must grant something");
    rules.forEach((rule, j) => {
      for (const key of ["apiGroups", "resources", "verbs"] as const) {
        const values: readonly string[] = Array.isArray(rule[key]) ? rule[key] : [];
        // An empty list grants nothing (the core API group is named by "", not by omission).
        if (values.length === 0) add(`${at}.rules[${j}].${key}`, "is empty; name what is granted");
        if (values.some((v) => v.includes("*"))) {
          add(`${at}.rules[${j}].${key}`, "holds a wildcard; name each group, resource and verb");
        }
      }
      const writes = (Array.isArray(rule.verbs) ? rule.verbs : []).filter(
        (v: string) => !(KUBERNETES_API_READ_VERBS as readonly string[]).includes(v),
      );
      if (writes.length > 0) {
        add(
          `${at}.rules[${j}].verbs`,
          `grants ${writes.join(", ")}; a service's Role reads only (${KUBERNETES_API_READ_VERBS.join(", ")})`,
        );
      }
    });
  });
}

/**
 * The identity statements of the declared access, from the grant helpers of the queue and topic
 * components; the Kafka connect statement appears once however many topics are granted.
 */
export function accessStatements(access: MicroserviceAccess): PolicyStatement[] {
  const statements: PolicyStatement[] = [
    ...(access.sendsTo ?? []).flatMap((q) => q.grantProducer()),
    ...(access.consumesFrom ?? []).flatMap((q) => q.grantConsumer()),
    ...(access.rejectsTo ?? []).flatMap((q) => q.grantDeadLetterProducer()),
  ];
  const kafka = access.kafka;
  if (kafka) {
    const kafkaStatements = [
      ...(kafka.produces ?? []).flatMap((t) => producerStatements(kafka.cluster, t)),
      ...(kafka.consumes ?? []).flatMap((t) =>
        consumerStatements(kafka.cluster, t, kafka.group ?? ""),
      ),
    ];
    // The same cluster-level statement is returned for every topic: keep the first.
    const seen: PolicyStatement[] = [];
    for (const s of kafkaStatements) {
      const dup = seen.some(
        (o) =>
          o.Resource === s.Resource &&
          JSON.stringify(o.Action) === JSON.stringify(s.Action) &&
          !o.Condition &&
          !s.Condition,
      );
      if (!dup) seen.push(s);
    }
    statements.push(...seen);
  }
  statements.push(...(access.extraStatements ?? []), ...(access.executionReads ?? []));
  return statements;
}

/**
 * The termination grace period: the preStop sleep, then the service's drain delay and its stop
 * steps' grace (the kit's SHUTDOWN_ENV defaults unless env overrides them), plus headroom, so the
 * kubelet never kills a service that is still finishing its work.
 */
export function terminationGracePeriodSeconds(env: Record<string, string> = {}): number {
  const ms = (v: (typeof SHUTDOWN_ENV)[keyof typeof SHUTDOWN_ENV]): number => {
    const raw = env[v.name];
    return raw === undefined ? (v.default as number) : (v.schema.parse(raw) as number);
  };
  const serviceMs = ms(SHUTDOWN_ENV.drainDelayMs) + ms(SHUTDOWN_ENV.graceMs);
  return PRE_STOP_SLEEP_SECONDS + Math.ceil(serviceMs / 1000) + TERMINATION_MARGIN_SECONDS;
}

/**
 * A hash of what the build context sends to the daemon (the files .dockerignore lets through,
 * their paths and contents) and of the Dockerfile: the image tag, so an unchanged service keeps
 * its tag and a changed one gets a new one, as the repository's immutable tags require.
 */
export function buildContextHash(context: string, dockerfile: string): string {
  const ignore = new DockerIgnore(fs.readFileSync(path.join(context, ".dockerignore"), "utf8"));
  const hash = createHash("sha256");
  const files = fs
    .readdirSync(context)
    .sort()
    .flatMap((entry) => ignore.contextFiles(context, entry));
  for (const file of [dockerfile, ...files]) {
    hash.update(`${file}\0`);
    hash.update(fs.readFileSync(path.join(context, file)));
    hash.update("\0");
  }
  return hash.digest("hex");
}

/** The ECR lifecycle policy: expire untagged images after D days, keep the newest N. */
export function ecrLifecyclePolicy(retention: Required<ImageRetention>): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `Expire untagged images after ${retention.untaggedExpiryDays} days`,
        selection: {
          tagStatus: "untagged",
          countType: "sinceImagePushed",
          countUnit: "days",
          countNumber: retention.untaggedExpiryDays,
        },
        action: { type: "expire" },
      },
      // ECR requires the `any` rule to have the lowest priority (the highest number).
      {
        rulePriority: 2,
        description: `Keep the newest ${retention.keepLast} images`,
        selection: {
          tagStatus: "any",
          countType: "imageCountMoreThan",
          countNumber: retention.keepLast,
        },
        action: { type: "expire" },
      },
    ],
  });
}

/** The values the manifests are built from. */
export interface WorkloadValues {
  name: string;
  namespace: string;
  image: pulumi.Input<string>;
  port: number;
  region: string;
  otlpEndpoint: string;
  resources: MicroserviceResources;
  env: Record<string, string>;
  resourceEnv?: Record<string, pulumi.Input<string>>;
  contract?: string;
  /** The TLS port, when the service serves one (its certificate's Secret is mounted). */
  tlsPort?: number;
  /** Mount a projected API token and the cluster CA ({@link kubernetesApiVolume}). */
  kubernetesApi?: boolean;
}

const labelsOf = (name: string) => ({
  [NAME_LABEL]: name,
  "app.kubernetes.io/part-of": "acme-platform",
});
const metadataOf = (v: { name: string; namespace: string }) => ({
  name: v.name,
  namespace: v.namespace,
  labels: labelsOf(v.name),
});

/**
 * The ServiceAccount: no automounted API token. A service that calls the API (`kubernetesApi`)
 * gets a projected one in its own container only ({@link kubernetesApiVolume}).
 */
export function serviceAccountManifest(v: { name: string; namespace: string }) {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: metadataOf(v),
    automountServiceAccountToken: false,
  };
}

/**
 * The API credentials of a service with `kubernetesApi`: a projected volume of a bound
 * service-account token and the cluster CA (the `kube-root-ca.crt` ConfigMap every namespace has),
 * mounted read-only in the service's container at {@link KUBERNETES_API_CREDENTIALS_DIR}.
 *
 * Why a projected token rather than automounting: automount puts a token in every container and
 * EKS extends its lifetime to a year for legacy clients (kube-apiserver
 * `--service-account-extend-token-expiration`); this one lives {@link KUBERNETES_API_TOKEN_SECONDS}
 * seconds, reaches only the service's container (not the Linkerd proxy, which has its own identity
 * token), and carries no namespace file the service does not read. No `audience`: the token is then
 * issued for the API server's own audience, the only one it is for.
 */
function kubernetesApiVolume() {
  return {
    name: "kube-api",
    projected: {
      sources: [
        {
          serviceAccountToken: { path: "token", expirationSeconds: KUBERNETES_API_TOKEN_SECONDS },
        },
        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
      ],
    },
  };
}

/**
 * The NetworkPolicy letting the service's pods reach the API server: the `kubernetes` Service's
 * ClusterIP on 443. Pods dial the ClusterIP, and the VPC CNI's policy agent is reported to match
 * egress before kube-proxy rewrites it (EKS users admit `172.20.0.1/32`); if it matched after, the
 * control plane's addresses are in the VPC on 443, which AppNamespace's platform egress admits.
 * Either way one rule admits the connection; neither admits anything else on the ClusterIP range.
 */
function kubernetesApiNetworkPolicyManifest<I>(v: {
  name: string;
  namespace: string;
  /** `<the kubernetes Service's ClusterIP>/32` ({@link kubernetesServiceIp}). */
  apiServiceCidr: I;
}) {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { ...metadataOf(v), name: `${v.name}-allow-kubernetes-api` },
    spec: {
      podSelector: { matchLabels: podSelectorOf(v.name) },
      policyTypes: ["Egress"],
      egress: [
        {
          to: [{ ipBlock: { cidr: v.apiServiceCidr } }],
          ports: [{ protocol: "TCP", port: KUBERNETES_API_PORT }],
        },
      ],
    },
  };
}

/**
 * The Role granting `rules` in `roleNamespace` and the RoleBinding to the service's account (in
 * the service's namespace); both named after the service.
 */
function kubernetesApiRoleManifests(v: {
  name: string;
  namespace: string;
  roleNamespace: string;
  rules: readonly KubernetesRoleRule[];
}) {
  const metadata = { name: v.name, namespace: v.roleNamespace, labels: labelsOf(v.name) };
  return {
    role: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata,
      rules: v.rules.map((r) => ({
        apiGroups: [...r.apiGroups],
        resources: [...r.resources],
        verbs: [...r.verbs],
      })),
    },
    roleBinding: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: v.name },
      subjects: [{ kind: "ServiceAccount", name: v.name, namespace: v.namespace }],
    },
  };
}

/** The Deployment, without `replicas`: the autoscaler owns that field. */
export function deploymentManifest(v: WorkloadValues) {
  const tls = v.tlsPort !== undefined ? { port: v.tlsPort } : undefined;
  const probe = (p: string, periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path: p, port: HTTP_PORT_NAME },
    periodSeconds,
    timeoutSeconds: 2,
    failureThreshold,
  });
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: metadataOf(v),
    spec: {
      selector: { matchLabels: { [NAME_LABEL]: v.name } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels: labelsOf(v.name),
          annotations: { "linkerd.io/inject": "enabled" },
        },
        spec: {
          serviceAccountName: v.name,
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: terminationGracePeriodSeconds(v.env),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: SERVICE_UID,
            runAsGroup: SERVICE_UID,
            // The certificate's key is readable by the group only (defaultMode 0440 below).
            ...(tls ? { fsGroup: SERVICE_UID } : {}),
            seccompProfile: { type: "RuntimeDefault" },
          },
          // Soft spreading: a zone short of capacity delays balance rather than the rollout.
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "topology.kubernetes.io/zone",
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: { matchLabels: { [NAME_LABEL]: v.name } },
              // Balance each rollout's new pods, not old and new together.
              matchLabelKeys: ["pod-template-hash"],
            },
          ],
          // The root filesystem is read-only; /tmp is the one writable place (Node and libraries
          // may write temporary files there).
          volumes: [
            { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
            ...(tls
              ? [
                  {
                    name: "tls",
                    secret: {
                      secretName: servingCertificateNames(v.name).secret,
                      defaultMode: 0o440,
                    },
                  },
                ]
              : []),
            ...(v.kubernetesApi ? [kubernetesApiVolume()] : []),
          ],
          containers: [
            {
              name: v.name,
              image: v.image,
              ports: [
                { name: HTTP_PORT_NAME, containerPort: v.port, protocol: "TCP" },
                ...(tls ? [{ name: TLS_PORT_NAME, containerPort: tls.port, protocol: "TCP" }] : []),
              ],
              env: [
                ...otelSdkEnv(v.name, v.otlpEndpoint),
                { name: "AWS_REGION", value: v.region },
                { name: "PORT", value: String(v.port) },
                ...(tls
                  ? [
                      { name: "TLS_PORT", value: String(tls.port) },
                      { name: "TLS_CERT_FILE", value: `${TLS_MOUNT_PATH}/tls.crt` },
                      { name: "TLS_KEY_FILE", value: `${TLS_MOUNT_PATH}/tls.key` },
                    ]
                  : []),
                ...Object.entries({ ...v.env, ...v.resourceEnv })
                  .sort(([a], [b]) => a.localeCompare(b))
                  .map(([name, value]) => ({ name, value })),
              ],
              resources: {
                requests: { ...v.resources.requests },
                limits: { ...v.resources.limits },
              },
              volumeMounts: [
                { name: "tmp", mountPath: "/tmp" },
                ...(tls ? [{ name: "tls", mountPath: TLS_MOUNT_PATH, readOnly: true }] : []),
                ...(v.kubernetesApi
                  ? [
                      {
                        name: kubernetesApiVolume().name,
                        mountPath: KUBERNETES_API_CREDENTIALS_DIR,
                        readOnly: true,
                      },
                    ]
                  : []),
              ],
              livenessProbe: probe(PROBES.liveness, 10, 3),
              readinessProbe: probe(PROBES.readiness, 5, 2),
              lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SLEEP_SECONDS } } },
              securityContext: {
                runAsNonRoot: true,
                runAsUser: SERVICE_UID,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
              },
            },
          ],
        },
      },
    },
  };
}

/** The ClusterIP Service callers reach through the mesh. */
export function serviceManifest(v: {
  name: string;
  namespace: string;
  port: number;
  contract?: string;
  /** More annotations (the mesh policy's Service-wide resilience). */
  annotations?: Record<string, string>;
  /** The TLS port, exposed as `https` (what the TargetGroupBinding names). */
  tlsPort?: number;
}) {
  const annotations = {
    ...(v.annotations ?? {}),
    ...(v.contract ? { [CONTRACT_TAG]: v.contract } : {}),
  };
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      ...metadataOf(v),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    spec: {
      type: "ClusterIP",
      selector: { [NAME_LABEL]: v.name },
      ports: [
        { name: HTTP_PORT_NAME, port: v.port, targetPort: HTTP_PORT_NAME, protocol: "TCP" },
        ...(v.tlsPort !== undefined
          ? [{ name: TLS_PORT_NAME, port: v.tlsPort, targetPort: TLS_PORT_NAME, protocol: "TCP" }]
          : []),
      ],
    },
  };
}

/** At least one pod stays up during voluntary disruptions when there are several. */
export function podDisruptionBudgetManifest(v: {
  name: string;
  namespace: string;
  minReplicas: number;
}) {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: metadataOf(v),
    spec: {
      selector: { matchLabels: { [NAME_LABEL]: v.name } },
      // One pod at a time, whatever the replica count (with one replica, minAvailable 1 would
      // block every drain; with many, it would let a drain take all but one); a crash-looping
      // pod never blocks a drain.
      maxUnavailable: 1,
      unhealthyPodEvictionPolicy: "AlwaysAllow",
    },
  };
}

const scaleTargetRef = (name: string) => ({ apiVersion: "apps/v1", kind: "Deployment", name });

/** The HorizontalPodAutoscaler on CPU utilization. */
export function horizontalPodAutoscalerManifest(v: {
  name: string;
  namespace: string;
  replicas: { min: number; max: number };
  averageUtilization: number;
}) {
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: metadataOf(v),
    spec: {
      scaleTargetRef: scaleTargetRef(v.name),
      minReplicas: v.replicas.min,
      maxReplicas: v.replicas.max,
      // The service container's CPU only: the pod's total would include the Linkerd proxy's.
      metrics: [
        {
          type: "ContainerResource",
          containerResource: {
            name: "cpu",
            container: v.name,
            target: { type: "Utilization", averageUtilization: v.averageUtilization },
          },
        },
      ],
    },
  };
}

/**
 * The KEDA ScaledObject on an SQS queue's depth. KEDA reads the queue attributes with its
 * operator's own Pod Identity role (the Keda component's ClusterTriggerAuthentication), which
 * needs sqs:GetQueueAttributes on the queue; the service's role is not shared with KEDA.
 * https://keda.sh/docs/2.20/scalers/aws-sqs/
 */
export function scaledObjectManifest<U>(v: {
  name: string;
  namespace: string;
  replicas: { min: number; max: number };
  queueUrl: U;
  region: string;
  messagesPerReplica: number;
}) {
  return {
    apiVersion: "keda.sh/v1alpha1",
    kind: "ScaledObject",
    metadata: metadataOf(v),
    spec: {
      scaleTargetRef: scaleTargetRef(v.name),
      minReplicaCount: v.replicas.min,
      maxReplicaCount: v.replicas.max,
      pollingInterval: 15,
      cooldownPeriod: 300,
      triggers: [
        {
          type: "aws-sqs-queue",
          metadata: {
            queueURL: v.queueUrl,
            queueLength: String(v.messagesPerReplica),
            awsRegion: v.region,
          },
          authenticationRef: {
            name: KEDA_AWS_AUTHENTICATION,
            kind: "ClusterTriggerAuthentication",
          },
        },
      ],
    },
  };
}

/**
 * A service of the platform: image, identity, workload, Service, disruption budget and
 * autoscaler, from one declaration. See the module comment.
 */
export class Microservice extends pulumi.ComponentResource {
  /** The Kubernetes name of the ServiceAccount, the Deployment and the Service. */
  public readonly serviceName: string;
  public readonly namespace: string;
  public readonly serviceAccountName: string;
  public readonly port: number;
  public readonly roleArn: pulumi.Output<string>;
  public readonly repositoryUrl: pulumi.Output<string>;
  /** `<repository>@sha256:<digest>`: what the Deployment runs. */
  public readonly imageRef: pulumi.Output<string>;
  /** The platform the image was built for; undefined for an image given by digest. */
  public readonly platform: ImagePlatform | undefined;
  public readonly repository: aws.ecr.Repository;
  public readonly deployment: k8s.apps.v1.Deployment;
  public readonly service: k8s.core.v1.Service;
  /** The mesh identities admitted on the API route, sorted. */
  public readonly allowedIdentities: string[];
  /** The TLS port for the load balancer, when `tls` is given. */
  public readonly tlsPort?: number;
  /** The Service's port name of the TLS port (`https`), when `tls` is given. */
  public readonly tlsPortName?: string;

  constructor(name: string, args: MicroserviceArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): a bad argument must fail before anything registers.
    throwIfInvalid("Microservice", validateMicroserviceArgs(args, name));
    super("acme:services:Microservice", name, {}, opts);
    const deps = dependenciesOf(opts);

    const port = args.port ?? DEFAULTS.port;
    const ns = args.namespace;
    const env = args.env ?? {};
    const retention = {
      keepLast: args.imageRetention?.keepLast ?? DEFAULTS.keepLast,
      untaggedExpiryDays: args.imageRetention?.untaggedExpiryDays ?? DEFAULTS.untaggedExpiryDays,
    };
    this.serviceName = name;
    this.namespace = ns;
    this.serviceAccountName = name;
    this.port = port;

    // The registry: encrypted with the platform key, tags immutable (a tag names one image for
    // ever), scanned on push, and never deleted with images in it.
    this.repository = new aws.ecr.Repository(
      `${name}-repo`,
      {
        encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: args.ecrKeyArn }],
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        forceDelete: false,
      },
      { parent: this, dependsOn: deps },
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-lifecycle`,
      { repository: this.repository.name, policy: ecrLifecyclePolicy(retention) },
      { parent: this },
    );
    this.repositoryUrl = this.repository.repositoryUrl;

    if (args.build) {
      const auth = aws.ecr.getAuthorizationTokenOutput(
        { registryId: this.repository.registryId },
        { parent: this },
      );
      const platform = args.build.platform ?? DEFAULTS.platform;
      this.platform = platform;
      // The platform is a build input too: the repository's tags are immutable, so a rebuild for
      // another platform must get another tag.
      const tag = `${buildContextHash(args.build.context, args.build.dockerfile)}-${platform.replace("/", "-")}`;
      const image = new dockerBuild.Image(
        `${name}-image`,
        {
          context: { location: args.build.context },
          dockerfile: { location: path.join(args.build.context, args.build.dockerfile) },
          platforms: [platform],
          push: true,
          tags: [pulumi.interpolate`${this.repository.repositoryUrl}:${tag}`],
          registries: [
            {
              address: this.repository.repositoryUrl,
              username: auth.userName,
              password: pulumi.secret(auth.password),
            },
          ],
        },
        { parent: this },
      );
      this.imageRef = pulumi.interpolate`${this.repository.repositoryUrl}@${image.digest}`;
    } else {
      this.imageRef = pulumi.output(args.image as string);
      this.platform = undefined;
    }

    // Identity: a role trusted by exactly this ServiceAccount, granting exactly the access.
    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      serviceAccountManifest({ name, namespace: ns }) as k8s.core.v1.ServiceAccountArgs,
      { parent: this, provider: args.provider, dependsOn: deps },
    );
    const statements = accessStatements(args.access ?? {});
    const identity = podIdentityRole(
      `${name}-role`,
      {
        description: `Pod Identity role of ${name} (${ns}/${name}): its declared queues, topics and tables`,
        accountId: args.accountId,
        clusterName: args.clusterName,
        namespace: ns,
        serviceAccount: name,
        inlinePolicies:
          statements.length > 0 ? { [`${name}-access`]: policyDocument(statements) } : {},
        associationDependsOn: [serviceAccount],
      },
      { parent: this },
    );
    this.roleArn = identity.role.arn;

    const k8sOpts = { parent: this, provider: args.provider };
    const mesh = meshPolicy(meshPolicyArgs(args, name));
    const tlsPort = args.tls ? (args.tls.port ?? DEFAULT_TLS_PORT) : undefined;
    this.tlsPort = tlsPort;
    this.tlsPortName = args.tls ? TLS_PORT_NAME : undefined;
    // The serving certificate (cert-manager, which `opts.dependsOn` must include): the pods start
    // once its Secret exists, since they mount it.
    const certificates: pulumi.Resource[] = [];
    if (args.tls) {
      for (const object of servingCertificateManifests({ name, namespace: ns })) {
        const isServing =
          object.metadata.name === servingCertificateNames(name).certificate &&
          object.kind === "Certificate";
        certificates.push(
          new k8s.apiextensions.CustomResource(
            `${name}-${object.kind.toLowerCase()}-${object.metadata.name.slice(name.length + 1)}`,
            {
              ...object,
              metadata: {
                ...object.metadata,
                ...(isServing ? { annotations: { "pulumi.com/waitFor": "condition=Ready" } } : {}),
              },
            } as unknown as k8s.apiextensions.CustomResourceArgs,
            { ...k8sOpts, dependsOn: [...deps, ...certificates] },
          ),
        );
      }
    }
    // Kubernetes API access: a Role and RoleBinding per namespace (never cluster-wide), ready
    // before the pods that use them start.
    const rbac: pulumi.Resource[] = [];
    for (const role of args.kubernetesApi?.roles ?? []) {
      const manifests = kubernetesApiRoleManifests({
        name,
        namespace: ns,
        roleNamespace: role.namespace,
        rules: role.rules,
      });
      const k8sRole = new k8s.rbac.v1.Role(
        `${name}-k8s-role-${role.namespace}`,
        manifests.role as k8s.rbac.v1.RoleArgs,
        { parent: this, provider: args.provider, dependsOn: deps },
      );
      rbac.push(
        k8sRole,
        new k8s.rbac.v1.RoleBinding(
          `${name}-k8s-rolebinding-${role.namespace}`,
          manifests.roleBinding as k8s.rbac.v1.RoleBindingArgs,
          { parent: this, provider: args.provider, dependsOn: [...deps, k8sRole, serviceAccount] },
        ),
      );
    }
    this.allowedIdentities = mesh.allowedIdentities;
    // Pods start once their credentials can be issued (the association and the policy exist).
    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      deploymentManifest({
        name,
        namespace: ns,
        image: this.imageRef,
        port,
        region: args.region,
        otlpEndpoint: args.otlpEndpoint,
        resources: args.resources,
        env,
        resourceEnv: args.resourceEnv,
        contract: args.contract,
        tlsPort,
        kubernetesApi: args.kubernetesApi !== undefined,
      }) as k8s.apps.v1.DeploymentArgs,
      {
        ...k8sOpts,
        dependsOn: [...deps, serviceAccount, ...identity.ready, ...certificates, ...rbac],
      },
    );
    this.service = new k8s.core.v1.Service(
      `${name}-service`,
      serviceManifest({
        name,
        namespace: ns,
        port,
        contract: args.contract,
        annotations: mesh.serviceAnnotations,
        tlsPort,
      }) as k8s.core.v1.ServiceArgs,
      { ...k8sOpts, dependsOn: deps },
    );
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      podDisruptionBudgetManifest({
        name,
        namespace: ns,
        minReplicas: args.replicas.min,
      }) as k8s.policy.v1.PodDisruptionBudgetArgs,
      { ...k8sOpts, dependsOn: deps },
    );

    const scaling = args.autoscaling;
    if (scaling.on === AutoscalingSignal.Cpu) {
      new k8s.autoscaling.v2.HorizontalPodAutoscaler(
        `${name}-hpa`,
        horizontalPodAutoscalerManifest({
          name,
          namespace: ns,
          replicas: args.replicas,
          averageUtilization: scaling.averageUtilization ?? DEFAULTS.cpuUtilization,
        }) as k8s.autoscaling.v2.HorizontalPodAutoscalerArgs,
        { ...k8sOpts, dependsOn: [this.deployment] },
      );
    } else {
      new k8s.apiextensions.CustomResource(
        `${name}-scaledobject`,
        scaledObjectManifest({
          name,
          namespace: ns,
          replicas: args.replicas,
          queueUrl: scaling.queue.queueUrl,
          region: args.region,
          messagesPerReplica: scaling.messagesPerReplica ?? DEFAULTS.messagesPerReplica,
        }),
        { ...k8sOpts, dependsOn: [this.deployment] },
      );
    }

    // The mesh policy, in the builder's dependency order: the Server before its routes, the
    // routes and authentications before the policies that name them. The outbound routes name
    // the Service as their parent.
    const created: pulumi.Resource[] = [];
    for (const object of mesh.objects as Array<{ kind: string; metadata: { name: string } }>) {
      created.push(
        new k8s.apiextensions.CustomResource(
          meshObjectResourceName(name, object.kind, object.metadata.name),
          object as unknown as k8s.apiextensions.CustomResourceArgs,
          { ...k8sOpts, dependsOn: [...deps, this.service, ...created] },
        ),
      );
    }

    // Observability: the Service's labels and port name are what the ServiceMonitor selects, and
    // Prometheus reaches the port through the NetworkPolicy (AppNamespace's admits 4191 only).
    const obsArgs = observabilityArgs(args, name);
    const obs = serviceObservability(obsArgs);
    new k8s.networking.v1.NetworkPolicy(
      `${name}-allow-prometheus`,
      prometheusNetworkPolicyManifest({
        name,
        namespace: ns,
        port,
      }) as k8s.networking.v1.NetworkPolicyArgs,
      { ...k8sOpts, dependsOn: deps },
    );
    if (args.kubernetesApi) {
      new k8s.networking.v1.NetworkPolicy(
        `${name}-allow-kubernetes-api`,
        kubernetesApiNetworkPolicyManifest({
          name,
          namespace: ns,
          apiServiceCidr: pulumi
            .output(args.kubernetesApi.serviceIpv4Cidr)
            .apply((cidr) => `${kubernetesServiceIp(cidr)}/32`),
        }) as k8s.networking.v1.NetworkPolicyArgs,
        { ...k8sOpts, dependsOn: deps },
      );
    }
    if (args.tls && tlsPort !== undefined) {
      new k8s.networking.v1.NetworkPolicy(
        `${name}-allow-load-balancer`,
        loadBalancerNetworkPolicyManifest({
          name,
          namespace: ns,
          tlsPort,
          loadBalancerCidrs: args.tls.loadBalancerCidrs,
        }) as k8s.networking.v1.NetworkPolicyArgs,
        { ...k8sOpts, dependsOn: deps },
      );
    }
    new k8s.apiextensions.CustomResource(
      `${name}-servicemonitor`,
      obs.serviceMonitor as unknown as k8s.apiextensions.CustomResourceArgs,
      { ...k8sOpts, dependsOn: [...deps, this.service] },
    );
    new k8s.apiextensions.CustomResource(
      `${name}-prometheusrule`,
      obs.prometheusRule as unknown as k8s.apiextensions.CustomResourceArgs,
      { ...k8sOpts, dependsOn: deps },
    );
    // The dashboard's queue panels need the consumed queues' names, known at deploy time.
    const consumed = (args.access?.consumesFrom ?? []).map((q) => q.queueName);
    const dashboardMap = obs.dashboardConfigMap as { metadata: object; data: object };
    new k8s.core.v1.ConfigMap(
      `${name}-dashboard`,
      {
        metadata: dashboardMap.metadata,
        data:
          consumed.length === 0
            ? (dashboardMap.data as Record<string, string>)
            : pulumi.all(consumed).apply(
                (names) =>
                  serviceObservability({
                    ...obsArgs,
                    consumes: { ...obsArgs.consumes, queueNamePatterns: names.map(exactly) },
                  }).dashboardConfigMap.data as Record<string, string>,
              ),
      },
      { ...k8sOpts, dependsOn: deps },
    );

    this.registerOutputs({
      allowedIdentities: this.allowedIdentities,
      serviceAccountName: this.serviceAccountName,
      roleArn: this.roleArn,
      repositoryUrl: this.repositoryUrl,
      imageRef: this.imageRef,
      serviceName: this.serviceName,
    });
  }
}
