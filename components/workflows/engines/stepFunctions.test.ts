import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import jsonata from "jsonata";
import { validateManifest } from "../../../tools/checks/manifests";
import { valueOf } from "../../../tools/testing";
import { referenceWorkflow } from "../definition";
import { compileArgo } from "./argo";
import { UnsupportedFeatureError } from "./capabilities";
import {
  ARGO_TARGET,
  aslErrors,
  diamond,
  reference,
  referenceArgs,
  SFN_TARGET,
  step,
} from "./fixtures";
import {
  aslDefinition,
  compileStepFunctions,
  RUN_JOB_SYNC,
  SFN_STATES,
  STEP_FUNCTIONS_INPUT,
} from "./stepFunctions";

type Json = Record<string, unknown>;
type Asl = { States: Record<string, Json> } & Json;

const EXAMPLES = path.join(
  __dirname,
  "../../../contracts/messages/examples/workflow-request/valid",
);
const example = (file: string): Json =>
  JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), "utf8")) as Json;

/** A pipe batch of SQS records, as the pipe hands it to the state machine. */
const batch = (...bodies: Json[]) =>
  bodies.map((body, i) => ({
    messageId: `m-${i}`,
    receiptHandle: "r",
    body: JSON.stringify(body),
  }));

/**
 * Evaluates a `{% %}` field with the jsonata package. Step Functions adds `$parse` to JSONata;
 * here it is JSON.parse.
 */
async function evaluate(field: unknown, input: unknown): Promise<unknown> {
  const text = String(field);
  assert.match(text, /^\{% .+ %\}$/s);
  return jsonata(text.slice(3, -3)).evaluate(
    {},
    { states: { input }, parse: (s: string) => JSON.parse(s) as unknown },
  );
}

describe("compileStepFunctions", () => {
  const asl = compileStepFunctions(reference(), SFN_TARGET) as Asl;

  it("is a valid ASL document (asl-validator, JSONata expressions parsed)", () => {
    assert.deepEqual(aslErrors(asl), []);
    assert.deepEqual(aslErrors(compileStepFunctions(diamond(), SFN_TARGET)), []);
  });

  it("fails asl-validator when a JSONata expression does not parse, so the check is real", () => {
    const broken = structuredClone(asl);
    broken.States[SFN_STATES.parameters].Output = "{% ($m := $parse(; ) %}";
    assert.notDeepEqual(aslErrors(broken), []);
  });

  it("uses JSONata, times the whole machine out and starts by checking the request", () => {
    assert.equal(asl.QueryLanguage, "JSONata");
    assert.equal(asl.TimeoutSeconds, 3600);
    assert.equal(asl.StartAt, SFN_STATES.read);
    assert.deepEqual(Object.keys(asl.States), [
      SFN_STATES.read,
      SFN_STATES.reject,
      SFN_STATES.parameters,
      "main",
    ]);
  });

  it("runs the step as an eks:runJob.sync Task with the integration's documented parameters", () => {
    const task = asl.States.main;
    assert.equal(task.Resource, RUN_JOB_SYNC);
    const args = task.Arguments as Json;
    assert.deepEqual(Object.keys(args), [
      "ClusterName",
      "CertificateAuthority",
      "Endpoint",
      "Namespace",
      "LogOptions",
      "Job",
    ]);
    assert.equal(args.Namespace, "workflows");
    assert.deepEqual(args.LogOptions, {
      RetrieveLogs: true,
      RawLogs: true,
      LogParameters: { tailLines: ["100"], limitBytes: ["16384"] },
    });
    assert.equal(task.TimeoutSeconds, 3600);
    assert.deepEqual(task.Retry, [
      {
        ErrorEquals: ["States.ALL"],
        IntervalSeconds: 30,
        BackoffRate: 2,
        MaxAttempts: 3,
        MaxDelaySeconds: 600,
      },
    ]);
    assert.equal(task.End, true);
  });

  it("runs a Job with the same pod as Argo's: security, account, image, command, resources, mesh", () => {
    const job = (asl.States.main.Arguments as Json).Job as Json;
    assert.deepEqual(validateManifest(job), []);
    const jobSpec = job.spec as Json;
    assert.equal(jobSpec.backoffLimit, 0, "retries belong to the Task");
    assert.equal(jobSpec.activeDeadlineSeconds, 3600);
    const template = jobSpec.template as { metadata: Json; spec: Json };
    const argo = (compileArgo(reference(), ARGO_TARGET) as { spec: Json & { templates: Json[] } })
      .spec;
    assert.deepEqual(template.spec.securityContext, argo.securityContext);
    assert.equal(template.spec.serviceAccountName, argo.serviceAccountName);
    assert.equal(template.spec.restartPolicy, "Never");
    assert.deepEqual(template.metadata.annotations, (argo.podMetadata as Json).annotations);
    const [container] = template.spec.containers as Json[];
    const argoContainer = argo.templates.find((t) => t.name === "main")?.container as Json;
    for (const key of ["image", "command", "resources", "securityContext"]) {
      assert.deepEqual(container[key], argoContainer[key], key);
    }
  });

  it("names each Job per execution, step and attempt, within a label's 63 characters", async () => {
    const name = ((asl.States.main.Arguments as Json).Job as { metadata: Json }).metadata.name;
    const context = (retry: number) => ({
      Execution: { Id: "arn:aws:states:eu-west-1:111122223333:execution:sm:0f8f" },
      State: { RetryCount: retry },
    });
    const run = (retry: number) =>
      jsonata(String(name).slice(3, -3)).evaluate(
        {},
        {
          states: { context: context(retry) },
          // Stand-in for Step Functions' $hash (upper case, to show the name is lower-cased).
          hash: (s: string) => createHash("sha256").update(s).digest("hex").toUpperCase(),
        },
      );
    const first = String(await run(0));
    const second = String(await run(1));
    assert.match(first, /^service-a-request-main-[0-9a-f]{16}$/);
    assert.ok(first.length <= 63);
    assert.notEqual(first, second, "a retry creates a new Job");
  });

  it("reads the parameters from a pipe batch of one workflow request, as the sensor does", async () => {
    const message = example("nightly-report.json");
    const def = referenceWorkflow(referenceArgs({ name: "nightly-report" }));
    const states = (compileStepFunctions(def, SFN_TARGET) as Asl).States;
    const params = (await evaluate(states[SFN_STATES.parameters].Output, batch(message))) as Json;
    const data = message.data as Json;
    assert.deepEqual(
      { ...params, parameters: JSON.parse(params.parameters as string) as unknown },
      {
        requestId: data.requestId,
        workflowTemplate: "nightly-report",
        parameters: data.parameters,
        traceparent: message.traceparent,
      },
    );
    const { traceparent: _t, ...untraced } = message;
    const without = (await evaluate(states[SFN_STATES.parameters].Output, batch(untraced))) as Json;
    assert.equal(without.traceparent, "", "no trace context: the step starts a trace");
  });

  it("rejects a batch that is not one request for this workflow", async () => {
    const message = example("nightly-report.json");
    const def = referenceWorkflow(referenceArgs({ name: "nightly-report" }));
    const choice = (compileStepFunctions(def, SFN_TARGET) as Asl).States[SFN_STATES.read];
    const condition = (choice.Choices as Json[])[0].Condition;
    assert.equal(await evaluate(condition, batch(message)), true);
    assert.equal(await evaluate(condition, batch(message, message)), false);
    const other = { ...message, data: { ...(message.data as Json), workflowTemplate: "other" } };
    assert.equal(await evaluate(condition, batch(other)), false);
    assert.equal(choice.Default, SFN_STATES.reject);
    assert.equal(STEP_FUNCTIONS_INPUT.example.length, 1);
  });

  it("passes parameters into args and env, and hands the parameters on instead of the Job result", async () => {
    const states = (compileStepFunctions(diamond(), SFN_TARGET) as Asl).States;
    const parallel = Object.values(states).find((s) => s.Type === "Parallel") as Json;
    const transform = ((parallel.Branches as Json[])[0].States as Record<string, Json>).transform;
    const [container] = (
      ((transform.Arguments as Json).Job as Json).spec as {
        template: { spec: { containers: Json[] } };
      }
    ).template.spec.containers;
    assert.deepEqual(container.args, ["--request-id", "{% $states.input.requestId %}"]);
    assert.deepEqual(container.env, [
      { name: "TRACEPARENT", value: "{% $states.input.traceparent %}" },
    ]);
    const input = { requestId: "r", workflowTemplate: "report", parameters: "{}", traceparent: "" };
    assert.deepEqual(await evaluate(transform.Output, input), input);
    assert.deepEqual(await evaluate(parallel.Output, input), input);
  });

  it("maps the diamond to fetch → Parallel(transform | validate) → publish, caught to the on-failure step", () => {
    const states = (compileStepFunctions(diamond(), SFN_TARGET) as Asl).States;
    assert.equal(states[SFN_STATES.parameters].Next, "fetch");
    const parallelName = states.fetch.Next as string;
    const parallel = states[parallelName];
    assert.equal(parallel.Type, "Parallel");
    assert.deepEqual(
      (parallel.Branches as Json[]).map((b) => [b.StartAt, Object.keys(b.States as Json)]),
      [
        ["transform", ["transform"]],
        ["validate", ["validate"]],
      ],
    );
    assert.equal(parallel.Next, "publish");
    assert.equal(states.publish.End, true);
    for (const name of ["fetch", parallelName, "publish"]) {
      assert.deepEqual(
        (states[name].Catch as Json[]).map((c) => [c.ErrorEquals, c.Next]),
        [[["States.ALL"], "notify-failure"]],
        name,
      );
    }
    assert.equal(states["notify-failure"].Next, SFN_STATES.failed);
    assert.deepEqual(states[SFN_STATES.failed], {
      Type: "Fail",
      Error: "WorkflowFailed",
      Cause: 'a step of workflow "report" failed; the on-failure step "notify-failure" ran',
    });
  });

  it("refuses what Step Functions cannot honour, naming the workflow, each step and feature", () => {
    const def = diamond();
    def.steps = [
      step("a"),
      step("b", { retry: { limit: 1, initialInterval: "500ms", factor: 2, maxInterval: "1s" } }),
      step("c", { dependencies: ["a", "b"] }),
      step("d", { dependencies: ["b"] }),
    ];
    def.timeoutSeconds = 900;
    assert.throws(
      () => compileStepFunctions(def, SFN_TARGET),
      (e: Error) =>
        e instanceof UnsupportedFeatureError &&
        e.problems.every((p) => p.engine === "step-functions" && p.workflow === "report") &&
        e.problems.map((p) => [p.step, p.feature]).join(" ") ===
          [
            ["b", "sub-second-retry-interval"],
            ["c", "non-series-parallel-dag"],
            ["notify-failure", "on-failure-after-total-timeout"],
          ].join(" ") &&
        e.message.startsWith(
          'step-functions cannot compile workflow "report": step "b" uses sub-second-retry-interval (IntervalSeconds and MaxDelaySeconds are whole seconds); step "c" uses non-series-parallel-dag',
        ),
    );
  });

  it("renders the ASL text once the cluster's outputs are known", async () => {
    const out = compileStepFunctions(reference(), {
      ...SFN_TARGET,
      cluster: {
        ...SFN_TARGET.cluster,
        endpoint: pulumi.output("https://example.eks.amazonaws.com"),
      },
    });
    const text = await valueOf(aslDefinition(out));
    const parsed = JSON.parse(text) as Asl;
    assert.equal(
      (parsed.States.main.Arguments as Json).Endpoint,
      "https://example.eks.amazonaws.com",
    );
    assert.deepEqual(aslErrors(parsed), []);
  });
});
