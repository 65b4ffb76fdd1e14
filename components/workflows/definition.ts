/**
 * The portable workflow definition: one description of a workflow (container steps, their DAG,
 * retries with backoff, per-step and total timeouts, an on-failure step, the trace context) that
 * `engines/` compiles to an Argo WorkflowTemplate or a Step Functions state machine.
 *
 * Everything here is plain data checked by {@link validateWorkflowDefinition}, which reports every
 * problem at once with the path of the field, before any resource registers. What one engine
 * cannot express is not a validation error but a capability error raised by that engine's
 * compiler (`engines/index.ts`, docs/workflow-engines.md).
 */
import * as pulumi from "@pulumi/pulumi";
import {
  DNS_LABEL,
  DNS_LABEL_FORM,
  DNS_SUBDOMAIN,
  ENV_NAME,
  isPositiveGoDuration,
  throwIfInvalid,
  type ValidationError,
} from "../lib";
import { otelSdkEnv } from "../observability/tracing";

/**
 * The parameters every workflow receives from its triggering message, in the order Argo passes
 * them (`workflowFromTemplate` in argoEvents.ts and the template's `spec.arguments`).
 */
export const WORKFLOW_PARAMETERS = [
  "requestId",
  "workflowTemplate",
  "parameters",
  "traceparent",
] as const;
/** One of {@link WORKFLOW_PARAMETERS}. */
export type WorkflowParameter = (typeof WORKFLOW_PARAMETERS)[number];

/**
 * Where each parameter comes from in the work-queue message (a CloudEvents envelope,
 * contracts/messages/envelope.schema.json, with a workflow-request `data`,
 * workflow-request.schema.json): the path in the message, whether the value is passed as JSON
 * text (Argo parameters are strings, so the `parameters` object travels as its JSON text), and the
 * value when the message has none. The Argo Events sensor (argoEvents.ts) and the Step Functions
 * compiler both follow this table.
 */
export const PARAMETER_SOURCES: Record<
  WorkflowParameter,
  { path: readonly string[]; json: boolean; default?: string }
> = {
  requestId: { path: ["data", "requestId"], json: false },
  workflowTemplate: { path: ["data", "workflowTemplate"], json: false },
  parameters: { path: ["data", "parameters"], json: true, default: "{}" },
  traceparent: { path: ["traceparent"], json: false, default: "" },
};

/** A reference to a workflow parameter, in a step's args or env: `{ param: "requestId" }`. */
export interface ParameterRef {
  param: WorkflowParameter;
}

/** A container argument: a literal, or a parameter's value at run time. */
export type StepArg = string | ParameterRef;

/** An environment variable: a literal (possibly another resource's output) or a parameter. */
export interface StepEnvVar {
  name: string;
  value: pulumi.Input<string> | ParameterRef;
}

/**
 * Retries of a step on any failure, with exponential backoff: the n-th retry waits
 * `initialInterval × factor^(n-1)`, never more than `maxInterval`. The step must therefore be
 * idempotent for one `requestId`.
 */
export interface RetryPolicy {
  /** Retries after the first attempt, 0 to {@link MAX_RETRIES}. */
  limit: number;
  /** The wait before the first retry, a Go duration (`10s`). */
  initialInterval: string;
  /** What each wait is multiplied by, at least 1. */
  factor: number;
  /** The longest wait between two attempts, a Go duration (`5m`). */
  maxInterval: string;
}

/** CPU request and memory request (= limit), as Kubernetes quantities. */
export interface StepResources {
  cpu: string;
  memory: string;
}

/** A step that runs one container to completion. */
export interface ContainerStep {
  /** The step's name: a DNS-1123 label, unique in the workflow. */
  name: string;
  /**
   * The image, pinned by digest (`repo@sha256:<64 hex>`). A plain string is checked here; an
   * Output (the worker's digest) is checked by the component when it resolves.
   */
  image: pulumi.Input<string>;
  /** The executable and its fixed leading arguments. Required (Argo's emissary needs it). */
  command: string[];
  /** The arguments, literals or parameter references. */
  args?: StepArg[];
  /** The environment. */
  env?: StepEnvVar[];
  resources: StepResources;
  /** The pod's service account (a Kubernetes object name). */
  serviceAccountName: string;
  /** Steps that must succeed before this one starts (names). */
  dependencies?: string[];
  /** Retries on failure; none when unset. */
  retry?: RetryPolicy;
  /** The longest one attempt may run, in seconds. */
  timeoutSeconds: number;
}

/** The step that runs once when the workflow fails; it has no dependencies of its own. */
export type FailureStep = Omit<ContainerStep, "dependencies">;

/** A workflow, independent of the engine that runs it. */
export interface WorkflowDefinition {
  /**
   * The workflow's name: a DNS-1123 label (Argo copies the WorkflowTemplate name into a label; it
   * is also the `workflowTemplate` a request names).
   */
  name: string;
  /** The steps, a DAG through `dependencies`. */
  steps: ContainerStep[];
  /** Runs when any step fails for good (after its retries), then the workflow fails. */
  onFailure?: FailureStep;
  /** The longest the whole workflow may run, retries included, in seconds. */
  timeoutSeconds: number;
}

/** Every step of `def` that can run: its steps, then its on-failure step if it has one. */
export function allSteps(def: WorkflowDefinition): FailureStep[] {
  return def.onFailure ? [...def.steps, def.onFailure] : def.steps;
}

/** The most retries a step may ask for. */
const MAX_RETRIES = 10;

/**
 * Step names the compilers use for their own templates or states; a step may not take them.
 * (Step Functions' own states are capitalised, so they cannot clash with a DNS label.)
 */
const RESERVED_STEP_NAMES: readonly string[] = ["dag", "exit-handler"];

const PINNED_IMAGE = /^[a-z0-9]+([._/:-][a-z0-9]+)*@sha256:[a-f0-9]{64}$/;
/** A CPU quantity such as `250m` or `1`. */
const CPU_QUANTITY = /^(\d+m|\d+(\.\d+)?)$/;
/** A memory quantity such as `512Mi`. */
const MEMORY_QUANTITY = /^\d+(Ki|Mi|Gi)$/;

/**
 * The request workflow's name: the WorkflowTemplate (or state machine, and the Fargate steps'
 * cluster and security group) that Service A's requests name.
 */
export const REQUEST_WORKFLOW = "service-a-request";

/** The command that runs the worker's handoff in the worker's image (services/worker/src/handoff.ts). */
const HANDOFF_COMMAND = ["node", "--enable-source-maps", "dist/handoff.js"] as const;

/** The OTel service name of the handoff step's spans. */
const HANDOFF_SERVICE_NAME = "worker-handoff";

/** The reference workflow's one step: the task name the handoff puts in its work-task (`--task`). */
const STEP_NAME = "main";

/** True for a {@link ParameterRef}. */
export function isParameterRef(value: unknown): value is ParameterRef {
  return (
    typeof value === "object" &&
    value !== null &&
    !pulumi.Output.isInstance(value) &&
    "param" in value
  );
}

/** Checks an image is pinned by digest. */
export function validateImage(image: string, propertyPath = "image"): ValidationError[] {
  return PINNED_IMAGE.test(image)
    ? []
    : [
        {
          propertyPath,
          reason: `"${image}" must be pinned by digest: <repository>@sha256:<64 hex>`,
        },
      ];
}

const GO_UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

/** The length of a Go duration in seconds (fractions kept); NaN if it is not one. */
export function goDurationSeconds(value: string): number {
  if (!isPositiveGoDuration(value) && value !== "0") return Number.NaN;
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(amount) * GO_UNIT_SECONDS[unit];
  }
  return total;
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 0;
}

/** True when a step passes the trace context on: `traceparent` in its args or env. */
function carriesTraceContext(step: FailureStep): boolean {
  const refs = [...(step.args ?? []), ...(step.env ?? []).map((e) => e.value)];
  return refs.some((v) => isParameterRef(v) && v.param === "traceparent");
}

function validateStep(
  step: FailureStep & { dependencies?: string[] },
  at: string,
  add: (path: string, reason: string) => void,
  errors: ValidationError[],
): void {
  if (!DNS_LABEL.test(step.name)) add(`${at}.name`, `"${step.name}" must be ${DNS_LABEL_FORM}`);
  else if (RESERVED_STEP_NAMES.includes(step.name)) {
    add(`${at}.name`, `"${step.name}" is reserved (${RESERVED_STEP_NAMES.join(", ")}); rename it`);
  }
  if (typeof step.image === "string") errors.push(...validateImage(step.image, `${at}.image`));
  if (step.command.length === 0 || step.command.some((c) => c.length === 0)) {
    add(`${at}.command`, "must name the executable (non-empty strings)");
  }
  (step.args ?? []).forEach((arg, i) => {
    if (typeof arg === "string" && arg.includes("{{")) {
      // Argo would substitute it; a parameter is passed as a ParameterRef, never as template text.
      add(`${at}.args[${i}]`, `"${arg}" contains "{{"; pass parameters as { param: "<name>" }`);
    }
    if (isParameterRef(arg) && !(WORKFLOW_PARAMETERS as readonly string[]).includes(arg.param)) {
      add(
        `${at}.args[${i}]`,
        `"${String(arg.param)}" is not a workflow parameter (${WORKFLOW_PARAMETERS.join(", ")})`,
      );
    }
  });
  const envNames = new Set<string>();
  (step.env ?? []).forEach((env, i) => {
    if (!ENV_NAME.test(env.name)) {
      add(
        `${at}.env[${i}].name`,
        `"${env.name}" is not a variable name; use letters, digits and '_'`,
      );
    } else if (envNames.has(env.name)) {
      add(`${at}.env[${i}].name`, `"${env.name}" is set twice`);
    }
    envNames.add(env.name);
    if (
      isParameterRef(env.value) &&
      !(WORKFLOW_PARAMETERS as readonly string[]).includes(env.value.param)
    ) {
      add(
        `${at}.env[${i}].value`,
        `"${String(env.value.param)}" is not a workflow parameter (${WORKFLOW_PARAMETERS.join(", ")})`,
      );
    }
  });
  if (!CPU_QUANTITY.test(step.resources.cpu)) {
    add(`${at}.resources.cpu`, `"${step.resources.cpu}" is not a CPU quantity such as 250m or 1`);
  }
  if (!MEMORY_QUANTITY.test(step.resources.memory)) {
    add(
      `${at}.resources.memory`,
      `"${step.resources.memory}" is not a memory quantity such as 512Mi`,
    );
  }
  if (!DNS_SUBDOMAIN.test(step.serviceAccountName)) {
    add(`${at}.serviceAccountName`, `"${step.serviceAccountName}" is not a service account name`);
  }
  if (!isPositiveInteger(step.timeoutSeconds)) {
    add(
      `${at}.timeoutSeconds`,
      `must be a whole number of seconds above 0 (got ${String(step.timeoutSeconds)})`,
    );
  }
  if (step.retry) {
    const r = step.retry;
    if (!Number.isInteger(r.limit) || r.limit < 0 || r.limit > MAX_RETRIES) {
      add(`${at}.retry.limit`, `must be a whole number from 0 to ${MAX_RETRIES} (got ${r.limit})`);
    }
    for (const key of ["initialInterval", "maxInterval"] as const) {
      if (!isPositiveGoDuration(r[key])) {
        add(`${at}.retry.${key}`, `"${r[key]}" is not a Go duration above 0 such as 30s or 10m`);
      }
    }
    if (typeof r.factor !== "number" || !Number.isFinite(r.factor) || r.factor < 1) {
      add(`${at}.retry.factor`, `must be a number of at least 1 (got ${String(r.factor)})`);
    }
    if (
      isPositiveGoDuration(r.initialInterval) &&
      isPositiveGoDuration(r.maxInterval) &&
      goDurationSeconds(r.maxInterval) < goDurationSeconds(r.initialInterval)
    ) {
      add(
        `${at}.retry.maxInterval`,
        `"${r.maxInterval}" is shorter than initialInterval "${r.initialInterval}"`,
      );
    }
  }
  if (!carriesTraceContext(step)) {
    add(
      `${at}`,
      `step "${step.name}" does not carry the trace context: pass { param: "traceparent" } in its args or env`,
    );
  }
}

/**
 * Finds a dependency cycle among `steps` (names only, unknown names ignored); returns it as
 * `[a, b, ..., a]`, or undefined.
 */
export function findCycle(
  steps: readonly { name: string; dependencies?: string[] }[],
): string[] | undefined {
  const deps = new Map(steps.map((s) => [s.name, s.dependencies ?? []]));
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === "done") return undefined;
    if (state.get(name) === "visiting") return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, "visiting");
    stack.push(name);
    for (const d of deps.get(name) ?? []) {
      if (!deps.has(d)) continue;
      const cycle = visit(d);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(name, "done");
    return undefined;
  };
  for (const s of steps) {
    const cycle = visit(s.name);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Validates a {@link WorkflowDefinition}; returns every problem with the path of its field. */
export function validateWorkflowDefinition(def: WorkflowDefinition): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });
  if (!DNS_LABEL.test(def.name)) add("name", `"${def.name}" must be ${DNS_LABEL_FORM}`);
  if (!isPositiveInteger(def.timeoutSeconds)) {
    add(
      "timeoutSeconds",
      `must be a whole number of seconds above 0 (got ${String(def.timeoutSeconds)})`,
    );
  }
  if (def.steps.length === 0) add("steps", "must have at least one step");
  const names = new Map<string, number>();
  def.steps.forEach((step, i) => {
    const at = `steps[${i}]`;
    validateStep(step, at, add, errors);
    if (names.has(step.name)) {
      add(`${at}.name`, `"${step.name}" is also the name of steps[${names.get(step.name)}]`);
    } else names.set(step.name, i);
    if (isPositiveInteger(step.timeoutSeconds) && isPositiveInteger(def.timeoutSeconds)) {
      if (step.timeoutSeconds > def.timeoutSeconds) {
        add(
          `${at}.timeoutSeconds`,
          `${step.timeoutSeconds} exceeds the workflow's timeoutSeconds (${def.timeoutSeconds})`,
        );
      }
    }
  });
  def.steps.forEach((step, i) => {
    const seen = new Set<string>();
    (step.dependencies ?? []).forEach((dep, j) => {
      const at = `steps[${i}].dependencies[${j}]`;
      if (dep === step.name) add(at, `step "${step.name}" depends on itself`);
      else if (!names.has(dep)) {
        add(
          at,
          `"${dep}" is not a step of workflow "${def.name}" (${[...names.keys()].join(", ")})`,
        );
      } else if (seen.has(dep)) add(at, `"${dep}" is listed twice`);
      seen.add(dep);
    });
  });
  const cycle = findCycle(
    def.steps.map((s) => ({
      ...s,
      dependencies: (s.dependencies ?? []).filter((d) => d !== s.name),
    })),
  );
  if (cycle) add("steps", `dependency cycle: ${cycle.join(" -> ")}`);
  if (def.onFailure) {
    validateStep(def.onFailure, "onFailure", add, errors);
    if (names.has(def.onFailure.name)) {
      add(
        "onFailure.name",
        `"${def.onFailure.name}" is also the name of steps[${names.get(def.onFailure.name)}]`,
      );
    }
    if ("dependencies" in def.onFailure) {
      add(
        "onFailure.dependencies",
        "the on-failure step runs after any failure; it takes no dependencies",
      );
    }
    if (
      isPositiveInteger(def.onFailure.timeoutSeconds) &&
      isPositiveInteger(def.timeoutSeconds) &&
      def.onFailure.timeoutSeconds > def.timeoutSeconds
    ) {
      add(
        "onFailure.timeoutSeconds",
        `${def.onFailure.timeoutSeconds} exceeds the workflow's timeoutSeconds (${def.timeoutSeconds})`,
      );
    }
  }
  return errors;
}

/** Throws one error listing every problem of `def`, naming the workflow. */
export function assertValidWorkflow(def: WorkflowDefinition): void {
  throwIfInvalid(`workflow "${def.name}"`, validateWorkflowDefinition(def));
}

/**
 * The longest a step can run in the worst case: every attempt times out and every backoff wait is
 * taken, in seconds.
 */
export function worstCaseSeconds(step: FailureStep): number {
  const retry = step.retry;
  if (!retry) return step.timeoutSeconds;
  let waits = 0;
  let wait = goDurationSeconds(retry.initialInterval);
  const cap = goDurationSeconds(retry.maxInterval);
  for (let i = 0; i < retry.limit; i++) {
    waits += Math.min(wait, cap);
    wait *= retry.factor;
  }
  return step.timeoutSeconds * (retry.limit + 1) + waits;
}

/** What {@link referenceWorkflow} needs: the values today's `RequestWorkflowTemplate` takes. */
export interface ReferenceWorkflowArgs {
  /** The workflow's name (`service-a-request`). */
  name: string;
  /** The worker's image, by digest (`Microservice.imageRef`). */
  image: pulumi.Input<string>;
  /** The service account of the step's pod. */
  serviceAccountName: string;
  /** Where the handoff sends its task and its spans. */
  handoff: {
    taskQueueUrl: pulumi.Input<string>;
    region: string;
    otlpEndpoint: string;
  };
  resources: StepResources;
  /** The longest the workflow may run, retries included; also bounds one attempt. */
  timeoutSeconds: number;
  retry: RetryPolicy;
}

/**
 * Today's request workflow in the portable definition: one step, the worker's handoff
 * (`node --enable-source-maps dist/handoff.js`, services/worker/src/handoff.ts) with the arguments
 * the hand-built WorkflowTemplate passed, which sends one `work-task` to the worker's task queue in
 * the request's trace.
 */
export function referenceWorkflow(args: ReferenceWorkflowArgs): WorkflowDefinition {
  return {
    name: args.name,
    timeoutSeconds: args.timeoutSeconds,
    steps: [
      {
        name: STEP_NAME,
        image: args.image,
        command: [...HANDOFF_COMMAND],
        args: [
          "--request-id",
          { param: "requestId" },
          "--workflow-template",
          { param: "workflowTemplate" },
          "--parameters",
          { param: "parameters" },
          "--traceparent",
          { param: "traceparent" },
          "--task",
          STEP_NAME,
        ],
        env: [
          { name: "TASK_QUEUE_URL", value: args.handoff.taskQueueUrl },
          { name: "AWS_REGION", value: args.handoff.region },
          ...otelSdkEnv(HANDOFF_SERVICE_NAME, args.handoff.otlpEndpoint),
        ],
        resources: args.resources,
        serviceAccountName: args.serviceAccountName,
        retry: args.retry,
        timeoutSeconds: args.timeoutSeconds,
      },
    ],
  };
}
