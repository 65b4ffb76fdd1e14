/**
 * The pods check: a container whose effective `runAsNonRoot` is true needs a numeric, non-zero
 * effective `runAsUser`. Without one the kubelet has to read the image's USER, and refuses to start
 * a container whose USER is a name ("container has runAsNonRoot and image has non-numeric user
 * ... cannot verify user is non-root"); with 0 it refuses outright. The container's setting wins
 * over the pod's (https://kubernetes.io/docs/tasks/configure-pod-container/security-context/).
 *
 * It reads every pod template the project renders (workloads, Argo Workflows and Events, ECK) and,
 * through the reviewed table in chartPodSecurity.ts, the values the project hands to charts that
 * copy them into a securityContext.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { cachedYaml } from "./checkCache";
import { revealSecrets } from "../stackExport";
import {
  CHART_SECURITY_CONTEXTS,
  CHARTS_WITHOUT_SECURITY_CONTEXT_VALUES,
  type ChartSecurityContextPath,
  type ChartWithoutSecurityContextValues,
} from "./chartPodSecurity";
import type { CrossCheck, CrossCheckResult } from "./crossResource";
import type { CheckedResource } from "./graph";
import { hasShared, sharedDir } from "./shared";

type Obj = Record<string, unknown>;

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function obj(value: unknown): Obj {
  return isObj(value) ? value : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A pod as the check sees it: its securityContext and each container's. */
export interface PodTemplate {
  /** Where in the resource the pod template is (`spec.template.spec`), for the message. */
  where: string;
  securityContext: Obj;
  containers: Array<{ name: string; securityContext: Obj }>;
}

function containersOf(spec: Obj, where: string): PodTemplate["containers"] {
  return ["initContainers", "containers", "ephemeralContainers"].flatMap((key) =>
    list(spec[key]).map((c, i) => ({
      name: String(obj(c).name ?? `${where}.${key}[${i}]`),
      securityContext: obj(obj(c).securityContext),
    })),
  );
}

function podSpec(spec: unknown, where: string): PodTemplate {
  const s = obj(spec);
  return { where, securityContext: obj(s.securityContext), containers: containersOf(s, where) };
}

/** `podSpecPatch` is a YAML/JSON string (or, hand-written, an object) merged into the pod. */
function patchedSecurityContext(patch: unknown): Obj {
  if (typeof patch === "string") {
    try {
      return obj(obj(parse(patch)).securityContext);
    } catch {
      return {};
    }
  }
  return obj(obj(patch).securityContext);
}

/**
 * The pods of an Argo Workflow spec (Workflow, WorkflowTemplate, ClusterWorkflowTemplate,
 * CronWorkflow's workflowSpec): the workflow-level securityContext and podSpecPatch apply to every
 * template's pod, the template's own override them (argo-workflows v4 `WorkflowSpec` and
 * `Template`: securityContext, podSpecPatch, container, script, containerSet, initContainers,
 * sidecars).
 */
function workflowPods(spec: Obj, where: string): PodTemplate[] {
  const base = {
    ...obj(spec.securityContext),
    ...patchedSecurityContext(spec.podSpecPatch),
  };
  return list(spec.templates).flatMap((t, i) => {
    const template = obj(t);
    const here = `${where}.templates[${i}]`;
    const name = String(template.name ?? i);
    const containers: PodTemplate["containers"] = [];
    for (const key of ["container", "script"]) {
      if (isObj(template[key])) {
        containers.push({
          name: `${name}/${String(template[key].name ?? key)}`,
          securityContext: obj(template[key].securityContext),
        });
      }
    }
    for (const key of ["initContainers", "sidecars"]) {
      for (const c of list(template[key])) {
        containers.push({
          name: `${name}/${String(obj(c).name)}`,
          securityContext: obj(obj(c).securityContext),
        });
      }
    }
    for (const c of list(obj(template.containerSet).containers)) {
      containers.push({
        name: `${name}/${String(obj(c).name)}`,
        securityContext: obj(obj(c).securityContext),
      });
    }
    if (containers.length === 0) return [];
    return [
      {
        where: here,
        securityContext: {
          ...base,
          ...obj(template.securityContext),
          ...patchedSecurityContext(template.podSpecPatch),
        },
        containers,
      },
    ];
  });
}

/** Every pod template in one Kubernetes object's inputs. */
export function podTemplatesOf(manifest: Obj): PodTemplate[] {
  const kind = String(manifest.kind ?? "");
  const group = String(manifest.apiVersion ?? "").split("/")[0];
  const spec = obj(manifest.spec);
  switch (kind) {
    case "Pod":
      return [podSpec(spec, "spec")];
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
    case "ReplicationController":
    case "Job":
      return [podSpec(obj(spec.template).spec, "spec.template.spec")];
    case "CronJob":
      return [
        podSpec(
          obj(obj(obj(spec.jobTemplate).spec).template).spec,
          "spec.jobTemplate.spec.template.spec",
        ),
      ];
  }
  if (group === "argoproj.io") {
    switch (kind) {
      case "Workflow":
      case "WorkflowTemplate":
      case "ClusterWorkflowTemplate":
        return workflowPods(spec, "spec");
      case "CronWorkflow":
        return workflowPods(obj(spec.workflowSpec), "spec.workflowSpec");
      case "EventSource":
      case "Sensor": {
        // argo-events v1.9 `Template`: one `container` plus the pod's `securityContext`; the
        // controller adds the container, so pod-level settings apply even without one.
        const template = obj(spec.template);
        const pods: PodTemplate[] = [
          {
            where: "spec.template",
            securityContext: obj(template.securityContext),
            containers: [
              {
                name: "main",
                securityContext: obj(obj(template.container).securityContext),
              },
            ],
          },
        ];
        // A Sensor's argoWorkflow trigger may submit an inline Workflow.
        list(spec.triggers).forEach((t, i) => {
          const resource = obj(obj(obj(obj(t).template).argoWorkflow).source).resource;
          if (isObj(resource) && resource.kind === "Workflow") {
            pods.push(
              ...workflowPods(
                obj(resource.spec),
                `spec.triggers[${i}].template.argoWorkflow.source.resource.spec`,
              ),
            );
          }
        });
        return pods;
      }
    }
  }
  if (group.endsWith(".k8s.elastic.co")) {
    // ECK: Elasticsearch nodeSets[].podTemplate, every other kind spec.podTemplate (Beat and
    // Agent under deployment/daemonSet/statefulSet).
    const templates: Array<[unknown, string]> = [];
    list(spec.nodeSets).forEach((n, i) =>
      templates.push([obj(n).podTemplate, `spec.nodeSets[${i}].podTemplate.spec`]),
    );
    templates.push([spec.podTemplate, "spec.podTemplate.spec"]);
    for (const key of ["deployment", "daemonSet", "statefulSet"]) {
      templates.push([obj(spec[key]).podTemplate, `spec.${key}.podTemplate.spec`]);
    }
    return templates
      .filter(([t]) => isObj(t))
      .map(([t, where]) => {
        const pod = podSpec(obj(t).spec, where);
        // The operator adds the main container when the template names none.
        return pod.containers.length > 0
          ? pod
          : { ...pod, containers: [{ name: "(operator's container)", securityContext: {} }] };
      });
  }
  return [];
}

/** The problem with one container's effective settings, if any. */
export function runAsProblem(pod: Obj, container: Obj): string | undefined {
  const nonRoot = container.runAsNonRoot ?? pod.runAsNonRoot;
  if (nonRoot !== true) return undefined;
  const user = container.runAsUser ?? pod.runAsUser;
  if (user === undefined) {
    return "runAsNonRoot is true but no runAsUser is set (container or pod level): the kubelet then refuses an image whose USER is a name; set runAsUser to the image's numeric uid";
  }
  if (typeof user !== "number" || !Number.isInteger(user) || user < 0) {
    return `runAsUser ${JSON.stringify(user)} is not a numeric uid; set it to the image's numeric uid`;
  }
  if (user === 0) {
    return "runAsUser is 0 with runAsNonRoot true: the kubelet refuses to start it; set runAsUser to a non-zero uid";
  }
  return undefined;
}

function at(values: Obj, dotted: string): Obj | undefined {
  let here: unknown = values;
  for (const key of dotted.split(".")) {
    if (!isObj(here)) return undefined;
    here = here[key];
  }
  return isObj(here) ? here : undefined;
}

/** Helm's coalesce: maps merge key by key, anything else in `over` replaces. */
function coalesce(base: Obj, over: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isObj(v) && isObj(base[k]) ? coalesce(base[k], v) : v;
  }
  return out;
}

function readYaml(file: string): Obj {
  return obj(cachedYaml(file));
}

/** The chart's default values with each vendored subchart's under its key, as Helm merges them. */
function chartDefaults(chart: string, version: string): Obj {
  if (!hasShared()) return {};
  const dir = path.join(sharedDir(), "charts", chart, version);
  const root = readYaml(path.join(dir, "values.yaml"));
  const subcharts = path.join(dir, "charts");
  for (const sub of fs.existsSync(subcharts) ? fs.readdirSync(subcharts) : []) {
    root[sub] = coalesce(readYaml(path.join(subcharts, sub, "values.yaml")), obj(root[sub]));
  }
  return root;
}

/** Every path in `values` whose map sets runAsNonRoot or runAsUser under a securityContext key. */
function securityContextPaths(values: unknown, prefix = ""): string[] {
  if (Array.isArray(values)) {
    return values.flatMap((v, i) => securityContextPaths(v, `${prefix}[${i}]`));
  }
  if (!isObj(values)) return [];
  return Object.entries(values).flatMap(([k, v]) => {
    const here = prefix ? `${prefix}.${k}` : k;
    if (/securitycontext$/i.test(k) && isObj(v) && ("runAsNonRoot" in v || "runAsUser" in v)) {
      return [here];
    }
    return securityContextPaths(v, here);
  });
}

function checkRelease(
  release: CheckedResource,
  table: readonly ChartSecurityContextPath[],
  without: readonly ChartWithoutSecurityContextValues[],
  errors: string[],
): number {
  const inputs = obj(revealSecrets(release.inputs));
  const chart = String(inputs.chart ?? "");
  const version = String(inputs.version ?? "");
  const own = obj(inputs.values);
  const setPaths = securityContextPaths(own);
  const rows = [...table, ...without].filter((r) => r.chart === chart);
  const reviewed = table.filter((r) => r.chart === chart && r.version === version);
  if (rows.length === 0) {
    errors.push(
      `${release.urn}: chart ${chart} ${version} has not been reviewed for securityContext values; add the value paths its templates copy into a securityContext to tools/checks/chartPodSecurity.ts (or list it there as passing none)`,
    );
    return 0;
  }
  if (!rows.some((r) => r.version === version)) {
    errors.push(
      `${release.urn}: the reviewed securityContext table has ${chart} at ${[...new Set(rows.map((r) => r.version))].join(", ")} but the release installs ${version}; re-read the templates at ${version}, update tools/checks/chartPodSecurity.ts and the version in tools/checks/chartReviews.ts`,
    );
    return 0;
  }
  for (const p of setPaths) {
    if (!reviewed.some((r) => r.valuePath === p)) {
      errors.push(
        `${release.urn}: ${chart} ${version} value ${p} sets runAsNonRoot/runAsUser but is not in the reviewed table; add it to tools/checks/chartPodSecurity.ts with the chart template that renders it`,
      );
    }
  }
  const values = coalesce(chartDefaults(chart, version), own);
  const templates = [...new Set(reviewed.map((r) => r.template))];
  let pods = 0;
  for (const template of templates) {
    const paths = reviewed.filter((r) => r.template === template);
    // Only the pods the project's own values reach: chart defaults are the chart's business.
    if (!paths.some((p) => setPaths.includes(p.valuePath))) continue;
    pods++;
    const podPath = paths.find((p) => p.level === "pod");
    const pod = podPath ? (at(values, podPath.valuePath) ?? {}) : {};
    const containerPaths = paths.filter((p) => p.level === "container");
    for (const c of containerPaths.length > 0 ? containerPaths : [undefined]) {
      const problem = runAsProblem(pod, c ? (at(values, c.valuePath) ?? {}) : {});
      if (!problem) continue;
      const where = [podPath?.valuePath, c?.valuePath].filter(Boolean).join(" + ");
      const image = paths.find((p) => p.imageUser)?.imageUser;
      errors.push(
        `${release.urn}: ${chart} ${version} values ${where} (rendered by ${template}): ${problem}${image ? ` (the image's USER is "${image}", a name)` : ""}`,
      );
    }
  }
  return pods;
}

/** Runs the rule over `resources` with `table` as the reviewed chart pass-throughs. */
export function checkPods(
  resources: CheckedResource[],
  table: readonly ChartSecurityContextPath[] = CHART_SECURITY_CONTEXTS,
  without: readonly ChartWithoutSecurityContextValues[] = CHARTS_WITHOUT_SECURITY_CONTEXT_VALUES,
): CrossCheckResult {
  const errors: string[] = [];
  let checked = 0;
  for (const resource of resources) {
    if (resource.type === HELM_RELEASE) {
      checked += checkRelease(resource, table, without, errors);
      continue;
    }
    if (!resource.type.startsWith("kubernetes:")) continue;
    const manifest = obj(revealSecrets(resource.inputs));
    for (const pod of podTemplatesOf(manifest)) {
      checked++;
      for (const container of pod.containers) {
        const problem = runAsProblem(pod.securityContext, container.securityContext);
        if (problem) {
          errors.push(`${resource.urn}: ${pod.where}: container ${container.name}: ${problem}`);
        }
      }
    }
  }
  return { checked, errors };
}

/** The registered check. */
export const podsCheck: CrossCheck = {
  name: "pods",
  unit: "pod templates",
  run: (resources) => checkPods(resources),
};
