import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CHARTS } from "../../components/lib/charts";
import { validateCustomResource } from "./crdSchemas";
import { checkGraph } from "./graph";
import { checkHelmValues } from "./helmValues";
import { validateManifest } from "./manifests";

const workflowTemplate = () => ({
  apiVersion: "argoproj.io/v1alpha1",
  kind: "WorkflowTemplate",
  metadata: { name: "hello", namespace: "workflows" },
  spec: {
    entrypoint: "main",
    activeDeadlineSeconds: 600,
    templates: [
      { name: "main", container: { image: "alpine:3.20", command: ["echo"], args: ["hi"] } },
    ],
  },
});

const ARGO_WORKFLOWS = CHARTS.argoWorkflows;

describe("Helm values against the pinned chart", () => {
  it("rejects a misspelt key, naming it and the key meant", () => {
    const errors = checkHelmValues(ARGO_WORKFLOWS.name, ARGO_WORKFLOWS.version, {
      controller: { metricConfig: { enabled: true } },
    });
    assert.deepEqual(errors, [
      {
        chart: "argo-workflows",
        path: "controller.metricConfig",
        message:
          'the chart has no value "controller.metricConfig"; did you mean controller.metricsConfig?',
      },
    ]);
  });

  it("accepts real keys and keys under a free-form map the chart defaults to {}", () => {
    assert.deepEqual(
      checkHelmValues(ARGO_WORKFLOWS.name, ARGO_WORKFLOWS.version, {
        controller: { metricsConfig: { enabled: true }, podAnnotations: { "any/key": "x" } },
        server: { authModes: ["client"] },
      }),
      [],
    );
  });

  it("checks a subchart's keys against the subchart's values", () => {
    const errors = checkHelmValues(
      CHARTS.kubePrometheusStack.name,
      CHARTS.kubePrometheusStack.version,
      {
        grafana: { enabled: true, adminUser: "admin", adminPasword: "x" },
      },
    );
    assert.deepEqual(
      errors.map((e) => e.path),
      ["grafana.adminPasword"],
    );
  });

  it("accepts listed free-form paths", () => {
    const values = { controller: { someUndocumented: { a: 1 } } };
    assert.equal(checkHelmValues(ARGO_WORKFLOWS.name, ARGO_WORKFLOWS.version, values).length, 1);
    assert.deepEqual(
      checkHelmValues(ARGO_WORKFLOWS.name, ARGO_WORKFLOWS.version, values, [
        "controller.someUndocumented",
      ]),
      [],
    );
  });

  it("validates charts that ship values.schema.json against it", () => {
    const errors = checkHelmValues(CHARTS.certManager.name, CHARTS.certManager.version, {
      replicaCount: "two",
    });
    assert.deepEqual(
      errors.map((e) => [e.path, e.message]),
      [["replicaCount", "values.schema.json: must be number"]],
    );
  });

  it("names the pinned versions when asked for another", () => {
    assert.throws(
      () => checkHelmValues("argo-workflows", "0.1.0", {}),
      /argo-workflows@0\.1\.0 is not in the shared catalog \(pinned there: 1\.0\.18\)/,
    );
  });
});

describe("Kubernetes objects against their schemas", () => {
  it("accepts a valid WorkflowTemplate", () => {
    assert.deepEqual(validateCustomResource(workflowTemplate()), []);
  });

  it("rejects a WorkflowTemplate with a wrong field type, naming the field", () => {
    const bad = workflowTemplate();
    (bad.spec as Record<string, unknown>).activeDeadlineSeconds = "soon";
    const errors = validateCustomResource(bad);
    assert.ok(
      errors.some((e) => e.path === "spec.activeDeadlineSeconds"),
      JSON.stringify(errors),
    );
  });

  it("rejects unknown fields (strict field validation)", () => {
    const bad = workflowTemplate();
    (bad.spec.templates[0].container as Record<string, unknown>).comand = ["echo"];
    assert.deepEqual(
      validateCustomResource(bad).map((e) => [e.path, e.message]),
      [["spec.templates.0.container", 'unknown field "comand"']],
    );
  });

  it("checks Go durations as the API server does", () => {
    const route = (request: string) => ({
      apiVersion: "policy.linkerd.io/v1beta3",
      kind: "HTTPRoute",
      metadata: { name: "orders", namespace: "apps" },
      spec: {
        parentRefs: [{ group: "core", kind: "Service", name: "orders", port: 8080 }],
        rules: [{ timeouts: { request } }],
      },
    });
    assert.deepEqual(validateCustomResource(route("10s")), []);
    assert.deepEqual(validateCustomResource(route("1h30m")), []);
    assert.deepEqual(
      validateCustomResource(route("PT10S")).map((e) => e.path),
      ["spec.rules.0.timeouts.request"],
    );
  });

  it("validates built-in kinds with kubernetes-models", () => {
    assert.deepEqual(
      validateManifest({ apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } }),
      [],
    );
    const policy = {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "deny", namespace: "apps" },
      spec: { podSelector: {}, policyTypes: ["Ingres"] },
    };
    assert.match(
      validateManifest(policy)[0].message,
      /policyTypes\/0 must be equal to one of the allowed values/,
    );
    assert.match(
      validateManifest({ apiVersion: "example.com/v1", kind: "Widget", metadata: {} })[0].message,
      /no schema for example\.com\/v1 Widget/,
    );
  });
});

describe("engine checks over a captured graph", () => {
  it("validates every state machine's definition with asl-validator, naming the machine", () => {
    const machine = (name: string, definition: unknown) => ({
      urn: `urn:pulumi:test::p::aws:sfn/stateMachine:StateMachine::${name}`,
      type: "aws:sfn/stateMachine:StateMachine",
      inputs: { definition: JSON.stringify(definition) },
    });
    const good = { StartAt: "Done", States: { Done: { Type: "Succeed" } } };
    // A Next that names no state: Step Functions refuses it at create time.
    const bad = { StartAt: "Go", States: { Go: { Type: "Pass", Next: "Nowhere" } } };
    const result = checkGraph([machine("good", good), machine("bad", bad)]);
    assert.equal(result.stateMachinesChecked, 2);
    assert.equal(result.errors.length > 0, true);
    assert.ok(
      result.errors.every((e) => e.includes("StateMachine::bad: ASL: ")),
      result.errors.join("\n"),
    );
  });

  const release = (values: Record<string, unknown>) => ({
    urn: "urn:pulumi:test::p::kubernetes:helm.sh/v3:Release::argo",
    type: "kubernetes:helm.sh/v3:Release",
    inputs: { chart: ARGO_WORKFLOWS.name, version: ARGO_WORKFLOWS.version, values },
  });
  const template = {
    urn: "urn:pulumi:test::p::kubernetes:argoproj.io/v1alpha1:WorkflowTemplate::t",
    type: "kubernetes:argoproj.io/v1alpha1:WorkflowTemplate",
    inputs: workflowTemplate() as unknown as Record<string, unknown>,
  };

  it("reports each bad value and object with its URN", () => {
    const badTemplate = {
      ...template,
      inputs: { ...template.inputs, spec: { entrypoint: 7, templates: [] } },
    };
    const result = checkGraph([release({ controller: { metricConfig: {} } }), badTemplate]);
    assert.equal(result.releasesChecked, 1);
    assert.equal(result.objectsChecked, 1);
    assert.equal(result.errors.length, 2);
    assert.match(
      result.errors[0],
      /Release::argo: argo-workflows values: controller\.metricConfig/,
    );
    assert.match(result.errors[1], /WorkflowTemplate::t: spec\.entrypoint: must be string/);
  });

  it("checks secret values as their plain value", () => {
    const secretValues = {
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      value: { controller: { metricsConfig: { enabled: true } } },
    };
    assert.deepEqual(
      checkGraph([
        {
          ...release({}),
          inputs: {
            chart: ARGO_WORKFLOWS.name,
            version: ARGO_WORKFLOWS.version,
            values: secretValues,
          },
        },
      ]).errors,
      [],
    );
  });

  it("says which checks it skipped when the shared catalog is absent", () => {
    const saved = process.env.SHARED_DIR;
    process.env.SHARED_DIR = "/nonexistent/shared";
    try {
      const ns = {
        urn: "urn:ns",
        type: "kubernetes:core/v1:Namespace",
        inputs: { apiVersion: "v1", kind: "Namespace", metadata: { name: "a" } },
      };
      const result = checkGraph([release({}), template, ns]);
      assert.deepEqual(result.errors, []);
      assert.equal(result.objectsChecked, 1, "built-in kinds are still checked");
      assert.deepEqual(result.skipped, [
        "Helm value checks of 1 release(s): no shared catalog at /nonexistent/shared (set SHARED_DIR)",
        "CRD schema checks of 1 custom resource(s): no shared catalog at /nonexistent/shared",
      ]);
    } finally {
      if (saved === undefined) delete process.env.SHARED_DIR;
      else process.env.SHARED_DIR = saved;
    }
  });
});
