/**
 * The reviewed table of kube-prometheus-stack's default rule groups (`defaultRules.rules.*` in the
 * pinned chart's values.yaml): which the platform keeps on EKS and which it turns off, and why.
 *
 * The chart's rule files are not in the shared catalog and fetched chart code is never committed,
 * so promtool cannot evaluate them offline; this table is their review instead. Each entry cites
 * the template of kube-prometheus-stack 88.5.3 (prometheus-community/helm-charts, tag
 * `kube-prometheus-stack-88.5.3`, `charts/kube-prometheus-stack/templates/prometheus/rules-1.14/`)
 * and what it scrapes or alerts on. Every template is gated by `.Values.defaultRules.create` and
 * its `.Values.defaultRules.rules.<key>`; some also by their scrape component's `.enabled`.
 *
 * `chartDefaultRules.test.ts` fails when the pinned values.yaml gains a key this table does not
 * classify, and when the Release's values disable anything but exactly the `keep: false` keys.
 */

/** How one `defaultRules.rules.<key>` is handled on EKS. */
export interface ChartRuleGroupReview {
  /** True: the chart's default rules stay on. False: the Release sets the key to false. */
  keep: boolean;
  /** The template(s) the key gates, at the pinned chart version. */
  template: string;
  /** What the rules read or alert on, and why that holds (or cannot) on EKS. */
  why: string;
}

/**
 * The chart's scrape components for control-plane parts EKS does not expose, turned off in the
 * Release: each one's ServiceMonitor (templates/exporters/<name>/servicemonitor.yaml, gated by
 * `.Values.<key>.enabled`) would find no target, and the rule file it gates would page forever.
 */
export const EKS_UNSCRAPEABLE_COMPONENTS = {
  // EKS runs the controller manager, scheduler and etcd in the AWS-managed control plane: there are
  // no such pods in kube-system and their metrics ports are unreachable from the data plane, so
  // `absent(up{job="kube-controller-manager"})` (KubeControllerManagerDown, critical) and
  // `absent(up{job="kube-scheduler"})` (KubeSchedulerDown, critical) fire from day one.
  kubeControllerManager: "managed by EKS: no pod, metrics port unreachable from the nodes",
  kubeScheduler: "managed by EKS: no pod, metrics port unreachable from the nodes",
  kubeEtcd: "managed by EKS: etcd is not reachable from the cluster at all",
  // The EKS kube-proxy add-on's config leaves `metricsBindAddress` at kube-proxy's default
  // 127.0.0.1:10249, so Prometheus's scrape of <node>:10249 is refused (prometheus-community/
  // helm-charts#977 on EKS; terraform-aws-modules/terraform-aws-eks#731) and
  // `absent(up{job="kube-proxy"})` (KubeProxyDown, critical) never clears. The add-on's
  // configuration values offer no way to rebind it.
  kubeProxy: "EKS kube-proxy serves metrics on 127.0.0.1:10249 only: unreachable from Prometheus",
} as const;

const R = "templates/prometheus/rules-1.14";

/** Every `defaultRules.rules.*` key of kube-prometheus-stack 88.5.3, reviewed for EKS. */
export const CHART_DEFAULT_RULES: Readonly<Record<string, ChartRuleGroupReview>> = {
  alertmanager: {
    keep: true,
    template: `${R}/alertmanager.rules.yaml`,
    why: "alerts on the chart's own Alertmanager (config reload, notification failures), which runs in the cluster",
  },
  etcd: {
    keep: false,
    template: `${R}/etcd.yaml (also gated by .Values.kubeEtcd.enabled)`,
    why: "etcd is inside the EKS-managed control plane; etcdInsufficientMembers/etcdNoLeader (critical) would read series that never exist",
  },
  configReloaders: {
    keep: true,
    template: `${R}/config-reloaders.yaml`,
    why: "alerts on the operator's config-reloader sidecars in the Prometheus and Alertmanager pods",
  },
  general: {
    keep: true,
    template: `${R}/general.rules.yaml`,
    why: "TargetDown (warning) over every scrape job, Watchdog (severity none, the heartbeat) and InfoInhibitor",
  },
  k8sContainerCpuUsageSecondsTotal: {
    keep: true,
    template: `${R}/k8s.rules.container_cpu_usage_seconds_total.yaml`,
    why: "recording rules over the kubelet's cAdvisor metrics, which EKS nodes serve",
  },
  k8sContainerMemoryCache: {
    keep: true,
    template: `${R}/k8s.rules.container_memory_cache.yaml`,
    why: "recording rules over cAdvisor metrics",
  },
  k8sContainerMemoryRss: {
    keep: true,
    template: `${R}/k8s.rules.container_memory_rss.yaml`,
    why: "recording rules over cAdvisor metrics",
  },
  k8sContainerMemorySwap: {
    keep: true,
    template: `${R}/k8s.rules.container_memory_swap.yaml`,
    why: "recording rules over cAdvisor metrics",
  },
  k8sContainerResource: {
    keep: true,
    template: `${R}/k8s.rules.container_resource.yaml`,
    why: "recording rules over kube-state-metrics requests/limits",
  },
  k8sContainerMemoryWorkingSetBytes: {
    keep: true,
    template: `${R}/k8s.rules.container_memory_working_set_bytes.yaml`,
    why: "recording rules over cAdvisor metrics",
  },
  k8sPodOwner: {
    keep: true,
    template: `${R}/k8s.rules.pod_owner.yaml`,
    why: "recording rules over kube-state-metrics ownership series",
  },
  kubeApiserverAvailability: {
    keep: true,
    template: `${R}/kube-apiserver-availability.rules.yaml (also gated by .Values.kubeApiServer.enabled)`,
    why: "EKS serves the API server's /metrics through the default `kubernetes` Service the chart's apiserver ServiceMonitor scrapes",
  },
  kubeApiserverBurnrate: {
    keep: true,
    template: `${R}/kube-apiserver-burnrate.rules.yaml (also gated by .Values.kubeApiServer.enabled)`,
    why: "recording rules over the API server's request metrics, available on EKS",
  },
  kubeApiserverHistogram: {
    keep: true,
    template: `${R}/kube-apiserver-histogram.rules.yaml (also gated by .Values.kubeApiServer.enabled)`,
    why: "recording rules over the API server's latency histograms, available on EKS",
  },
  kubeApiserverSlos: {
    keep: true,
    template: `${R}/kube-apiserver-slos.yaml (also gated by .Values.kubeApiServer.enabled)`,
    why: "KubeAPIErrorBudgetBurn over the API server's request metrics, available on EKS",
  },
  kubeControllerManager: {
    keep: false,
    template: `${R}/kubernetes-system-controller-manager.yaml (also gated by .Values.kubeControllerManager.enabled)`,
    why: 'KubeControllerManagerDown is absent(up{job="kube-controller-manager"}) at critical: EKS exposes no controller-manager target',
  },
  kubelet: {
    keep: true,
    template: `${R}/kubelet.rules.yaml (also gated by .Values.kubelet.enabled)`,
    why: "recording rules over the kubelet's metrics, which EKS nodes serve",
  },
  kubeProxy: {
    keep: false,
    template: `${R}/kubernetes-system-kube-proxy.yaml (also gated by .Values.kubeProxy.enabled)`,
    why: 'KubeProxyDown is absent(up{job="kube-proxy"}) at critical: EKS kube-proxy binds metrics to 127.0.0.1',
  },
  kubePrometheusGeneral: {
    keep: true,
    template: `${R}/kube-prometheus-general.rules.yaml`,
    why: "recording rules counting up/down targets",
  },
  kubePrometheusNodeRecording: {
    keep: true,
    template: `${R}/kube-prometheus-node-recording.rules.yaml`,
    why: "recording rules over node-exporter, which the chart deploys",
  },
  kubernetesApps: {
    keep: true,
    template: `${R}/kubernetes-apps.yaml`,
    why: "workload alerts (crash loops, rollouts) over kube-state-metrics, which the chart deploys",
  },
  kubernetesResources: {
    keep: true,
    template: `${R}/kubernetes-resources.yaml`,
    why: "quota and overcommit alerts over kube-state-metrics",
  },
  kubernetesStorage: {
    keep: true,
    template: `${R}/kubernetes-storage.yaml`,
    why: "persistent-volume alerts over the kubelet's volume stats",
  },
  kubernetesSystem: {
    keep: true,
    template: `${R}/kubernetes-system.yaml, kubernetes-system-apiserver.yaml, kubernetes-system-kubelet.yaml`,
    why: "KubeAPIDown/KubeletDown are absent(up{job=apiserver|kubelet}): both jobs are scraped on EKS",
  },
  kubeSchedulerAlerting: {
    keep: false,
    template: `${R}/kubernetes-system-scheduler.yaml (also gated by .Values.kubeScheduler.enabled)`,
    why: 'KubeSchedulerDown is absent(up{job="kube-scheduler"}) at critical: EKS exposes no scheduler target',
  },
  kubeSchedulerRecording: {
    keep: false,
    template: `${R}/kube-scheduler.rules.yaml (also gated by .Values.kubeScheduler.enabled)`,
    why: "recording rules over scheduler metrics that never exist on EKS",
  },
  kubeStateMetrics: {
    keep: true,
    template: `${R}/kube-state-metrics.yaml`,
    why: "alerts on kube-state-metrics itself, which the chart deploys",
  },
  network: {
    keep: true,
    template: `${R}/node-network.yaml`,
    why: "NodeNetworkInterfaceFlapping over node-exporter",
  },
  node: {
    keep: true,
    template: `${R}/node.rules.yaml`,
    why: "recording rules over node-exporter and kube-state-metrics",
  },
  nodeExporterAlerting: {
    keep: true,
    template: `${R}/node-exporter.yaml`,
    why: "disk, memory, clock alerts over node-exporter, which runs on every node",
  },
  nodeExporterRecording: {
    keep: true,
    template: `${R}/node-exporter.rules.yaml`,
    why: "recording rules over node-exporter",
  },
  prometheus: {
    keep: true,
    template: `${R}/prometheus.yaml`,
    why: "alerts on the Prometheus servers themselves",
  },
  prometheusOperator: {
    keep: true,
    template: `${R}/prometheus-operator.yaml`,
    why: "alerts on the operator, which the chart deploys",
  },
  windows: {
    keep: false,
    template: `${R}/windows.node.rules.yaml, windows.pod.rules.yaml (also gated by .Values.windowsMonitoring.enabled)`,
    why: "the platform runs no Windows nodes; off explicitly so enabling windowsMonitoring cannot add rules over absent exporters",
  },
};

/** The `defaultRules.rules` value the Release sets: false for each key the table turns off. */
export function chartDefaultRulesValues(): Record<string, false> {
  return Object.fromEntries(
    Object.entries(CHART_DEFAULT_RULES)
      .filter(([, review]) => !review.keep)
      .map(([key]) => [key, false as const]),
  );
}

/** The Release's values turning off {@link EKS_UNSCRAPEABLE_COMPONENTS}. */
export function eksUnscrapeableComponentValues(): Record<
  keyof typeof EKS_UNSCRAPEABLE_COMPONENTS,
  { enabled: false }
> {
  return Object.fromEntries(
    Object.keys(EKS_UNSCRAPEABLE_COMPONENTS).map((key) => [key, { enabled: false as const }]),
  ) as Record<keyof typeof EKS_UNSCRAPEABLE_COMPONENTS, { enabled: false }>;
}
