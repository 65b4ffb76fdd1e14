import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateCustomResource } from "../../../tools/checks/crdSchemas";
import { referenceWorkflow, WORKFLOW_PARAMETERS } from "../definition";
import { ARGO_EXIT_HANDLER, argoStructure, compileArgo, type ArgoTarget } from "./argo";
import { UnsupportedFeatureError } from "./capabilities";
import { ARGO_TARGET, diamond, IMAGE, reference, referenceArgs, step } from "./fixtures";
import {
  containerResources,
  containerSecurityContext,
  MESH_ANNOTATIONS,
  MeshMode,
  podSecurityContext,
} from "./kubernetes";

type Json = Record<string, unknown>;
type Template = { spec: Json & { templates: Json[] } };

describe("compileArgo", () => {
  const compiled = compileArgo(reference(), ARGO_TARGET) as Template;

  it("validates against the argoproj.io WorkflowTemplate v1alpha1 CRD schema", () => {
    assert.deepEqual(validateCustomResource(compiled), []);
    assert.deepEqual(validateCustomResource(compileArgo(diamond(), ARGO_TARGET)), []);
  });

  it("takes every workflow-level setting from the definition and the target: identity, arguments, pod security, logs, GC, TTL, mesh", () => {
    // Not the fixtures' values, so a setting copied from elsewhere would show.
    const target: ArgoTarget = {
      namespace: "batch",
      ttl: { secondsAfterSuccess: 60, secondsAfterFailure: 120 },
      mesh: MeshMode.Disabled,
    };
    const def = referenceWorkflow(
      referenceArgs({
        name: "nightly-report",
        serviceAccountName: "reporter",
        timeoutSeconds: 900,
      }),
    );
    const out = compileArgo(def, target) as Template & { metadata: Json };
    assert.deepEqual(out.metadata, {
      name: "nightly-report",
      namespace: "batch",
      labels: { "app.kubernetes.io/managed-by": "pulumi" },
    });
    const { templates: _t, ...settings } = out.spec;
    assert.deepEqual(settings, {
      entrypoint: "dag",
      arguments: {
        parameters: [
          { name: "requestId" },
          { name: "workflowTemplate", value: "nightly-report" },
          { name: "parameters", value: "{}" },
          { name: "traceparent", value: "" },
        ],
      },
      serviceAccountName: "reporter",
      activeDeadlineSeconds: 900,
      archiveLogs: true,
      podGC: { strategy: "OnPodSuccess" },
      ttlStrategy: { secondsAfterSuccess: 60, secondsAfterFailure: 120 },
      workflowMetadata: { labels: { "acme.io/workflow-template": "nightly-report" } },
      podMetadata: { annotations: { ...MESH_ANNOTATIONS[MeshMode.Disabled] } },
      securityContext: podSecurityContext(),
    });
    assert.deepEqual(
      (settings.arguments as { parameters: Json[] }).parameters.map((p) => p.name),
      [...WORKFLOW_PARAMETERS],
      "the arguments the sensor passes",
    );
  });

  it("runs the step's container with the platform's security context, and caps each retry wait", () => {
    const [main] = reference().steps;
    const template = compiled.spec.templates.find((t) => t.name === "main") as Json;
    assert.deepEqual(template.container, {
      image: IMAGE,
      command: main.command,
      args: [
        "--request-id",
        "{{workflow.parameters.requestId}}",
        "--workflow-template",
        "{{workflow.parameters.workflowTemplate}}",
        "--parameters",
        "{{workflow.parameters.parameters}}",
        "--traceparent",
        "{{workflow.parameters.traceparent}}",
        "--task",
        "main",
      ],
      env: main.env,
      resources: containerResources(referenceArgs().resources),
      securityContext: containerSecurityContext(),
    });
    assert.equal(template.activeDeadlineSeconds, 3600, "one attempt is bounded too");
    // The definition's maxInterval is the longest wait between attempts: Argo's `cap`, not
    // `maxDuration` (which bounds the time since the first attempt started).
    assert.deepEqual(template.retryStrategy, {
      limit: 3,
      retryPolicy: "Always",
      backoff: { duration: "30s", factor: 2, cap: "10m" },
    });
  });

  it("enters through a DAG whose tasks are the steps and their dependencies", () => {
    const out = compileArgo(diamond(), ARGO_TARGET) as Template;
    assert.equal(out.spec.entrypoint, "dag");
    assert.deepEqual((out.spec.templates[0].dag as Json).tasks, [
      { name: "fetch", template: "fetch" },
      { name: "transform", template: "transform", dependencies: ["fetch"] },
      { name: "validate", template: "validate", dependencies: ["fetch"] },
      {
        name: "publish",
        template: "publish",
        dependencies: ["transform", "validate", "fetch"],
      },
    ]);
  });

  it("runs the on-failure step from an exit handler, only when the workflow did not succeed", () => {
    const out = compileArgo(diamond(), ARGO_TARGET) as Template;
    assert.equal(out.spec.onExit, ARGO_EXIT_HANDLER);
    const handler = out.spec.templates.find((t) => t.name === ARGO_EXIT_HANDLER) as Json;
    assert.deepEqual((handler.dag as Json).tasks, [
      {
        name: "notify-failure",
        template: "notify-failure",
        when: "{{workflow.status}} != Succeeded",
      },
    ]);
    assert.equal(compiled.spec.onExit, undefined, "no handler without an on-failure step");
  });

  it("passes parameters as Argo expressions, in args and env", () => {
    const out = compileArgo(diamond(), ARGO_TARGET) as Template;
    const fetch = out.spec.templates.find((t) => t.name === "fetch") as { container: Json };
    assert.deepEqual(fetch.container.args, ["--request-id", "{{workflow.parameters.requestId}}"]);
    assert.deepEqual(fetch.container.env, [
      { name: "TRACEPARENT", value: "{{workflow.parameters.traceparent}}" },
    ]);
  });

  it("names the service account per template only when the steps differ", () => {
    const def = diamond();
    def.steps[3] = step("publish", {
      dependencies: ["transform"],
      serviceAccountName: "publisher",
    });
    const out = compileArgo(def, ARGO_TARGET) as Template;
    assert.equal(out.spec.serviceAccountName, undefined);
    const publish = out.spec.templates.find((t) => t.name === "publish") as Json;
    assert.equal(publish.serviceAccountName, "publisher");
    assert.deepEqual(validateCustomResource(out), []);
    assert.deepEqual(
      argoStructure(out).steps.find((s) => s.name === "publish")?.serviceAccountName,
      "publisher",
    );
  });

  it("refuses a fractional backoff factor, naming the workflow, the step and the feature", () => {
    const def = diamond();
    def.steps[1] = step("transform", {
      dependencies: ["fetch"],
      retry: { limit: 2, initialInterval: "5s", factor: 1.5, maxInterval: "1m" },
    });
    assert.throws(
      () => compileArgo(def, ARGO_TARGET),
      (e: Error) =>
        e instanceof UnsupportedFeatureError &&
        e.message ===
          'argo cannot compile workflow "report": step "transform" uses fractional-backoff-factor (`backoff.factor` is an int-or-string that Argo reads as a whole number)',
    );
  });

  it("rejects an invalid definition with every problem before compiling", () => {
    assert.throws(
      () => compileArgo({ ...reference(), name: "Bad_Name", timeoutSeconds: -1 }, ARGO_TARGET),
      /workflow "Bad_Name": 2 invalid arguments:\n {2}- name: .*\n {2}- timeoutSeconds: /,
    );
  });
});
