import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  CHART_SECURITY_CONTEXTS,
  CHARTS_WITHOUT_SECURITY_CONTEXT_VALUES,
  type ChartSecurityContextPath,
} from "./chartPodSecurity";
import type { CheckedResource } from "./graph";
import { checkPods } from "./pods";
import { hasShared, sharedDir } from "./shared";

const NO_USER =
  "runAsNonRoot is true but no runAsUser is set (container or pod level): the kubelet then refuses an image whose USER is a name; set runAsUser to the image's numeric uid";
const ROOT =
  "runAsUser is 0 with runAsNonRoot true: the kubelet refuses to start it; set runAsUser to a non-zero uid";

function k8s(type: string, name: string, inputs: Record<string, unknown>): CheckedResource {
  return { urn: `urn:pulumi:test::p::${type}::${name}`, type, inputs };
}

function deployment(pod: object, container: object): CheckedResource {
  return k8s("kubernetes:apps/v1:Deployment", "app", {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "app" },
    spec: {
      template: {
        spec: { securityContext: pod, containers: [{ name: "web", securityContext: container }] },
      },
    },
  });
}
const DEPLOYMENT_URN = "urn:pulumi:test::p::kubernetes:apps/v1:Deployment::app";

describe("pods: the project's pod templates", () => {
  it("fails runAsNonRoot at pod level without runAsUser, naming the URN and container", () => {
    const result = checkPods([deployment({ runAsNonRoot: true }, {})], []);
    assert.deepEqual(result.errors, [
      `${DEPLOYMENT_URN}: spec.template.spec: container web: ${NO_USER}`,
    ]);
    assert.equal(result.checked, 1);
  });

  it("fails runAsNonRoot at container level without runAsUser anywhere", () => {
    const result = checkPods([deployment({}, { runAsNonRoot: true })], []);
    assert.deepEqual(result.errors, [
      `${DEPLOYMENT_URN}: spec.template.spec: container web: ${NO_USER}`,
    ]);
  });

  it("passes a container whose runAsUser comes from the pod", () => {
    const result = checkPods([deployment({ runAsUser: 65534 }, { runAsNonRoot: true })], []);
    assert.deepEqual(result.errors, []);
    assert.equal(result.checked, 1);
  });

  it("lets the container's runAsUser override the pod's: 0 fails", () => {
    const result = checkPods(
      [deployment({ runAsNonRoot: true, runAsUser: 1000 }, { runAsUser: 0 })],
      [],
    );
    assert.deepEqual(result.errors, [
      `${DEPLOYMENT_URN}: spec.template.spec: container web: ${ROOT}`,
    ]);
  });

  it("fails a non-numeric runAsUser", () => {
    const result = checkPods([deployment({ runAsNonRoot: true, runAsUser: "nobody" }, {})], []);
    assert.deepEqual(result.errors, [
      `${DEPLOYMENT_URN}: spec.template.spec: container web: runAsUser "nobody" is not a numeric uid; set it to the image's numeric uid`,
    ]);
  });

  it("lets a container's runAsNonRoot: false override the pod's", () => {
    const result = checkPods([deployment({ runAsNonRoot: true }, { runAsNonRoot: false })], []);
    assert.deepEqual(result.errors, []);
  });

  it("reads a CronJob's job template", () => {
    const cron = k8s("kubernetes:batch/v1:CronJob", "c", {
      apiVersion: "batch/v1",
      kind: "CronJob",
      spec: {
        jobTemplate: {
          spec: {
            template: {
              spec: { containers: [{ name: "job", securityContext: { runAsNonRoot: true } }] },
            },
          },
        },
      },
    });
    assert.deepEqual(checkPods([cron], []).errors, [
      `urn:pulumi:test::p::kubernetes:batch/v1:CronJob::c: spec.jobTemplate.spec.template.spec: container job: ${NO_USER}`,
    ]);
  });

  it("reads Argo WorkflowTemplates: spec-level securityContext and podSpecPatch apply to each template", () => {
    const template = (spec: object): CheckedResource =>
      k8s("kubernetes:argoproj.io/v1alpha1:WorkflowTemplate", "wt", {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "WorkflowTemplate",
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 65532 },
          templates: [
            { name: "main", container: { securityContext: { runAsNonRoot: true } } },
            { name: "sh", script: { name: "s", securityContext: {} } },
          ],
          ...spec,
        },
      });
    assert.deepEqual(checkPods([template({})], []).errors, []);
    assert.deepEqual(
      checkPods([template({ podSpecPatch: "securityContext:\n  runAsUser: 0\n" })], []).errors,
      [
        `urn:pulumi:test::p::kubernetes:argoproj.io/v1alpha1:WorkflowTemplate::wt: spec.templates[0]: container main/container: ${ROOT}`,
        `urn:pulumi:test::p::kubernetes:argoproj.io/v1alpha1:WorkflowTemplate::wt: spec.templates[1]: container sh/s: ${ROOT}`,
      ],
    );
  });

  it("reads Argo Events templates: the pod-level setting applies to the controller-made container", () => {
    const source = k8s("kubernetes:argoproj.io/v1alpha1:EventSource", "es", {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "EventSource",
      spec: { template: { securityContext: { runAsNonRoot: true } } },
    });
    assert.deepEqual(checkPods([source], []).errors, [
      `urn:pulumi:test::p::kubernetes:argoproj.io/v1alpha1:EventSource::es: spec.template: container main: ${NO_USER}`,
    ]);
  });

  it("reads ECK podTemplates, whose main container the operator adds", () => {
    const es = k8s("kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch", "es", {
      apiVersion: "elasticsearch.k8s.elastic.co/v1",
      kind: "Elasticsearch",
      spec: {
        nodeSets: [
          { name: "d", podTemplate: { spec: { securityContext: { runAsNonRoot: true } } } },
        ],
      },
    });
    assert.deepEqual(checkPods([es], []).errors, [
      `urn:pulumi:test::p::kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch::es: spec.nodeSets[0].podTemplate.spec: container (operator's container): ${NO_USER}`,
    ]);
  });
});

describe("pods: values handed to charts", () => {
  const TABLE: ChartSecurityContextPath[] = [
    {
      chart: "c",
      version: "1.0.0",
      valuePath: "podSecurityContext",
      level: "pod",
      template: "templates/d.yaml",
    },
    {
      chart: "c",
      version: "1.0.0",
      valuePath: "securityContext",
      level: "container",
      template: "templates/d.yaml",
      imageUser: "nobody",
    },
  ];
  const release = (values: object, version = "1.0.0"): CheckedResource =>
    k8s("kubernetes:helm.sh/v3:Release", "r", { chart: "c", version, values });
  const URN = "urn:pulumi:test::p::kubernetes:helm.sh/v3:Release::r";

  it("fails a container-level runAsNonRoot without runAsUser, naming the value path and the template", () => {
    const result = checkPods([release({ securityContext: { runAsNonRoot: true } })], TABLE);
    assert.deepEqual(result.errors, [
      `${URN}: c 1.0.0 values podSecurityContext + securityContext (rendered by templates/d.yaml): ${NO_USER} (the image's USER is "nobody", a name)`,
    ]);
    assert.equal(result.checked, 1);
  });

  it("passes when the pod-level value gives the user", () => {
    const result = checkPods(
      [
        release({
          podSecurityContext: { runAsUser: 10001 },
          securityContext: { runAsNonRoot: true },
        }),
      ],
      TABLE,
    );
    assert.deepEqual(result.errors, []);
  });

  it("fails a securityContext value the table does not know", () => {
    const result = checkPods([release({ sidecar: { securityContext: { runAsUser: 1 } } })], TABLE);
    assert.deepEqual(result.errors, [
      `${URN}: c 1.0.0 value sidecar.securityContext sets runAsNonRoot/runAsUser but is not in the reviewed table; add it to tools/checks/chartPodSecurity.ts with the chart template that renders it`,
    ]);
  });

  it("fails a chart nobody reviewed, even when its values set no securityContext", () => {
    const other = k8s("kubernetes:helm.sh/v3:Release", "o", {
      chart: "other",
      version: "9.9.9",
      values: {},
    });
    assert.deepEqual(checkPods([other], TABLE, []).errors, [
      "urn:pulumi:test::p::kubernetes:helm.sh/v3:Release::o: chart other 9.9.9 has not been reviewed for securityContext values; add the value paths its templates copy into a securityContext to tools/checks/chartPodSecurity.ts (or list it there as passing none)",
    ]);
    assert.deepEqual(
      checkPods([other], TABLE, [{ chart: "other", version: "9.9.9", why: "no pods" }]).errors,
      [],
    );
  });

  it("fails a release of a version the table was not reviewed at", () => {
    const result = checkPods(
      [release({ securityContext: { runAsNonRoot: true, runAsUser: 1 } }, "2.0.0")],
      TABLE,
    );
    assert.deepEqual(result.errors, [
      `${URN}: the reviewed securityContext table has c at 1.0.0 but the release installs 2.0.0; re-read the templates at 2.0.0, update tools/checks/chartPodSecurity.ts and the version in tools/checks/chartReviews.ts`,
    ]);
  });

  it("reads secret-wrapped values", () => {
    const secret = {
      [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
      value: { runAsNonRoot: true },
    };
    const result = checkPods([release({ securityContext: secret })], TABLE);
    assert.deepEqual(result.errors, [
      `${URN}: c 1.0.0 values podSecurityContext + securityContext (rendered by templates/d.yaml): ${NO_USER} (the image's USER is "nobody", a name)`,
    ]);
  });
});

describe("pods: the reviewed table", () => {
  it("describes each template's pod with at most one pod-level path and no duplicates", () => {
    const seen = new Set<string>();
    for (const row of CHART_SECURITY_CONTEXTS) {
      const key = `${row.chart} ${row.template} ${row.valuePath}`;
      assert.ok(!seen.has(key), `duplicate row ${key}`);
      seen.add(key);
    }
    const podPaths = new Map<string, number>();
    for (const row of CHART_SECURITY_CONTEXTS.filter((r) => r.level === "pod")) {
      const key = `${row.chart} ${row.template}`;
      podPaths.set(key, (podPaths.get(key) ?? 0) + 1);
    }
    assert.deepEqual(
      [...podPaths].filter(([, n]) => n > 1),
      [],
    );
  });

  it("names only chart versions the shared catalog pins", { skip: !hasShared() }, () => {
    const rows = [...CHART_SECURITY_CONTEXTS, ...CHARTS_WITHOUT_SECURITY_CONTEXT_VALUES];
    const missing = [...new Set(rows.map((r) => `${r.chart}/${r.version}`))].filter(
      (dir) => !fs.existsSync(path.join(sharedDir(), "charts", dir, "values.yaml")),
    );
    assert.deepEqual(missing, []);
  });
});
