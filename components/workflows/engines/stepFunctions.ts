/**
 * The Step Functions compiler: a portable {@link WorkflowDefinition} becomes the Amazon States
 * Language definition of a STANDARD state machine.
 *
 * - Query language: JSONata (`"QueryLanguage": "JSONata"`). The pipe's input is an array whose
 *   record carries the CloudEvents message as a JSON *string*; JSONata parses it (`$parse`) and
 *   serialises `data.parameters` back to JSON text (`$string`) in one expression, and a container's
 *   args array can mix literals and `{% $states.input.requestId %}` elements at any depth. JSONPath
 *   would need `.$` keys at every level and `States.Array(...)` for every args list.
 * - Each container step is a Task state, on one of two runners (the target's `runner`):
 *   - `fargate` (the default): `arn:aws:states:::ecs:runTask.sync` runs the step's task definition
 *     (engines/ecs.ts) on Fargate in the private subnets, with the arguments and the parameter-fed
 *     environment as the container's overrides. Step Functions' EKS integration reaches only a
 *     public cluster endpoint, which staging and prod do not have.
 *   - `eks`: `arn:aws:states:::eks:runJob.sync` runs a batch/v1 Job in the workflow namespace of
 *     the EKS cluster, with the pod settings of engines/kubernetes.ts. The Job never retries
 *     itself (`backoffLimit: 0`): retries are the Task's `Retry`, so there is one owner.
 * - With `recordExecution`, the first state after the parameters writes the execution's name onto
 *   the request's item (services/service-a/src/statusAccess.ts), so Service A can read its status.
 * - The DAG becomes sequences and Parallel states through its series-parallel decomposition
 *   (capabilities.ts), which keeps the order exact; other DAGs are refused.
 *
 * The execution input is what an EventBridge Pipe from the work queue delivers to a state machine
 * target: a JSON array of SQS records (pipes pass batches to Step Functions as an array even for a
 * batch of one), each with `body` = the workflow-request message text. See
 * {@link STEP_FUNCTIONS_INPUT} and docs/workflow-engines.md.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  allSteps,
  assertValidWorkflow,
  goDurationSeconds,
  isParameterRef,
  PARAMETER_SOURCES,
  WORKFLOW_PARAMETERS,
  type FailureStep,
  type StepArg,
  type WorkflowDefinition,
} from "../definition";
import {
  checkCapabilities,
  EngineName,
  Feature,
  UnsupportedFeatureError,
  readStepArg,
  reducedDependencies,
  seriesParallel,
  type SeriesParallel,
  type StepStructure,
  type WorkflowEngine,
  type WorkflowStructure,
} from "./capabilities";
import { recordExecutionState } from "../../../services/service-a/src/statusAccess";
import { FARGATE_CONTAINER, fargateSize } from "./ecs";
import { MESH_ANNOTATIONS, MeshMode, podSecurityContext, stepContainer } from "./kubernetes";

/** The integration that runs a Kubernetes Job and waits for it. */
export const RUN_JOB_SYNC = "arn:aws:states:::eks:runJob.sync";

/** The integration that runs an ECS task and waits for it to stop. */
export const RUN_TASK_SYNC = "arn:aws:states:::ecs:runTask.sync";

/** Where the container steps run (docs/workflow-engines.md, "Runners"). */
export const StepRunner = {
  Fargate: "fargate",
  Eks: "eks",
} as const;
export type StepRunner = (typeof StepRunner)[keyof typeof StepRunner];

/** The states the compiler adds around the steps (capitalised: no DNS-label step can clash). */
export const SFN_STATES = {
  read: "ReadRequest",
  reject: "RejectRequest",
  parameters: "Parameters",
  record: "RecordExecution",
  duplicate: "AlreadyStarted",
  failed: "Failed",
} as const;

/**
 * The execution input this machine expects, for the pipe that starts it: a batch of exactly one
 * SQS record from the work queue, whose `body` is the workflow-request CloudEvent as JSON text.
 * Anything else ends in the `RejectRequest` Fail state.
 */
export const STEP_FUNCTIONS_INPUT = {
  description:
    "An EventBridge Pipe batch of one SQS record: [{ messageId, body: '<workflow-request CloudEvent JSON>', ... }]",
  example: [
    {
      messageId: "059f36b4-87a3-44ab-83d2-661975830a7d",
      body: '{"specversion":"1.0","id":"…","source":"/service-a","type":"com.acme.workflow.requested.v1","time":"…","datacontenttype":"application/json","traceparent":"00-…-…-01","data":{"requestId":"…","workflowTemplate":"service-a-request","parameters":{},"requestedBy":"…","priority":"normal","idempotencyKey":"…"}}',
    },
  ],
} as const;

/** Kubernetes Jobs through `eks:runJob.sync`: the cluster's API endpoint must be public. */
export interface EksJobRunner {
  runner?: typeof StepRunner.Eks;
  /** The EKS cluster (DescribeCluster: name, endpoint, certificateAuthority.data). */
  cluster: {
    name: pulumi.Input<string>;
    endpoint: pulumi.Input<string>;
    certificateAuthority: pulumi.Input<string>;
  };
  /** The workflow namespace the Jobs run in (the state machine role's access entry is scoped to it). */
  namespace: string;
  /**
   * The Job pods' place in the mesh.
   * @default "native-sidecar"
   */
  mesh?: MeshMode;
  /** How long a finished Job (and its pod) stays before Kubernetes deletes it. */
  jobTtlSecondsAfterFinished: number;
  /**
   * How much of each pod's log the Task result keeps (LogOptions.LogParameters); the result lands in
   * the execution history, encrypted with the state machine's key. Keep it well under the 256 KiB
   * task-result quota.
   * @default { tailLines: 100, limitBytes: 16384 }
   */
  logs?: { tailLines: number; limitBytes: number };
}

/** Fargate tasks through `ecs:runTask.sync`, in private subnets. */
export interface FargateTaskRunner {
  runner: typeof StepRunner.Fargate;
  /** The ECS cluster the tasks run in. */
  clusterArn: pulumi.Input<string>;
  /** Private subnets; the tasks get no public address. */
  subnets: pulumi.Input<pulumi.Input<string>[]>;
  securityGroups: pulumi.Input<string>[];
  /**
   * Each step's task definition ARN (with revision), by step name, registered from
   * engines/ecs.ts `fargateContainer()` and `fargateSize()`.
   */
  taskDefinitions: Record<string, pulumi.Input<string>>;
}

/** Where and how the steps run: what the portable definition leaves to the platform. */
export type StepFunctionsTarget = (EksJobRunner | FargateTaskRunner) & {
  /**
   * Record each execution's name on the request's item of Service A's request table (the first
   * state after the parameters); a second execution for the same request ends at once.
   */
  recordExecution?: {
    tableName: pulumi.Input<string>;
    /** How long an item the execution creates lives if Service A never completes it. */
    ttlSeconds: number;
  };
};

const isFargate = (target: StepFunctionsTarget): target is FargateTaskRunner & typeof target =>
  target.runner === StepRunner.Fargate;

/** A JSONata expression as Step Functions reads it in a string field. */
const jsonata = (expression: string) => `{% ${expression} %}`;

/** A JSONata string literal (single quotes, as ASL requires inside `{% %}`). */
const literal = (value: string) =>
  `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n")}'`;

function sfnValue(value: StepArg): string {
  if (isParameterRef(value)) return jsonata(`$states.input.${value.param}`);
  // A literal that looks like an expression would be evaluated; pass it as a string literal.
  return value.startsWith("{%") ? jsonata(literal(value)) : value;
}

const SFN_REF = /^\{% \$states\.input\.([A-Za-z]+) %\}$/;

/** The JSONata that turns the pipe's batch into the workflow parameters, from PARAMETER_SOURCES. */
function parametersExpression(): string {
  const fields = WORKFLOW_PARAMETERS.map((name) => {
    const source = PARAMETER_SOURCES[name];
    const path = `$m.${source.path.join(".")}`;
    const value = source.json ? `$string(${path})` : path;
    const withDefault =
      source.default === undefined
        ? value
        : `($exists(${path}) ? ${value} : ${literal(source.default)})`;
    return `'${name}': ${withDefault}`;
  });
  return `($m := $parse($states.input[0].body); { ${fields.join(", ")} })`;
}

function jobName(def: WorkflowDefinition, step: FailureStep): string {
  // Unique per execution, step and attempt (a retry creates a new Job), and a valid label value:
  // at most 40 characters of prefix, a dash and 16 hex characters.
  const prefix = `${def.name}-${step.name}`.slice(0, 40).replace(/-+$/, "");
  return jsonata(
    `${literal(`${prefix}-`)} & $substring($lowercase($hash($states.context.Execution.Id & ${literal(`/${step.name}/`)} & $string($states.context.State.RetryCount), 'SHA-256')), 0, 16)`,
  );
}

function retryOf(step: FailureStep): Record<string, unknown> {
  return step.retry
    ? {
        Retry: [
          {
            ErrorEquals: ["States.ALL"],
            IntervalSeconds: goDurationSeconds(step.retry.initialInterval),
            BackoffRate: step.retry.factor,
            MaxAttempts: step.retry.limit,
            MaxDelaySeconds: goDurationSeconds(step.retry.maxInterval),
          },
        ],
      }
    : {};
}

function taskState(
  def: WorkflowDefinition,
  step: FailureStep,
  target: StepFunctionsTarget,
): Record<string, unknown> {
  return isFargate(target) ? fargateTaskState(step, target) : eksTaskState(def, step, target);
}

/**
 * A step as a Fargate task: its task definition holds the image, entry point, static environment,
 * user and logging; the execution sets the arguments and the parameter-fed environment. Step
 * Functions stops the task when the state times out or the execution is stopped.
 */
function fargateTaskState(step: FailureStep, target: FargateTaskRunner): Record<string, unknown> {
  const env = (step.env ?? []).flatMap((e) =>
    isParameterRef(e.value) ? [{ name: e.name, value: e.value }] : [],
  );
  const args = step.args ?? [];
  return {
    Type: "Task",
    Resource: RUN_TASK_SYNC,
    Arguments: {
      Cluster: target.clusterArn,
      TaskDefinition: target.taskDefinitions[step.name],
      LaunchType: "FARGATE",
      PlatformVersion: "LATEST",
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          Subnets: target.subnets,
          SecurityGroups: target.securityGroups,
          AssignPublicIp: "DISABLED",
        },
      },
      Overrides: {
        ContainerOverrides: [
          {
            Name: FARGATE_CONTAINER,
            ...(args.length > 0 ? { Command: args.map(sfnValue) } : {}),
            ...(env.length > 0
              ? { Environment: env.map((e) => ({ Name: e.name, Value: sfnValue(e.value) })) }
              : {}),
          },
        ],
      },
      // The task carries its definition's tags (workflow and step), and who started it.
      PropagateTags: "TASK_DEFINITION",
      StartedBy: jsonata("$substring($states.context.Execution.Name, 0, 36)"),
    },
    TimeoutSeconds: step.timeoutSeconds,
    ...retryOf(step),
    // The next state gets the parameters again, not the task's description.
    Output: jsonata("$states.input"),
  };
}

function eksTaskState(
  def: WorkflowDefinition,
  step: FailureStep,
  target: EksJobRunner,
): Record<string, unknown> {
  const mesh = target.mesh ?? MeshMode.NativeSidecar;
  const logs = target.logs ?? { tailLines: 100, limitBytes: 16384 };
  const labels = {
    "app.kubernetes.io/managed-by": "step-functions",
    "acme.io/workflow-template": def.name,
    "acme.io/workflow-step": step.name,
  };
  return {
    Type: "Task",
    Resource: RUN_JOB_SYNC,
    Arguments: {
      ClusterName: target.cluster.name,
      CertificateAuthority: target.cluster.certificateAuthority,
      Endpoint: target.cluster.endpoint,
      Namespace: target.namespace,
      LogOptions: {
        RetrieveLogs: true,
        RawLogs: true,
        LogParameters: {
          tailLines: [String(logs.tailLines)],
          limitBytes: [String(logs.limitBytes)],
        },
      },
      Job: {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: jobName(def, step), namespace: target.namespace, labels },
        spec: {
          // Retries belong to the Task's Retry; a Job that retried too would multiply them.
          backoffLimit: 0,
          // The pod stops at the step timeout even if Step Functions stops waiting first.
          activeDeadlineSeconds: step.timeoutSeconds,
          ttlSecondsAfterFinished: target.jobTtlSecondsAfterFinished,
          template: {
            metadata: { labels, annotations: { ...MESH_ANNOTATIONS[mesh] } },
            spec: {
              restartPolicy: "Never",
              serviceAccountName: step.serviceAccountName,
              securityContext: podSecurityContext(),
              containers: [{ name: "main", ...stepContainer(step, sfnValue) }],
            },
          },
        },
      },
    },
    TimeoutSeconds: step.timeoutSeconds,
    ...retryOf(step),
    // The next state gets the parameters again, not the Job's status and logs.
    Output: jsonata("$states.input"),
  };
}

type States = Record<string, Record<string, unknown>>;

/**
 * Adds the states of `node` to `states`, chaining them in order; returns the first state's name
 * and the names of the last ones (whose Next or End the caller sets).
 */
function emit(
  def: WorkflowDefinition,
  target: StepFunctionsTarget,
  node: SeriesParallel,
  states: States,
): { first: string; items: string[] } {
  const items = node.kind === "sequence" ? node.items : [node];
  const names: string[] = [];
  items.forEach((item, i) => {
    let name: string;
    if (item.kind === "step") {
      name = item.name;
      states[name] = taskState(
        def,
        def.steps.find((s) => s.name === item.name) as FailureStep,
        target,
      );
    } else if (item.kind === "parallel") {
      name = `Parallel ${item.branches.map((b) => firstStep(b)).join(" ")}`.slice(0, 80);
      states[name] = {
        Type: "Parallel",
        Branches: item.branches.map((branch) => {
          const branchStates: States = {};
          const { first, items: branchItems } = emit(def, target, branch, branchStates);
          branchStates[branchItems[branchItems.length - 1]].End = true;
          return { StartAt: first, States: branchStates };
        }),
        Output: jsonata("$states.input"),
      };
    } else {
      throw new Error("a sequence inside a sequence is flattened by seriesParallel");
    }
    if (i > 0) states[names[i - 1]].Next = name;
    names.push(name);
  });
  return { first: names[0], items: names };
}

function firstStep(node: SeriesParallel): string {
  if (node.kind === "step") return node.name;
  return firstStep(node.kind === "sequence" ? node.items[0] : node.branches[0]);
}

/**
 * Compiles `def` to an ASL document (an object; Outputs from `target` stay inside until
 * {@link aslDefinition} renders it). Throws one error listing every invalid field, or one naming
 * every feature Step Functions cannot honour.
 */
export function compileStepFunctions(
  def: WorkflowDefinition,
  target: StepFunctionsTarget,
): Record<string, unknown> {
  assertValidWorkflow(def);
  checkCapabilities(EngineName.StepFunctions, def);
  if (isFargate(target)) checkFargate(def, target);
  const sp = seriesParallel(def.steps);
  if (!("tree" in sp))
    throw new Error("unreachable: checkCapabilities refuses non-series-parallel DAGs");
  const body: States = {};
  const { first, items } = emit(def, target, sp.tree, body);
  const catchTo = def.onFailure ? def.onFailure.name : undefined;
  for (const name of items) {
    if (catchTo) {
      body[name].Catch = [
        { ErrorEquals: ["States.ALL"], Next: catchTo, Output: jsonata("$states.input") },
      ];
    }
  }
  body[items[items.length - 1]].End = true;
  const states: States = {
    [SFN_STATES.read]: {
      Type: "Choice",
      Choices: [
        {
          Condition: jsonata(
            `$type($states.input) = 'array' and $count($states.input) = 1 and $parse($states.input[0].body).data.workflowTemplate = ${literal(def.name)}`,
          ),
          Next: SFN_STATES.parameters,
        },
      ],
      Default: SFN_STATES.reject,
    },
    [SFN_STATES.reject]: {
      Type: "Fail",
      Error: "InvalidRequest",
      Cause: `expected a pipe batch of one SQS record whose body is a workflow request for "${def.name}"`,
    },
    [SFN_STATES.parameters]: {
      Type: "Pass",
      Output: jsonata(parametersExpression()),
      Next: target.recordExecution ? SFN_STATES.record : first,
    },
    ...(target.recordExecution
      ? {
          [SFN_STATES.record]: recordExecutionState({
            tableName: target.recordExecution.tableName,
            requestId: "$states.input.requestId",
            ttlSeconds: target.recordExecution.ttlSeconds,
            next: first,
            onDuplicate: SFN_STATES.duplicate,
          }),
          [SFN_STATES.duplicate]: {
            Type: "Succeed",
            Comment:
              "A redelivered request: its first execution runs the workflow and is the one Service A reports.",
          },
        }
      : {}),
    ...body,
  };
  if (def.onFailure) {
    states[def.onFailure.name] = {
      ...taskState(def, def.onFailure, target),
      Catch: [{ ErrorEquals: ["States.ALL"], Next: SFN_STATES.failed }],
      Next: SFN_STATES.failed,
    };
    states[SFN_STATES.failed] = {
      Type: "Fail",
      Error: "WorkflowFailed",
      Cause: `a step of workflow "${def.name}" failed; the on-failure step "${def.onFailure.name}" ran`,
    };
  }
  return {
    Comment: `Workflow "${def.name}", compiled from its portable definition (components/workflows/definition.ts).`,
    QueryLanguage: "JSONata",
    TimeoutSeconds: def.timeoutSeconds,
    StartAt: SFN_STATES.read,
    States: states,
  };
}

/**
 * What the `fargate` runner cannot run: a step no Fargate size holds (an {@link
 * UnsupportedFeatureError}), or a step without a task definition (a wiring error).
 */
function checkFargate(def: WorkflowDefinition, target: FargateTaskRunner): void {
  const all = allSteps(def);
  const tooLarge = all.filter((step) => fargateSize(step.resources) === undefined);
  if (tooLarge.length > 0) {
    throw new UnsupportedFeatureError(
      tooLarge.map((step) => ({
        feature: Feature.ResourcesBeyondFargate,
        step: step.name,
        engine: EngineName.StepFunctions,
        workflow: def.name,
        how: `cpu ${step.resources.cpu} and memory ${step.resources.memory} fit no Fargate task size; lower them or use the eks runner`,
      })),
    );
  }
  const missing = all.filter((step) => target.taskDefinitions[step.name] === undefined);
  if (missing.length > 0) {
    throw new Error(
      `workflow "${def.name}": the fargate runner has no task definition for step(s) ${missing.map((s) => `"${s.name}"`).join(", ")}; register one per step (engines/ecs.ts) and pass it in taskDefinitions`,
    );
  }
}

/** The ASL text of a compiled document, once every Output in it is known. */
export function aslDefinition(compiled: Record<string, unknown>): pulumi.Output<string> {
  return pulumi.jsonStringify(pulumi.output(compiled));
}

type Json = Record<string, unknown>;

const readArg = (value: unknown): StepArg => readStepArg(SFN_REF, value);

/**
 * What the structure reader needs of a `fargate` step's task definition, which the ASL names only:
 * its container (engines/ecs.ts `fargateContainer()`) and the service account whose grants its
 * task role carries.
 */
export interface FargateTaskFacts {
  container: Record<string, unknown>;
  serviceAccountName: string;
}

function taskStructure(
  name: string,
  state: Json,
  tasks: Record<string, FargateTaskFacts>,
): Omit<StepStructure, "dependencies"> {
  const retry = (state.Retry as Json[] | undefined)?.[0];
  const common = {
    name,
    ...(retry
      ? {
          retry: {
            limit: retry.MaxAttempts as number,
            initialIntervalSeconds: retry.IntervalSeconds as number,
            factor: retry.BackoffRate as number,
            maxIntervalSeconds: retry.MaxDelaySeconds as number,
          },
        }
      : {}),
    timeoutSeconds: state.TimeoutSeconds as number,
  };
  const args = state.Arguments as Json;
  if (state.Resource === RUN_TASK_SYNC) {
    const taskDefinition = args.TaskDefinition as string;
    const facts = tasks[taskDefinition];
    if (!facts) throw new Error(`state "${name}": no task definition facts for ${taskDefinition}`);
    const override = ((args.Overrides as Json).ContainerOverrides as Json[])[0];
    return {
      ...common,
      command: facts.container.entryPoint as string[],
      args: ((override.Command as unknown[] | undefined) ?? []).map(readArg),
      serviceAccountName: facts.serviceAccountName,
    };
  }
  const job = args.Job as Json;
  const pod = ((job.spec as Json).template as Json).spec as Json;
  const container = (pod.containers as Json[])[0];
  return {
    ...common,
    command: container.command as string[],
    args: (container.args as unknown[]).map(readArg),
    serviceAccountName: pod.serviceAccountName as string,
  };
}

/** Reads a compiled ASL document back into the engine-neutral structure. */
export function stepFunctionsStructure(
  compiled: Record<string, unknown>,
  tasks: Record<string, FargateTaskFacts> = {},
): WorkflowStructure {
  const steps: Array<Omit<StepStructure, "dependencies"> & { after: string[] }> = [];
  let onFailure: string | undefined;
  // Walks a chain of states; every step depends on every step that finished before it.
  const walk = (states: Json, start: string, before: string[]): string[] => {
    let done = [...before];
    let name: string | undefined = start;
    while (name) {
      const state = states[name] as Json;
      if (state.Type === "Task") {
        steps.push({ ...taskStructure(name, state, tasks), after: done });
        done = [...done, name];
      } else if (state.Type === "Parallel") {
        const ends = (state.Branches as Json[]).map((b) =>
          walk(b.States as Json, b.StartAt as string, done),
        );
        done = [...new Set(ends.flat())];
      }
      const caught = (state.Catch as Json[] | undefined)?.[0]?.Next as string | undefined;
      if (caught && (states[caught] as Json).Type === "Task") onFailure = caught;
      name = state.Next as string | undefined;
    }
    return done;
  };
  const top = compiled.States as Json;
  const afterParameters = (top[SFN_STATES.parameters] as Json).Next as string;
  // The execution-record state is bookkeeping, not a step of the workflow.
  const first =
    afterParameters === SFN_STATES.record
      ? ((top[SFN_STATES.record] as Json).Next as string)
      : afterParameters;
  walk(top, first, []);
  const reduced = reducedDependencies(steps.map((s) => ({ name: s.name, dependencies: s.after })));
  return {
    name: /"([^"]+)"/.exec(compiled.Comment as string)?.[1] ?? "",
    timeoutSeconds: compiled.TimeoutSeconds as number,
    steps: steps
      .map(({ after: _after, ...s }) => ({ ...s, dependencies: reduced.get(s.name) ?? [] }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    ...(onFailure ? { onFailure: taskStructure(onFailure, top[onFailure] as Json, tasks) } : {}),
  };
}

/** The Step Functions engine. */
export const stepFunctionsEngine: WorkflowEngine<StepFunctionsTarget, Record<string, unknown>> = {
  name: EngineName.StepFunctions,
  compile: compileStepFunctions,
  structure: stepFunctionsStructure,
};
