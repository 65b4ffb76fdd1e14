/**
 * The platform's declared network flows: what may talk to what, on which port, and why. The
 * `flows` cross-check (./flows.ts) proves each one open through every layer the graph holds on its
 * path (security groups, NetworkPolicies) and reports any opening no flow here accounts for.
 */
import { KAFKA_PORTS } from "../../components/messaging/kafka";
import { ARGO_WORKFLOW_SERVICE_ACCOUNT } from "../../components/workflows/argoWorkflows";
import { REQUEST_WORKFLOW } from "../../components/workflows/definition";
import { CLUSTER_PROMETHEUS } from "../../components/mesh/appNamespace";
import { METRICS_PATH } from "../../components/services/meshPolicy";
import {
  DEFAULT_PORT,
  DEFAULT_TLS_PORT,
  KUBERNETES_API_PORT,
  NAME_LABEL,
  PROBES,
} from "../../components/services/microservice";
import { LINKERD_NAMESPACE, LINKERD_VIZ_NAMESPACE } from "../../components/mesh/linkerd";
import {
  ELASTICSEARCH_EXPORTER_LABELS,
  ELASTICSEARCH_EXPORTER_PORT,
  ELASTICSEARCH_HTTP_PORT,
} from "../../components/observability/elasticsearchExporter";
import {
  DEFAULT_TRACING_NAMESPACE,
  OTEL_COLLECTOR_POD_LABELS,
} from "../../components/observability/tracing";

/** Every Namespace of the graph labelled `acme.io/app-namespace: "true"` (AppNamespace). */
export const APP_NAMESPACES = "<app namespaces>";

/** One end of a flow. */
export type FlowEndpoint =
  /** A security group: the URN's name (`events-brokers`), its tag `Name`, or `eks-cluster` for
   * the group EKS creates for the cluster (output `vpcConfig.clusterSecurityGroupId`). With
   * `inPrivateSubnets`, the group's interfaces take addresses in the private subnets (those
   * tagged `kubernetes.io/role/internal-elb`, as an internal load balancer's nodes do), so
   * ipBlocks and NetworkAuthentications covering every private subnet admit it. */
  | { securityGroup: string; inPrivateSubnets?: boolean }
  /** Pods carrying (at least) `podLabels` in `namespace` (or every app namespace). They sit in
   * the EKS cluster security group at the AWS layer (managed node groups use it). */
  | {
      namespace: string;
      podLabels: Record<string, string>;
      /** The pods' service account: their mesh identity, for Linkerd authorization. */
      serviceAccount?: string;
      /** Meshed although the namespace is not annotated (the chart injects its own pods). */
      meshed?: boolean;
    }
  /** Any address of the VPC (its `cidrBlock`). */
  | { cidr: "vpc" }
  /**
   * The kubelet of the destination pod's node. NetworkPolicies never apply to it: "traffic to and
   * from the node where a Pod is running is always allowed" (Kubernetes NetworkPolicy docs).
   */
  | { kubelet: true }
  /**
   * The Kubernetes API server as pods dial it, a destination only: the `kubernetes` Service's
   * ClusterIP (the first address of the EKS cluster's `kubernetesNetworkConfig.serviceIpv4Cidr`),
   * which the VPC CNI's policy agent is reported to match before kube-proxy rewrites it to the
   * control plane's interfaces (components/services/microservice.ts, the API NetworkPolicy).
   * Those carry the EKS cluster security group, whose self-referencing rule (EKS creates it,
   * outside the graph) admits the pods' group, so the check has no AWS layer for it.
   */
  | { kubernetesApi: true };

/**
 * Linkerd NetworkAuthentications that charts create (not in the graph), as the pinned chart
 * renders them; AuthorizationPolicies of the stack may name them.
 */
export const CHART_NETWORK_AUTHENTICATIONS = [
  {
    namespace: LINKERD_VIZ_NAMESPACE,
    name: "kubelet",
    networks: ["0.0.0.0/0", "::/0"],
    template: "linkerd2 edge-26.8.3 viz/charts/linkerd-viz/templates/admin-policy.yaml",
  },
] as const;

/** A declared flow over TCP. */
export interface Flow {
  name: string;
  from: FlowEndpoint;
  to: FlowEndpoint;
  port: number;
  /** Optional protocol; TCP unless said. */
  protocol?: "TCP" | "UDP";
  /**
   * The HTTP path the flow requests, where Linkerd authorizes per HTTPRoute: a policy on a route
   * admits the flow only when the route matches this path.
   */
  path?: string;
  why: string;
  /**
   * The flow exists only where the graph holds its security-group ends (says where): absent
   * ends skip it instead of failing. Without it, a missing end is an error.
   */
  onlyWhere?: string;
  /**
   * With `onlyWhere`: the flow exists only where the graph binds a Role to the service account of
   * this name (a RoleBinding subject), e.g. an API client granted on some stacks only.
   */
  onlyWhereRoleBoundTo?: string;
}

const CLUSTER = { securityGroup: "eks-cluster" } as const;
/** The in-VPC deployer's group (components/cluster/deployer.ts). */
const DEPLOYER = { securityGroup: "platform-deployer" } as const;
/**
 * The Step Functions engine's Fargate steps (components/workflows/fargateSteps.ts): index.ts names
 * the FargateSteps after the request workflow, and its group takes that name.
 */
export const FARGATE_STEPS = { securityGroup: REQUEST_WORKFLOW } as const;
const APP_PODS = { namespace: APP_NAMESPACES, podLabels: {} };
const KUBE_DNS = { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } };
const PROMETHEUS = {
  namespace: CLUSTER_PROMETHEUS.namespace,
  podLabels: { ...CLUSTER_PROMETHEUS.podLabels },
};
/**
 * The front door (issue 13): the security groups' names the stack must give them. index.ts names
 * the PrivateIngress `api` (its group is `api-lb`) and the VPC link's group `api-vpc-link`.
 */
export const FRONT_DOOR = {
  loadBalancer: { securityGroup: "api-lb", inPrivateSubnets: true },
  vpcLink: { securityGroup: "api-vpc-link" },
} as const;
const ES_EXPORTER = { namespace: "logging", podLabels: { ...ELASTICSEARCH_EXPORTER_LABELS } };

/** What the stack opens today, and what issue 9 requires. */
export const FLOWS: Flow[] = [
  // AWS layer.
  {
    name: "vpc -> interface endpoints 443",
    from: { cidr: "vpc" },
    to: { securityGroup: "platform-endpoints" },
    port: 443,
    why: "every in-VPC client reaches SQS, STS, KMS, ECR, logs through the interface endpoints",
  },
  {
    name: "deployer -> Kubernetes API 443",
    from: DEPLOYER,
    to: { securityGroup: "platform-control-plane" },
    port: 443,
    why: "pulumi up reaches the private API endpoint from the in-VPC deployer only (docs/first-deployment.md)",
    onlyWhere: "the stack has an in-VPC deployer (dev's endpoint is public to operator /32s)",
  },
  {
    name: "deployer -> brokers 9098",
    from: DEPLOYER,
    to: { securityGroup: "events-brokers" },
    port: KAFKA_PORTS.saslIam,
    why: "kafka-provider topics are managed through the Kafka admin API from the deployer",
    onlyWhere: "the stack has an in-VPC deployer",
  },
  {
    name: "deployer -> VPC endpoints 443",
    from: DEPLOYER,
    to: { securityGroup: "platform-endpoints" },
    port: 443,
    why: "the deployer calls AWS APIs (STS, KMS, logs, ...) through the interface endpoints",
    onlyWhere: "the stack has an in-VPC deployer",
  },
  {
    name: "Fargate workflow steps -> VPC endpoints 443",
    from: FARGATE_STEPS,
    to: { securityGroup: "platform-endpoints" },
    port: 443,
    why: "a step sends to the task queue (SQS), pulls its image (ECR) and logs through the interface endpoints",
    onlyWhere: "the stack runs the Step Functions engine with the fargate runner",
  },
  {
    name: "cluster -> brokers 9098",
    from: CLUSTER,
    to: { securityGroup: "events-brokers" },
    port: KAFKA_PORTS.saslIam,
    why: "producers and consumers in the cluster speak SASL/IAM to MSK",
  },
  {
    name: "cluster -> brokers JMX exporter",
    from: CLUSTER,
    to: { securityGroup: "events-brokers" },
    port: KAFKA_PORTS.jmxExporter,
    why: "Prometheus scrapes MSK open monitoring",
  },
  {
    name: "cluster -> brokers node exporter",
    from: CLUSTER,
    to: { securityGroup: "events-brokers" },
    port: KAFKA_PORTS.nodeExporter,
    why: "Prometheus scrapes MSK open monitoring",
  },
  // Application namespaces (components/mesh/appNamespace.ts).
  {
    name: "app pods -> kube-dns 53/UDP",
    from: APP_PODS,
    to: KUBE_DNS,
    port: 53,
    protocol: "UDP",
    why: "name resolution",
  },
  {
    name: "app pods -> kube-dns 53/TCP",
    from: APP_PODS,
    to: KUBE_DNS,
    port: 53,
    why: "name resolution (truncated answers)",
  },
  {
    name: "app pods -> linkerd destination 8086",
    from: APP_PODS,
    to: { namespace: LINKERD_NAMESPACE, podLabels: {} },
    port: 8086,
    why: "proxies discover endpoints and fetch identity from the control plane",
  },
  {
    name: "linkerd-viz -> app proxies 4191",
    // linkerd-viz's Prometheus runs meshed as service account `prometheus` (the viz chart).
    from: {
      namespace: LINKERD_VIZ_NAMESPACE,
      podLabels: {},
      serviceAccount: "prometheus",
      meshed: true,
    },
    to: APP_PODS,
    port: 4191,
    path: "/metrics",
    why: "linkerd-viz's Prometheus scrapes the proxies' admin port",
  },
  {
    name: "kubelet -> app proxies 4191",
    from: { kubelet: true },
    to: APP_PODS,
    port: 4191,
    path: "/ready",
    why: "the kubelet probes each proxy's /live and /ready (AppNamespace's proxy-probes policy)",
  },
  {
    name: "linkerd-viz tap -> app proxies 4190",
    from: { namespace: LINKERD_VIZ_NAMESPACE, podLabels: {} },
    to: APP_PODS,
    port: 4190,
    why: "linkerd viz tap",
  },
  // Issue 9 (findings 7 and 9).
  {
    name: "prometheus -> app proxies 4191",
    from: PROMETHEUS,
    to: APP_PODS,
    port: 4191,
    path: "/metrics",
    why: "the mesh SLO alerts read the proxies' metrics (finding 7)",
  },
  {
    name: "app pods -> otel collector 4317",
    from: APP_PODS,
    to: { namespace: DEFAULT_TRACING_NAMESPACE, podLabels: OTEL_COLLECTOR_POD_LABELS },
    port: 4317,
    why: "traces over OTLP/gRPC (finding 9)",
  },
  {
    name: "app pods -> VPC endpoints 443",
    from: APP_PODS,
    to: { securityGroup: "platform-endpoints" },
    port: 443,
    why: "SQS, STS, KMS through the interface endpoints (finding 9)",
  },
  {
    name: "app pods -> brokers 9098",
    from: APP_PODS,
    to: { securityGroup: "events-brokers" },
    port: KAFKA_PORTS.saslIam,
    why: "services produce and consume domain events (finding 9)",
  },
  // An EventBridge pipe with an MSK source runs in the cluster's subnets carrying the brokers'
  // own security group (KafkaClusterArgs.pipeAccess), so its flows start from that group.
  {
    name: "pipe -> brokers 9098",
    from: { securityGroup: "events-brokers" },
    to: { securityGroup: "events-brokers" },
    port: KAFKA_PORTS.saslIam,
    why: "the MSK -> EventBridge Pipe -> SQS bridge reads the domain events (finding 5)",
  },
  {
    name: "pipe -> VPC endpoints 443",
    from: { securityGroup: "events-brokers" },
    to: { securityGroup: "platform-endpoints" },
    port: 443,
    why: "the pipe signs MSK IAM auth with STS credentials through the interface endpoint",
  },
  // Elasticsearch exporter (components/observability/elasticsearchExporter.ts).
  {
    name: "prometheus -> elasticsearch exporter",
    from: PROMETHEUS,
    to: ES_EXPORTER,
    port: ELASTICSEARCH_EXPORTER_PORT,
    why: "cluster health metrics",
  },
  {
    name: "grafana -> elasticsearch",
    from: {
      namespace: CLUSTER_PROMETHEUS.namespace,
      podLabels: { "app.kubernetes.io/name": "grafana" },
    },
    to: { namespace: "logging", podLabels: { "common.k8s.elastic.co/type": "elasticsearch" } },
    port: ELASTICSEARCH_HTTP_PORT,
    why: "the logs datasource queries as acme-grafana over TLS verified with the stack's HTTP CA",
  },
  {
    name: "elasticsearch exporter -> elasticsearch",
    from: ES_EXPORTER,
    to: { namespace: "logging", podLabels: { "common.k8s.elastic.co/type": "elasticsearch" } },
    port: ELASTICSEARCH_HTTP_PORT,
    why: "the exporter reads cluster health",
  },
  {
    name: "elasticsearch exporter -> kube-dns 53/UDP",
    from: ES_EXPORTER,
    to: KUBE_DNS,
    port: 53,
    protocol: "UDP",
    why: "name resolution",
  },
  // Issue 13: API Gateway -> VPC link -> internal ALB -> Service A's TLS port (docs/api-hops.md).
  {
    name: "vpc link -> internal load balancer 443",
    from: FRONT_DOOR.vpcLink,
    to: FRONT_DOOR.loadBalancer,
    port: 443,
    why: "API Gateway's private integration (VPC link v2) sends HTTPS to the PrivateIngress listener",
    onlyWhere: "the stack has the front door (ApiGateway and PrivateIngress)",
  },
  {
    name: "internal load balancer -> cluster group 8443",
    from: FRONT_DOOR.loadBalancer,
    to: CLUSTER,
    port: DEFAULT_TLS_PORT,
    why: "the ALB's HTTPS traffic and health checks reach Service A's pods (in the cluster group)",
    onlyWhere: "the stack has the front door (PrivateIngress)",
  },
  {
    name: `internal load balancer -> service-a ${DEFAULT_TLS_PORT}`,
    from: FRONT_DOOR.loadBalancer,
    to: { namespace: APP_NAMESPACES, podLabels: { [NAME_LABEL]: "service-a" } },
    port: DEFAULT_TLS_PORT,
    why: "Service A's TLS port admits the ALB's private-subnet addresses (Linkerd and NetworkPolicy)",
    onlyWhere: "the stack has the front door (PrivateIngress)",
  },
  // Issue 12: the reference workflow's step (the worker's handoff, components/workflows
  // workflowTemplate.ts) sends its work-task to SQS and its spans to the collector.
  ...[
    {
      name: "workflow pods -> VPC endpoints 443",
      to: { securityGroup: "platform-endpoints" },
      port: 443,
      why: "the handoff step sends to the task queue (SQS, KMS, STS) through the interface endpoints",
    },
    {
      name: "workflow pods -> otel collector 4317",
      to: { namespace: DEFAULT_TRACING_NAMESPACE, podLabels: OTEL_COLLECTOR_POD_LABELS },
      port: 4317,
      why: "the handoff step exports its spans over OTLP/gRPC",
    },
  ].map((f): Flow => ({
    ...f,
    from: {
      // platform.workflows.namespace of every stack (Pulumi.<stack>.yaml).
      namespace: "workflows",
      podLabels: {},
      serviceAccount: ARGO_WORKFLOW_SERVICE_ACCOUNT,
    },
  })),
  // Issue 14: Service A reads each request's Workflow from the Kubernetes API on Argo stacks
  // (components/services/serviceAStatus.ts); on Step Functions stacks it has no Role and no flow.
  {
    name: `service-a -> Kubernetes API ${KUBERNETES_API_PORT}`,
    from: { namespace: APP_NAMESPACES, podLabels: { [NAME_LABEL]: "service-a" } },
    to: { kubernetesApi: true },
    port: KUBERNETES_API_PORT,
    why: "Service A gets the request's Argo Workflow by name (SERVICE_A_STATUS_RBAC) for its status reads",
    onlyWhere:
      "the stack runs Argo Workflows: Service A's Role in the workflows namespace is bound",
    onlyWhereRoleBoundTo: "service-a",
  },
  // Issue 12: the services (components/services Microservice), on their HTTP port.
  ...["service-a", "worker"].flatMap((service): Flow[] => {
    const pods = { namespace: APP_NAMESPACES, podLabels: { [NAME_LABEL]: service } };
    return [
      {
        name: `prometheus -> ${service} ${DEFAULT_PORT}`,
        from: PROMETHEUS,
        to: pods,
        port: DEFAULT_PORT,
        path: METRICS_PATH,
        why: "the service's ServiceMonitor: request, breaker and message metrics for its SLO alerts",
      },
      {
        name: `kubelet -> ${service} ${DEFAULT_PORT}`,
        from: { kubelet: true },
        to: pods,
        port: DEFAULT_PORT,
        path: PROBES.readiness,
        why: "liveness and readiness probes (/healthz, /readyz)",
      },
    ];
  }),
];
