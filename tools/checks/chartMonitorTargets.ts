/**
 * The pods (and Services) that charts, and controllers that charts install, create outside the
 * graph and that the project's ServiceMonitors and PodMonitors select: their labels and named ports,
 * read from the template at the version `chartReviews.ts` records (the pinned one). The monitors
 * check matches a monitor against these as against the graph's own workloads; a monitor that
 * selects neither fails.
 */
import { reviewed } from "./chartReviews";

/** One workload a chart renders, as a monitor sees it. */
export interface ChartMonitorTarget {
  /** The chart name as the Release names it; the entry applies only where that chart is installed. */
  chart: string;
  /** The chart version the template was read at; a release of another version fails the check. */
  version: string;
  /** `pod` for PodMonitors (container ports), `service` for ServiceMonitors (Service ports). */
  kind: "pod" | "service";
  /** The workload's name, for messages. */
  workload: string;
  /** `*` for every namespace (injected or controller-made pods); default: the release's namespace. */
  namespace?: "*";
  /** Pod (or Service) labels; `{release}` and `{namespace}` stand for the release's name and namespace. */
  labels: Record<string, string>;
  /** The port names the template declares (container ports, or the Service's ports). */
  ports: string[];
  /** The file (at `version`) that declares the labels and ports. */
  template: string;
}

// The Linkerd proxy container every injected pod gets (linkerd/linkerd2 @ edge-26.8.3,
// charts/partials/templates/_proxy.tpl lines 259-262: `linkerd-proxy` and `linkerd-admin`).
const LINKERD_PROXY_PORTS = ["linkerd-proxy", "linkerd-admin"];

/** Every reviewed chart-made target. */
export const CHART_MONITOR_TARGETS: ChartMonitorTarget[] = [
  // linkerd/linkerd2 @ edge-26.8.3 (chart linkerd-control-plane 2026.8.3), pod labels at
  // destination.yaml lines 169-171, identity.yaml line 142, proxy-injector.yaml line 49; each pod is
  // itself meshed (`partials.proxy`), so it also has the proxy's ports.
  {
    ...reviewed("linkerdControlPlane"),
    kind: "pod",
    workload: "linkerd-destination",
    labels: {
      "linkerd.io/control-plane-component": "destination",
      "linkerd.io/control-plane-ns": "{namespace}",
    },
    // destination.yaml lines 247-382 (containers destination, sp-validator, policy).
    ports: [
      "dest-grpc",
      "dest-admin",
      "sp-validator",
      "spval-admin",
      "policy-grpc",
      "policy-admin",
      "policy-https",
      ...LINKERD_PROXY_PORTS,
    ],
    template: "charts/linkerd-control-plane/templates/destination.yaml",
  },
  {
    ...reviewed("linkerdControlPlane"),
    kind: "pod",
    workload: "linkerd-identity",
    labels: {
      "linkerd.io/control-plane-component": "identity",
      "linkerd.io/control-plane-ns": "{namespace}",
    },
    // identity.yaml lines 195-198.
    ports: ["ident-grpc", "ident-admin", ...LINKERD_PROXY_PORTS],
    template: "charts/linkerd-control-plane/templates/identity.yaml",
  },
  {
    ...reviewed("linkerdControlPlane"),
    kind: "pod",
    workload: "linkerd-proxy-injector",
    labels: {
      "linkerd.io/control-plane-component": "proxy-injector",
      "linkerd.io/control-plane-ns": "{namespace}",
    },
    // proxy-injector.yaml lines 109-112.
    ports: ["proxy-injector", "injector-admin", ...LINKERD_PROXY_PORTS],
    template: "charts/linkerd-control-plane/templates/proxy-injector.yaml",
  },
  {
    // Every pod the injector meshes, in any namespace: it labels them
    // `linkerd.io/control-plane-ns: <control plane namespace>` (pkg/inject/inject.go line 640).
    ...reviewed("linkerdControlPlane"),
    kind: "pod",
    workload: "meshed pods",
    namespace: "*",
    labels: { "linkerd.io/control-plane-ns": "{namespace}" },
    ports: LINKERD_PROXY_PORTS,
    template: "charts/partials/templates/_proxy.tpl",
  },
  // cert-manager/cert-manager @ v1.21.1, deploy/charts/cert-manager/templates/: pod labels
  // app.kubernetes.io/instance: {{ .Release.Name }} and component; metrics port `http-metrics`
  // (deployment.yaml lines 159-163, cainjector-deployment.yaml line 113, webhook-deployment.yaml
  // lines 128-146; prometheus.enabled defaults to true).
  ...(
    [
      ["controller", "deployment.yaml", ["http-metrics", "http-healthz"]],
      ["cainjector", "cainjector-deployment.yaml", ["http-metrics"]],
      ["webhook", "webhook-deployment.yaml", ["https", "healthcheck", "http-metrics"]],
    ] as const
  ).map(([component, file, ports]) => ({
    ...reviewed("certManager"),
    kind: "pod" as const,
    workload: `cert-manager ${component}`,
    labels: { "app.kubernetes.io/instance": "{release}", "app.kubernetes.io/component": component },
    ports: [...ports],
    template: `deploy/charts/cert-manager/templates/${file}`,
  })),
  // kedacore/charts @ v2.20.2, keda/templates/{manager,metrics-server,webhooks}/deployment.yaml:
  // pod label `app` (lines 28, 28, 29) and the `metrics` container port (manager lines 145-148 and
  // webhooks lines 117-120, rendered with `prometheus.<workload>.enabled`, which kedaValues sets;
  // metrics-server lines 154-156, always). Plus each one's other ports.
  ...(
    [
      ["keda-operator", "manager", ["metrics", "metricsservice"]],
      ["keda-operator-metrics-apiserver", "metrics-server", ["https", "metrics"]],
      ["keda-admission-webhooks", "webhooks", ["http", "metrics"]],
    ] as const
  ).map(([app, dir, ports]) => ({
    ...reviewed("keda"),
    kind: "pod" as const,
    workload: app,
    labels: { app },
    ports: [...ports],
    template: `keda/templates/${dir}/deployment.yaml`,
  })),
  // fluent/helm-charts @ fluent-bit-0.58.1, charts/fluent-bit/templates/: the DaemonSet's pod
  // labels (daemonset.yaml line 30, `fluent-bit.selectorLabels` at _helpers.tpl lines 49-52, the
  // name being the chart's without nameOverride, lines 5-7) and its one container port, `http`
  // on metricsPort (_pod.tpl lines 71-74), where the chart's [SERVICE] serves the metrics.
  {
    ...reviewed("fluentBit"),
    kind: "pod",
    workload: "fluent-bit",
    labels: { "app.kubernetes.io/name": "fluent-bit", "app.kubernetes.io/instance": "{release}" },
    ports: ["http"],
    template: "charts/fluent-bit/templates/_pod.tpl",
  },
  // The EventSource and Sensor pods the argo-events controller (chart argo-events 2.4.22,
  // appVersion v1.9.10) creates in the objects' namespaces: argoproj/argo-events @ v1.9.10,
  // pkg/reconciler/eventsource/controller.go line 90 and pkg/reconciler/sensor/controller.go line
  // 126 (label `controller`), resource.go (container port `metrics`, 7777).
  ...(["eventsource", "sensor"] as const).map((what) => ({
    ...reviewed("argoEvents"),
    kind: "pod" as const,
    workload: `argo-events ${what} pods`,
    namespace: "*" as const,
    labels: { controller: `${what}-controller` },
    ports: ["metrics"],
    template: `argoproj/argo-events v1.9.10 pkg/reconciler/${what}/resource.go`,
  })),
];
