/**
 * The monitors check: every ServiceMonitor endpoint's `port` names a port of a Service it selects,
 * and every PodMonitor endpoint's `port` a container port of a pod it selects. Prometheus Operator
 * keeps only targets whose port name equals the endpoint's (`__meta_kubernetes_*_port_name`), so a
 * wrong name is no error anywhere: the target silently vanishes and its alerts go blind.
 *
 * Targets are the graph's Services and pod templates plus the reviewed chart-made targets in
 * chartMonitorTargets.ts; a monitor that selects none of them fails too.
 */
import { revealSecrets } from "../stackExport";
import { CHART_MONITOR_TARGETS, type ChartMonitorTarget } from "./chartMonitorTargets";
import type { CrossCheck, CrossCheckResult } from "./crossResource";
import type { CheckedResource } from "./graph";

type Obj = Record<string, unknown>;

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

function obj(value: unknown): Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Obj) : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function labelsOf(value: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(obj(value)).map(([k, v]) => [k, String(v)]));
}

/** Something a monitor can select: a Service (ServiceMonitor) or a pod template (PodMonitor). */
interface Target {
  kind: "pod" | "service";
  /** `*`: any namespace. */
  namespace: string;
  labels: Record<string, string>;
  ports: string[];
  /** The URN or the chart template, for messages. */
  source: string;
}

/** A Kubernetes label selector (`matchLabels`, `matchExpressions`); empty selects everything. */
export function selects(selector: unknown, labels: Record<string, string>): boolean {
  const s = obj(selector);
  for (const [k, v] of Object.entries(labelsOf(s.matchLabels))) {
    if (labels[k] !== v) return false;
  }
  for (const e of list(s.matchExpressions)) {
    const { key, operator, values } = obj(e);
    const has = String(key) in labels;
    const value = labels[String(key)];
    const among = list(values).map(String);
    switch (operator) {
      case "In":
        if (!has || !among.includes(value)) return false;
        break;
      case "NotIn":
        if (has && among.includes(value)) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

const POD_TEMPLATE: Record<string, (spec: Obj) => Obj> = {
  Deployment: (spec) => obj(spec.template),
  StatefulSet: (spec) => obj(spec.template),
  DaemonSet: (spec) => obj(spec.template),
  ReplicaSet: (spec) => obj(spec.template),
  Job: (spec) => obj(spec.template),
  CronJob: (spec) => obj(obj(obj(spec.jobTemplate).spec).template),
};

/**
 * The pods ECK makes from a resource of the graph (the eck-operator chart's version,
 * REVIEWED_AT.eckOperator in chartReviews.ts): its identity labels over the podTemplate's own
 * labels, and the operator's container ports beside the podTemplate containers' ports.
 * Logstash: elastic/cloud-on-k8s @ v3.5.0, pkg/apis/logstash/v1alpha1/labels.go lines 13-25
 * (`GetPodIdentityLabels`, `Name` is `<name>-ls`) and pkg/controller/logstash/pod.go line 141
 * (`http`, 9600, on the `logstash` container).
 */
const ECK_PODS: Record<
  string,
  (name: string) => { labels: Record<string, string>; ports: string[] }
> = {
  "logstash.k8s.elastic.co/Logstash": (name) => ({
    labels: {
      "common.k8s.elastic.co/type": "logstash",
      "logstash.k8s.elastic.co/name": name,
      "logstash.k8s.elastic.co/statefulset-name": `${name}-ls`,
    },
    ports: ["http"],
  }),
};

/**
 * The PodMonitor target a pod template makes: its labels, and the named ports of its containers
 * (native sidecars are init containers with ports), plus what an operator adds (`made`).
 */
function podTarget(
  template: Obj,
  namespace: string,
  source: string,
  made: { labels: Record<string, string>; ports: string[] } = { labels: {}, ports: [] },
): Target {
  const podSpec = obj(template.spec);
  const containers = [...list(podSpec.containers), ...list(podSpec.initContainers)];
  return {
    kind: "pod",
    namespace,
    labels: { ...labelsOf(obj(template.metadata).labels), ...made.labels },
    ports: [
      ...made.ports,
      ...containers.flatMap((c) => list(obj(c).ports).map((p) => String(obj(p).name ?? ""))),
    ],
    source,
  };
}

function graphTargets(resources: CheckedResource[]): Target[] {
  const targets: Target[] = [];
  for (const r of resources) {
    if (!r.type.startsWith("kubernetes:") || r.type === HELM_RELEASE) continue;
    const m = obj(revealSecrets(r.inputs));
    const meta = obj(m.metadata);
    const namespace = String(meta.namespace ?? "default");
    const spec = obj(m.spec);
    if (m.apiVersion === "v1" && m.kind === "Service") {
      targets.push({
        kind: "service",
        namespace,
        labels: labelsOf(meta.labels),
        ports: list(spec.ports).map((p) => String(obj(p).name ?? "")),
        source: r.urn,
      });
      continue;
    }
    const eck = ECK_PODS[`${String(m.apiVersion).split("/")[0]}/${String(m.kind)}`];
    if (eck) {
      targets.push(
        podTarget(obj(spec.podTemplate), namespace, r.urn, eck(String(meta.name ?? ""))),
      );
      continue;
    }
    let template: Obj | undefined;
    if (m.apiVersion === "v1" && m.kind === "Pod") template = m;
    else if (POD_TEMPLATE[String(m.kind)]) template = POD_TEMPLATE[String(m.kind)](spec);
    if (template) targets.push(podTarget(template, namespace, r.urn));
  }
  return targets;
}

function chartTargets(
  resources: CheckedResource[],
  table: readonly ChartMonitorTarget[],
  errors: string[],
): Target[] {
  const targets: Target[] = [];
  const releases = resources
    .filter((r) => r.type === HELM_RELEASE)
    .map((r) => ({ urn: r.urn, inputs: obj(revealSecrets(r.inputs)) }));
  for (const chart of new Set(table.map((t) => t.chart))) {
    const rows = table.filter((t) => t.chart === chart);
    for (const release of releases.filter((r) => r.inputs.chart === chart)) {
      const version = String(release.inputs.version ?? "");
      const name = String(release.inputs.name ?? "");
      const namespace = String(release.inputs.namespace ?? "default");
      const reviewed = rows.filter((t) => t.version === version);
      if (reviewed.length === 0) {
        errors.push(
          `${release.urn}: the reviewed monitor-target table has ${chart} at ${[...new Set(rows.map((t) => t.version))].join(", ")} but the release installs ${version}; re-read the templates at ${version}, update tools/checks/chartMonitorTargets.ts and the version in tools/checks/chartReviews.ts`,
        );
        continue;
      }
      const fill = (v: string): string =>
        v.replaceAll("{release}", name).replaceAll("{namespace}", namespace);
      for (const t of reviewed) {
        targets.push({
          kind: t.kind,
          namespace: t.namespace ?? namespace,
          labels: Object.fromEntries(Object.entries(t.labels).map(([k, v]) => [k, fill(v)])),
          ports: t.ports,
          source: `${t.workload} (${chart} ${version} ${t.template})`,
        });
      }
    }
  }
  return targets;
}

function namespacesMatch(namespaceSelector: unknown, own: string, target: string): boolean {
  const ns = obj(namespaceSelector);
  if (ns.any === true || target === "*") return true;
  const names = list(ns.matchNames).map(String);
  return names.length > 0 ? names.includes(target) : target === own;
}

/** Runs the rule over `resources` with `table` as the reviewed chart-made targets. */
export function checkMonitors(
  resources: CheckedResource[],
  table: readonly ChartMonitorTarget[] = CHART_MONITOR_TARGETS,
): CrossCheckResult {
  const errors: string[] = [];
  const targets = [...graphTargets(resources), ...chartTargets(resources, table, errors)];
  let checked = 0;
  for (const r of resources) {
    const m = obj(revealSecrets(r.inputs));
    if (String(m.apiVersion ?? "").split("/")[0] !== "monitoring.coreos.com") continue;
    const kind = m.kind === "ServiceMonitor" ? "service" : m.kind === "PodMonitor" ? "pod" : "";
    if (!kind) continue;
    checked++;
    const meta = obj(m.metadata);
    const name = `${String(meta.namespace ?? "default")}/${String(meta.name ?? "")}`;
    const spec = obj(m.spec);
    const selected = targets.filter(
      (t) =>
        t.kind === kind &&
        namespacesMatch(spec.namespaceSelector, String(meta.namespace ?? "default"), t.namespace) &&
        selects(spec.selector, t.labels),
    );
    const what = kind === "service" ? "Service" : "pod";
    if (selected.length === 0) {
      errors.push(
        `${r.urn}: ${String(m.kind)} ${name} selects no ${what} in the graph or in the reviewed chart table (selector ${JSON.stringify(spec.selector ?? {})}, namespaceSelector ${JSON.stringify(spec.namespaceSelector ?? {})}); if a chart creates it, add it to tools/checks/chartMonitorTargets.ts with the template that declares it`,
      );
      continue;
    }
    const key = kind === "service" ? "endpoints" : "podMetricsEndpoints";
    list(spec[key]).forEach((e, i) => {
      const port = obj(e).port;
      if (port === undefined) return;
      if (selected.some((t) => t.ports.includes(String(port)))) return;
      const declared = selected
        .map((t) => `${t.source}: ${t.ports.filter(Boolean).join(", ") || "(no named ports)"}`)
        .join("; ");
      errors.push(
        `${r.urn}: ${String(m.kind)} ${name} ${key}[${i}] scrapes port "${String(port)}", which no selected ${what} declares (${declared})`,
      );
    });
  }
  return { checked, errors };
}

/** The registered check. */
export const monitorsCheck: CrossCheck = {
  name: "monitors",
  unit: "monitors",
  run: (resources) => checkMonitors(resources),
};
