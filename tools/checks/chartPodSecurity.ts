/**
 * The chart values the project may hand to a pod's or a container's `securityContext`, reviewed
 * against each chart's template at the version `chartReviews.ts` records (the pinned version the
 * graph installs). The pods check reads a release's values at these paths as the chart renders
 * them; a value path that sets `runAsNonRoot`/`runAsUser` and is not listed here fails the check,
 * because nobody has read the template that says where it lands.
 */
import { reviewed, type ReviewedChart } from "./chartReviews";

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

/** A template rendering one pod from a pod-level value path and container-level ones. */
function pod(
  key: ReviewedChart,
  template: string,
  podPath: string | undefined,
  containerPaths: string[],
): ChartSecurityContextPath[] {
  const { chart, version } = reviewed(key);
  return [
    ...(podPath ? [{ chart, version, valuePath: podPath, level: "pod" as const, template }] : []),
    ...containerPaths.map((valuePath) => ({
      chart,
      version,
      valuePath,
      level: "container" as const,
      template,
    })),
  ];
}

/** Every reviewed pass-through, grouped by chart. */
export const CHART_SECURITY_CONTEXTS: ChartSecurityContextPath[] = [
  // prometheus-community/helm-charts @ prometheus-yet-another-cloudwatch-exporter-0.47.0,
  // charts/prometheus-yet-another-cloudwatch-exporter/templates/deployment.yaml lines 39-44:
  // `securityContext: {{ toYaml .Values.podSecurityContext }}` on the pod and
  // `securityContext: {{ toYaml .Values.securityContext }}` on the one container.
  ...(["pod", "container"] as const).map((level) => ({
    ...reviewed("yace"),
    valuePath: level === "pod" ? "podSecurityContext" : "securityContext",
    level,
    template: "charts/prometheus-yet-another-cloudwatch-exporter/templates/deployment.yaml",
    // prometheus-community/yet-another-cloudwatch-exporter @ v0.67.0 (the chart's appVersion),
    // Dockerfile line 13: `USER nobody`, a name (base image quay.io/prometheus/busybox).
    imageUser: "nobody",
  })),
  // jaegertracing/helm-charts @ jaeger-4.11.1,
  // charts/jaeger/templates/es-maintenance/es-index-cleaner-cronjob.yaml lines 42-47.
  {
    ...reviewed("jaeger"),
    valuePath: "esIndexCleaner.podSecurityContext",
    level: "pod",
    template: "charts/jaeger/templates/es-maintenance/es-index-cleaner-cronjob.yaml",
  },
  {
    ...reviewed("jaeger"),
    valuePath: "esIndexCleaner.securityContext",
    level: "container",
    template: "charts/jaeger/templates/es-maintenance/es-index-cleaner-cronjob.yaml",
  },
  // argoproj/argo-helm @ argo-events-2.4.22: `global.securityContext` is the pod securityContext
  // of both the controller (templates/argo-events-controller/deployment.yaml line 42) and the
  // webhook (templates/argo-events-webhook/deployment.yaml line 38); each container has its own.
  ...["argo-events-controller", "argo-events-webhook"].flatMap((workload) => [
    {
      ...reviewed("argoEvents"),
      valuePath: "global.securityContext",
      level: "pod" as const,
      template: `charts/argo-events/templates/${workload}/deployment.yaml`,
    },
    {
      ...reviewed("argoEvents"),
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
      ...reviewed("certManager"),
      valuePath: `${prefix}${level === "pod" ? "securityContext" : "containerSecurityContext"}`,
      level,
      template: `deploy/charts/cert-manager/templates/${file}`,
    })),
  ),
  // kubernetes-sigs/aws-load-balancer-controller @ v3.5.0,
  // helm/aws-load-balancer-controller/templates/deployment.yaml lines 57 (pod) and 236.
  ...pod(
    "loadBalancerController",
    "helm/aws-load-balancer-controller/templates/deployment.yaml",
    "podSecurityContext",
    ["securityContext"],
  ),
  // elastic/cloud-on-k8s @ v3.5.0, deploy/eck-operator/templates/statefulset.yaml lines 49 and 64.
  ...pod("eckOperator", "deploy/eck-operator/templates/statefulset.yaml", "podSecurityContext", [
    "securityContext",
  ]),
  // fluent/helm-charts @ fluent-bit-0.58.1, charts/fluent-bit/templates/_pod.tpl lines 13, 40, 109.
  ...pod("fluentBit", "charts/fluent-bit/templates/_pod.tpl", "podSecurityContext", [
    "securityContext",
    "hotReload.securityContext",
  ]),
  // open-telemetry/opentelemetry-helm-charts @ opentelemetry-collector-0.170.0,
  // charts/opentelemetry-collector/templates/_pod.tpl lines 9 and 51.
  ...pod(
    "otelCollector",
    "charts/opentelemetry-collector/templates/_pod.tpl",
    "podSecurityContext",
    ["securityContext"],
  ),
  // argoproj/argo-helm @ argo-workflows-1.0.18, charts/argo-workflows/templates/:
  // controller/workflow-controller-deployment.yaml lines 37 and 84, server/server-deployment.yaml
  // lines 41 and 58, crds-install-job.yaml lines 68 and 93; and the workflow pods' main and wait
  // containers through the controller's config (controller/workflow-controller-config-map.yaml
  // lines 46 and 62), whose pod level is each workflow's own securityContext.
  ...pod(
    "argoWorkflows",
    "charts/argo-workflows/templates/controller/workflow-controller-deployment.yaml",
    "controller.podSecurityContext",
    ["controller.securityContext"],
  ),
  ...pod(
    "argoWorkflows",
    "charts/argo-workflows/templates/server/server-deployment.yaml",
    "server.podSecurityContext",
    ["server.securityContext"],
  ),
  ...pod(
    "argoWorkflows",
    "charts/argo-workflows/templates/crds-install-job.yaml",
    "crds.upgradeJob.podSecurityContext",
    ["crds.upgradeJob.securityContext"],
  ),
  ...pod(
    "argoWorkflows",
    "charts/argo-workflows/templates/controller/workflow-controller-config-map.yaml",
    undefined,
    ["mainContainer.securityContext", "executor.securityContext"],
  ),
  // kedacore/charts @ v2.20.2, keda/templates/: manager/deployment.yaml lines 58-62 (pod) and
  // 66-70, metrics-server/deployment.yaml lines 58-62 and 66-70, webhooks/deployment.yaml lines
  // 56-60 and 64-68: each takes `<podSecurityContext|securityContext>.<component>` when set, else
  // the whole map. The images run as 65532 (kedacore/keda @ v2.20.2 Dockerfile: `USER 65532:65532`).
  ...(
    [
      ["operator", "manager/deployment.yaml"],
      ["metricServer", "metrics-server/deployment.yaml"],
      ["webhooks", "webhooks/deployment.yaml"],
    ] as const
  ).flatMap(([component, file]) =>
    pod("keda", `keda/templates/${file}`, `podSecurityContext.${component}`, [
      `securityContext.${component}`,
    ]),
  ),
  // jaegertracing/helm-charts @ jaeger-4.11.1, charts/jaeger/templates/: jaeger/jaeger-deploy.yaml
  // lines 125 (pod) and 49, es-maintenance/es-lookback-cronjob.yaml lines 43 and 61,
  // es-maintenance/es-rollover-cronjob.yaml lines 43 and 60 (and es-rollover-hook.yml lines 35 and
  // 49, same values), spark/spark-dependencies.yaml lines 42 and 83.
  ...pod(
    "jaeger",
    "charts/jaeger/templates/jaeger/jaeger-deploy.yaml",
    "jaeger.podSecurityContext",
    ["jaeger.securityContext"],
  ),
  ...[
    ["esLookback", "es-maintenance/es-lookback-cronjob.yaml"],
    ["esRollover", "es-maintenance/es-rollover-cronjob.yaml"],
    ["esRollover", "es-maintenance/es-rollover-hook.yml"],
    ["spark", "spark/spark-dependencies.yaml"],
  ].flatMap(([key, file]) =>
    pod("jaeger", `charts/jaeger/templates/${file}`, `${key}.podSecurityContext`, [
      `${key}.securityContext`,
    ]),
  ),
  // linkerd/linkerd2 @ edge-26.8.3: the control plane's own pods have fixed securityContexts; the
  // values reach only the proxy container of every meshed pod (charts/partials/templates/_proxy.tpl
  // lines 282-283) and the network validator (charts/partials/templates/_network-validator.tpl
  // lines 8-9). linkerd-viz and linkerd-crds pass no securityContext value through.
  ...pod("linkerdControlPlane", "charts/partials/templates/_proxy.tpl", undefined, [
    "proxy.securityContext",
  ]),
  ...pod("linkerdControlPlane", "charts/partials/templates/_network-validator.tpl", undefined, [
    "networkValidator.securityContext",
  ]),
  // prometheus-community/helm-charts @ kube-prometheus-stack-88.5.3,
  // charts/kube-prometheus-stack/templates/: the Alertmanager, Prometheus and ThanosRuler
  // resources' spec.securityContext, which the operator makes the pod's (alertmanager/
  // alertmanager.yaml line 103, prometheus/prometheus.yaml line 261, thanos-ruler/ruler.yaml line
  // 115); prometheus-operator/deployment.yaml lines 180 and 233; admission-webhooks/deployment/
  // deployment.yaml lines 110 and 128; the patch Jobs (job-createSecret.yaml line 72,
  // job-patchWebhook.yaml line 81).
  ...[
    ["alertmanager.alertmanagerSpec.securityContext", "alertmanager/alertmanager.yaml"],
    ["prometheus.prometheusSpec.securityContext", "prometheus/prometheus.yaml"],
    ["thanosRuler.thanosRulerSpec.securityContext", "thanos-ruler/ruler.yaml"],
    [
      "prometheusOperator.admissionWebhooks.patch.securityContext",
      "prometheus-operator/admission-webhooks/job-patch/job-createSecret.yaml",
    ],
    [
      "prometheusOperator.admissionWebhooks.patch.securityContext",
      "prometheus-operator/admission-webhooks/job-patch/job-patchWebhook.yaml",
    ],
  ].flatMap(([valuePath, file]) => pod("kubePrometheusStack", `templates/${file}`, valuePath, [])),
  ...pod(
    "kubePrometheusStack",
    "templates/prometheus-operator/deployment.yaml",
    "prometheusOperator.securityContext",
    ["prometheusOperator.containerSecurityContext"],
  ),
  ...pod(
    "kubePrometheusStack",
    "templates/prometheus-operator/admission-webhooks/deployment/deployment.yaml",
    "prometheusOperator.admissionWebhooks.deployment.securityContext",
    ["prometheusOperator.admissionWebhooks.deployment.containerSecurityContext"],
  ),
  // Its subcharts: prometheus-community/helm-charts @ kube-state-metrics-8.4.0,
  // charts/kube-state-metrics/templates/deployment.yaml lines 52 (pod, without its `enabled` key)
  // and 254 (kubeRBACProxy lines 295, 336); @ prometheus-node-exporter-4.56.1,
  // charts/prometheus-node-exporter/templates/daemonset.yaml lines 34, 115, 59 and 308;
  // grafana-community/helm-charts @ grafana-12.11.1, charts/grafana/templates/_pod.tpl lines 13
  // (pod), 1265, 49, 94 and 204.
  ...pod(
    "kubePrometheusStack",
    "charts/kube-state-metrics/templates/deployment.yaml",
    "kube-state-metrics.securityContext",
    [
      "kube-state-metrics.containerSecurityContext",
      "kube-state-metrics.kubeRBACProxy.containerSecurityContext",
    ],
  ),
  ...pod(
    "kubePrometheusStack",
    "charts/prometheus-node-exporter/templates/daemonset.yaml",
    "prometheus-node-exporter.securityContext",
    [
      "prometheus-node-exporter.containerSecurityContext",
      "prometheus-node-exporter.permissionInitContainer.securityContext",
      "prometheus-node-exporter.kubeRBACProxy.containerSecurityContext",
    ],
  ),
  ...pod("kubePrometheusStack", "charts/grafana/templates/_pod.tpl", "grafana.securityContext", [
    "grafana.containerSecurityContext",
    "grafana.initChownData.securityContext",
    "grafana.downloadDashboards.securityContext",
    "grafana.sidecar.securityContext",
  ]),
];

/** A chart the project installs whose templates take no securityContext from values (reviewed). */
export interface ChartWithoutSecurityContextValues {
  chart: string;
  version: string;
  /** What the templates do instead, with the source. */
  why: string;
}

/** The installed charts reviewed and found to pass no securityContext value through. */
export const CHARTS_WITHOUT_SECURITY_CONTEXT_VALUES: ChartWithoutSecurityContextValues[] = [
  {
    ...reviewed("linkerdCrds"),
    why: "CRDs only, no pods (linkerd/linkerd2 @ edge-26.8.3 charts/linkerd-crds/templates)",
  },
  {
    ...reviewed("linkerdViz"),
    why: "fixed securityContexts whose runAsUser is `<component>.UID | default defaultUID`, numeric by default (linkerd/linkerd2 @ edge-26.8.3 viz/charts/linkerd-viz/templates/tap.yaml line 134 and the others)",
  },
];
