/**
 * Every Helm chart the platform installs, pinned in one table. Components take their chart, version
 * and repository from here; `charts.test.ts` checks each pin against the shared catalog
 * (`../shared/catalog.json`, which holds the chart's `values.yaml` at that version) and checks that
 * the README and `docs/` name no other version of these charts.
 *
 * To move a chart: change its `version` here, add that version to the shared catalog, and read the
 * templates again for the reviewed tables that say which version they were read at
 * (`tools/checks/chartPodSecurity.ts`, `tools/checks/chartMonitorTargets.ts`): the checks fail
 * until they are updated.
 */

/** One pinned chart: what a `helm.v3.Release` installs. */
export interface ChartPin {
  /** The chart's name in its repository (and in the shared catalog). */
  readonly name: string;
  /** The exact chart version; never a range. */
  readonly version: string;
  /** The Helm repository URL (the catalog's `helmRepoUrl`). */
  readonly repo: string;
  /** The application version the chart installs, where the code depends on it. */
  readonly appVersion?: string;
}

/** Open-source Linkerd ships edge releases only; its three charts move together, one edge tag. */
const LINKERD_EDGE = { version: "2026.8.3", repo: "https://helm.linkerd.io/edge" } as const;
const LINKERD_EDGE_TAG = "edge-26.8.3";

/** The pinned charts, by the name the code uses for them. */
export const CHARTS = {
  /**
   * Prometheus, Alertmanager and Grafana (operator v0.93.1), tagged 2026-08-21;
   * `chartDefaultRules.ts` reviews its default rules for EKS at this version.
   */
  kubePrometheusStack: {
    name: "kube-prometheus-stack",
    version: "88.5.3",
    repo: "https://prometheus-community.github.io/helm-charts",
  },
  /**
   * yet-another-cloudwatch-exporter (YACE v0.67.0) from prometheus-community, its current home; the
   * nerdswords chart of the same app is deprecated. `monitoring.ts` ports YACE's metric naming at
   * this app version.
   */
  yace: {
    name: "prometheus-yet-another-cloudwatch-exporter",
    version: "0.47.0",
    repo: "https://prometheus-community.github.io/helm-charts",
  },
  /**
   * The OpenTelemetry Collector (collector 0.158.0), tagged 2026-08-14. The chart ships a
   * `values.schema.json`, which the tracing values are validated against.
   */
  otelCollector: {
    name: "opentelemetry-collector",
    version: "0.170.0",
    repo: "https://open-telemetry.github.io/opentelemetry-helm-charts",
  },
  /**
   * Jaeger v2 (2.19.0), tagged 2026-06-14: v2 stores spans in Elasticsearch 8, and the chart's
   * es-index-cleaner CronJob is the trace retention.
   */
  jaeger: {
    name: "jaeger",
    version: "4.11.1",
    repo: "https://jaegertracing.github.io/helm-charts",
  },
  /**
   * The ECK operator 3.5.0, the newest release tag (ECK's main branch is an unreleased 3.6.0
   * snapshot). It manages Elasticsearch 8.x and 9.x, so `ELASTIC_STACK_VERSION` can stay on 8.19.
   */
  eckOperator: {
    name: "eck-operator",
    version: "3.5.0",
    repo: "https://helm.elastic.co",
  },
  /** Fluent Bit 5.1.1 on every node, shipping container logs to Logstash; tagged 2026-08-17. */
  fluentBit: {
    name: "fluent-bit",
    version: "0.58.1",
    repo: "https://fluent.github.io/helm-charts",
  },
  /**
   * cert-manager, which issues the mesh's identity issuer and webhook certificates; the newest
   * release (the chart's version is the release tag, hence the `v`).
   */
  certManager: {
    name: "cert-manager",
    version: "v1.21.1",
    repo: "https://charts.jetstack.io",
  },
  /** Linkerd's CRDs, at the pinned edge release (installed before the control plane). */
  linkerdCrds: { name: "linkerd-crds", ...LINKERD_EDGE },
  /** Linkerd's control plane, at the pinned edge release; its trust chain comes from cert-manager. */
  linkerdControlPlane: {
    name: "linkerd-control-plane",
    ...LINKERD_EDGE,
    appVersion: LINKERD_EDGE_TAG,
  },
  /** Linkerd viz (tap, its Prometheus), at the pinned edge release. */
  linkerdViz: { name: "linkerd-viz", ...LINKERD_EDGE, appVersion: LINKERD_EDGE_TAG },
  /**
   * The AWS Load Balancer Controller v3.5.0; `loadBalancerControllerPolicy.ts` is that release's
   * documented IAM policy, so the two move together.
   */
  loadBalancerController: {
    name: "aws-load-balancer-controller",
    version: "3.5.0",
    repo: "https://aws.github.io/eks-charts",
  },
  /** Argo Workflows v4.0.6, tagged 2026-06-25; installed namespaced (`singleNamespace`). */
  argoWorkflows: {
    name: "argo-workflows",
    version: "1.0.18",
    repo: "https://argoproj.github.io/argo-helm",
  },
  /**
   * Argo Events v1.9.10, tagged 2026-06-16. That release cannot authenticate to MSK
   * with IAM, which is why domain events reach it through the MSK-to-SQS bridge
   * (docs/workflows-events.md, "Kafka: why a bridge").
   */
  argoEvents: {
    name: "argo-events",
    version: "2.4.22",
    repo: "https://argoproj.github.io/argo-helm",
    appVersion: "v1.9.10",
  },
  /**
   * KEDA 2.20.2 (operator, metrics API server, admission webhooks and the keda.sh CRDs), which
   * scales the services that consume a queue on its depth (Microservice's ScaledObject).
   */
  keda: {
    name: "keda",
    version: "2.20.2",
    repo: "https://kedacore.github.io/charts",
    appVersion: "2.20.2",
  },
} as const satisfies Record<string, ChartPin>;

/** The code's name for a pinned chart. */
export type ChartKey = keyof typeof CHARTS;
