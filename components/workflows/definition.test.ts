import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
  findCycle,
  goDurationSeconds,
  referenceWorkflow,
  validateWorkflowDefinition,
  WORKFLOW_PARAMETERS,
  worstCaseSeconds,
  type WorkflowDefinition,
} from "./definition";
import { diamond, OTLP, reference, referenceArgs, step, TASK_QUEUE_URL } from "./engines/fixtures";

describe("validateWorkflowDefinition", () => {
  it("accepts the reference workflow and the diamond", () => {
    assert.deepEqual(validateWorkflowDefinition(reference()), []);
    assert.deepEqual(validateWorkflowDefinition(diamond()), []);
  });

  it("reports every problem at once, each with the path of its field", () => {
    const bad: WorkflowDefinition = {
      name: "Report_Nightly",
      timeoutSeconds: 0,
      steps: [
        step("fetch", {
          image: "worker:latest",
          command: [],
          args: [{ param: "requestID" as "requestId" }],
          env: [
            { name: "1BAD", value: "x" },
            { name: "TRACEPARENT", value: { param: "traceparent" } },
            { name: "TRACEPARENT", value: "again" },
          ],
          resources: { cpu: "lots", memory: "1GB" },
          serviceAccountName: "Argo_Workflow",
          retry: { limit: 11, initialInterval: "1m", factor: 0.5, maxInterval: "30s" },
          timeoutSeconds: 1.5,
        }),
        step("dag", { dependencies: ["nope", "dag"] }),
        step("fetch", { env: [], args: [] }),
      ],
    };
    assert.deepEqual(
      validateWorkflowDefinition(bad).map((e) => e.propertyPath),
      [
        "name",
        "timeoutSeconds",
        "steps[0].image",
        "steps[0].command",
        "steps[0].args[0]",
        "steps[0].env[0].name",
        "steps[0].env[2].name",
        "steps[0].resources.cpu",
        "steps[0].resources.memory",
        "steps[0].serviceAccountName",
        "steps[0].timeoutSeconds",
        "steps[0].retry.limit",
        "steps[0].retry.factor",
        "steps[0].retry.maxInterval",
        "steps[1].name",
        "steps[2]",
        "steps[2].name",
        "steps[1].dependencies[0]",
        "steps[1].dependencies[1]",
      ],
    );
  });

  it("names the cycle, and unknown dependencies with the steps that exist", () => {
    const def: WorkflowDefinition = {
      ...diamond(),
      steps: [
        step("a", { dependencies: ["c"] }),
        step("b", { dependencies: ["a"] }),
        step("c", { dependencies: ["b", "ghost"] }),
      ],
    };
    const errors = validateWorkflowDefinition(def);
    assert.deepEqual(
      errors.map((e) => [e.propertyPath, e.reason]),
      [
        ["steps[2].dependencies[1]", '"ghost" is not a step of workflow "report" (a, b, c)'],
        ["steps", "dependency cycle: a -> c -> b -> a"],
      ],
    );
    assert.equal(findCycle(diamond().steps), undefined);
  });

  it("requires every step, the on-failure step included, to carry the trace context", () => {
    const def = diamond();
    def.steps[1] = step("transform", { dependencies: ["fetch"], env: [] });
    def.onFailure = { ...step("notify-failure"), env: [], args: ["--quiet"] };
    assert.deepEqual(
      validateWorkflowDefinition(def).map((e) => [e.propertyPath, e.reason]),
      [
        [
          "steps[1]",
          'step "transform" does not carry the trace context: pass { param: "traceparent" } in its args or env',
        ],
        [
          "onFailure",
          'step "notify-failure" does not carry the trace context: pass { param: "traceparent" } in its args or env',
        ],
      ],
    );
  });

  it("bounds step timeouts by the total and keeps the on-failure step out of the DAG", () => {
    const def = diamond();
    def.steps[0] = step("fetch", { timeoutSeconds: 9000 });
    def.onFailure = {
      ...step("publish"),
      dependencies: ["fetch"],
    } as WorkflowDefinition["onFailure"];
    assert.deepEqual(
      validateWorkflowDefinition(def).map((e) => e.propertyPath),
      ["steps[0].timeoutSeconds", "onFailure.name", "onFailure.dependencies"],
    );
  });

  it("leaves an image that is an Output to the component, and checks a string at once", () => {
    const def = referenceWorkflow(referenceArgs({ image: pulumi.output("worker:latest") }));
    assert.deepEqual(validateWorkflowDefinition(def), []);
    const plain = referenceWorkflow(referenceArgs({ image: "worker:latest" }));
    assert.deepEqual(
      validateWorkflowDefinition(plain).map((e) => e.propertyPath),
      ["steps[0].image"],
    );
  });
});

describe("referenceWorkflow", () => {
  it("is today's handoff step: the command, args and env the worker's handoff reads", () => {
    const [main] = reference().steps;
    assert.deepEqual(main.command, ["node", "--enable-source-maps", "dist/handoff.js"]);
    assert.deepEqual(main.args, [
      "--request-id",
      { param: "requestId" },
      "--workflow-template",
      { param: "workflowTemplate" },
      "--parameters",
      { param: "parameters" },
      "--traceparent",
      { param: "traceparent" },
      "--task",
      "main",
    ]);
    assert.deepEqual(main.env, [
      { name: "TASK_QUEUE_URL", value: TASK_QUEUE_URL },
      { name: "AWS_REGION", value: "eu-west-1" },
      { name: "OTEL_SERVICE_NAME", value: "worker-handoff" },
      { name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: OTLP },
      { name: "OTEL_EXPORTER_OTLP_PROTOCOL", value: "grpc" },
    ]);
  });

  it("passes each of the four parameters the sensor submits", () => {
    const refs = reference().steps[0].args?.filter((a) => typeof a !== "string");
    assert.deepEqual(
      refs?.map((r) => (r as { param: string }).param),
      [...WORKFLOW_PARAMETERS],
    );
  });
});

describe("durations", () => {
  it("reads Go durations in seconds", () => {
    assert.equal(goDurationSeconds("30s"), 30);
    assert.equal(goDurationSeconds("1h2m3s"), 3723);
    assert.equal(goDurationSeconds("500ms"), 0.5);
    assert.ok(Number.isNaN(goDurationSeconds("ten")));
  });

  it("computes a step's worst case: every attempt times out, every capped wait is taken", () => {
    // 4 attempts of 300 s, waits 5 s, 10 s, 20 s (cap 15 s) → 1200 + 5 + 10 + 15.
    assert.equal(
      worstCaseSeconds(
        step("x", { retry: { limit: 3, initialInterval: "5s", factor: 2, maxInterval: "15s" } }),
      ),
      1230,
    );
    assert.equal(worstCaseSeconds(step("x", { retry: undefined })), 300);
  });
});
