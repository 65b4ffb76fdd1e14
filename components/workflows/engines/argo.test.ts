import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateCustomResource } from "../../../tools/checks/crdSchemas";
import { HANDOFF_COMMAND } from "../definition";
import { workflowTemplate } from "../workflowTemplate";
import { ARGO_EXIT_HANDLER, argoStructure, compileArgo } from "./argo";
import { UnsupportedFeatureError } from "./capabilities";
import { ARGO_TARGET, diamond, IMAGE, reference, referenceArgs, step } from "./fixtures";

type Json = Record<string, unknown>;
type Template = { spec: Json & { templates: Json[] } };

/** Today's hand-built template for the same request workflow. */
function today(): Template {
  const args = referenceArgs();
  return workflowTemplate("service-a-request", "workflows", {
    image: IMAGE,
    command: [...HANDOFF_COMMAND],
    serviceAccountName: args.serviceAccountName,
    handoff: args.handoff,
    resources: args.resources,
    activeDeadlineSeconds: args.timeoutSeconds,
    retry: { limit: 3, backoffDuration: "30s", backoffFactor: 2, backoffMaxDuration: "10m" },
    ttl: ARGO_TARGET.ttl,
  }) as Template;
}

describe("compileArgo", () => {
  const compiled = compileArgo(reference(), ARGO_TARGET) as Template;

  it("validates against the argoproj.io WorkflowTemplate v1alpha1 CRD schema", () => {
    assert.deepEqual(validateCustomResource(compiled), []);
    assert.deepEqual(validateCustomResource(compileArgo(diamond(), ARGO_TARGET)), []);
  });

  it("keeps every workflow-level setting of today's template: identity, arguments, pod security, logs, GC, TTL, mesh", () => {
    const { templates: _t, entrypoint: _e, ...workflowSettings } = compiled.spec;
    const { templates: _t2, entrypoint: _e2, ...todaySettings } = today().spec;
    assert.deepEqual(workflowSettings, todaySettings);
    assert.deepEqual((compiled as Json).metadata, (today() as Json).metadata);
  });

  it("runs the same container with the same security context, and supersedes the retry cap", () => {
    const step = compiled.spec.templates.find((t) => t.name === "main") as Json;
    const old = today().spec.templates[0];
    assert.deepEqual(step.container, old.container);
    assert.equal(step.activeDeadlineSeconds, 3600, "one attempt is bounded too");
    // Today's `maxDuration: 10m` stops retrying 10 minutes after the first attempt started; the
    // definition's maxInterval is the longest wait between attempts, Argo's `cap`.
    assert.deepEqual(step.retryStrategy, {
      limit: 3,
      retryPolicy: "Always",
      backoff: { duration: "30s", factor: 2, cap: "10m" },
    });
    assert.deepEqual(old.retryStrategy, {
      limit: 3,
      retryPolicy: "Always",
      backoff: { duration: "30s", factor: 2, maxDuration: "10m" },
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
