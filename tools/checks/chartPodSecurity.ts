/**
 * The chart values the project may hand to a pod's or a container's `securityContext`, reviewed
 * against each chart's template at the pinned version (the version the graph installs). The pods
 * check reads a release's values at these paths as the chart renders them; a value path that sets
 * `runAsNonRoot`/`runAsUser` and is not listed here fails the check, because nobody has read the
 * template that says where it lands.
 */

/** One value path a chart copies verbatim into a rendered `securityContext`. */
export interface ChartSecurityContextPath {
  /** The chart name as the Release names it. */
  chart: string;
  /** The chart version the template was read at; a release of another version fails the check. */
  version: string;
  /** Dotted path in the chart's values (`securityContext`, `controller.containerSecurityContext`). */
  valuePath: string;
  /** Whether the template puts it in the pod's or in a container's `securityContext`. */
  level: "pod" | "container";
  /** The file in the chart, at `version`, that renders it (paths sharing it describe one pod). */
  template: string;
  /** The image's default user where it is a name, which `runAsNonRoot` alone cannot admit. */
  imageUser?: string;
}

/** Every reviewed pass-through, grouped by chart. */
export const CHART_SECURITY_CONTEXTS: ChartSecurityContextPath[] = [
  // prometheus-community/helm-charts @ prometheus-yet-another-cloudwatch-exporter-0.47.0,
  // charts/prometheus-yet-another-cloudwatch-exporter/templates/deployment.yaml lines 39-44:
  // `securityContext: {{ toYaml .Values.podSecurityContext }}` on the pod and
  // `securityContext: {{ toYaml .Values.securityContext }}` on the one container.
  ...(["pod", "container"] as const).map((level) => ({
    chart: "prometheus-yet-another-cloudwatch-exporter",
    version: "0.47.0",
    valuePath: level === "pod" ? "podSecurityContext" : "securityContext",
    level,
    template: "charts/prometheus-yet-another-cloudwatch-exporter/templates/deployment.yaml",
    // prometheus-community/yet-another-cloudwatch-exporter Dockerfile: `USER exporter:exporter`
    // (a name; the image is FROM scratch with an /etc/passwd entry for uid 10001).
    imageUser: "exporter",
  })),
  // jaegertracing/helm-charts @ jaeger-4.11.1,
  // charts/jaeger/templates/es-maintenance/es-index-cleaner-cronjob.yaml lines 42-47.
  {
    chart: "jaeger",
    version: "4.11.1",
    valuePath: "esIndexCleaner.podSecurityContext",
    level: "pod",
    template: "charts/jaeger/templates/es-maintenance/es-index-cleaner-cronjob.yaml",
  },
  {
    chart: "jaeger",
    version: "4.11.1",
    valuePath: "esIndexCleaner.securityContext",
    level: "container",
    template: "charts/jaeger/templates/es-maintenance/es-index-cleaner-cronjob.yaml",
  },
  // argoproj/argo-helm @ argo-events-2.4.22: `global.securityContext` is the pod securityContext
  // of both the controller (templates/argo-events-controller/deployment.yaml line 42) and the
  // webhook (templates/argo-events-webhook/deployment.yaml line 38); each container has its own.
  ...["argo-events-controller", "argo-events-webhook"].flatMap((workload) => [
    {
      chart: "argo-events",
      version: "2.4.22",
      valuePath: "global.securityContext",
      level: "pod" as const,
      template: `charts/argo-events/templates/${workload}/deployment.yaml`,
    },
    {
      chart: "argo-events",
      version: "2.4.22",
      valuePath: `${workload === "argo-events-controller" ? "controller" : "webhook"}.containerSecurityContext`,
      level: "container" as const,
      template: `charts/argo-events/templates/${workload}/deployment.yaml`,
    },
  ]),
  // cert-manager/cert-manager @ v1.21.1, deploy/charts/cert-manager/templates/: deployment.yaml
  // lines 72 and 165, cainjector-deployment.yaml lines 73 and 124, webhook-deployment.yaml lines
  // 72 and 169 (`{{- with .Values.<x>securityContext }}`).
  ...[
    ["", "deployment.yaml"],
    ["cainjector.", "cainjector-deployment.yaml"],
    ["webhook.", "webhook-deployment.yaml"],
  ].flatMap(([prefix, file]) =>
    (["pod", "container"] as const).map((level) => ({
      chart: "cert-manager",
      version: "v1.21.1",
      valuePath: `${prefix}${level === "pod" ? "securityContext" : "containerSecurityContext"}`,
      level,
      template: `deploy/charts/cert-manager/templates/${file}`,
    })),
  ),
];
