/**
 * What each workflow engine can express, as data: the capability matrix both compilers enforce
 * (docs/workflow-engines.md is its prose). A definition that uses a feature its engine cannot honour
 * fails at compile time, naming the workflow, the step and the feature, instead of running with
 * other semantics.
 */
import {
  allSteps,
  goDurationSeconds,
  worstCaseSeconds,
  type ContainerStep,
  type StepArg,
  type WorkflowDefinition,
  type WorkflowParameter,
} from "../definition";
import { fargateSize } from "./ecs";

/** The engines a stack can select (`workflows.engine`). */
export const EngineName = {
  Argo: "argo",
  StepFunctions: "step-functions",
} as const;
export type EngineName = (typeof EngineName)[keyof typeof EngineName];

/** The features a definition can use. */
export const Feature = {
  ContainerSteps: "container-steps",
  DagDependencies: "dag-dependencies",
  NonSeriesParallelDag: "non-series-parallel-dag",
  RetryBackoff: "retry-backoff",
  FractionalBackoffFactor: "fractional-backoff-factor",
  SubSecondRetryInterval: "sub-second-retry-interval",
  StepTimeout: "step-timeout",
  TotalTimeout: "total-timeout",
  OnFailureStep: "on-failure-step",
  OnFailureAfterTotalTimeout: "on-failure-after-total-timeout",
  TraceContext: "trace-context",
  ResourcesBeyondFargate: "resources-beyond-fargate",
} as const;
export type Feature = (typeof Feature)[keyof typeof Feature];

/** Whether an engine honours a feature, and how (or why not). */
export interface Support {
  supported: boolean;
  how: string;
}

/** The capability matrix: for each feature, what it means and how each engine does it. */
export const CAPABILITIES: Record<Feature, { description: string } & Record<EngineName, Support>> =
  {
    [Feature.ContainerSteps]: {
      description:
        "A step runs one container (image, command, args, env, resources, service account).",
      argo: { supported: true, how: "a container template" },
      "step-functions": {
        supported: true,
        how: "a Task state: `arn:aws:states:::ecs:runTask.sync` running a Fargate task in the private subnets (runner `fargate`), or `arn:aws:states:::eks:runJob.sync` running a batch/v1 Job in the workflow namespace (runner `eks`, public cluster endpoint only)",
      },
    },
    [Feature.DagDependencies]: {
      description: "A step starts after the steps it depends on have succeeded.",
      argo: { supported: true, how: "a DAG template, one task per step with `dependencies`" },
      "step-functions": {
        supported: true,
        how: "sequence and Parallel states from the DAG's series-parallel decomposition",
      },
    },
    [Feature.NonSeriesParallelDag]: {
      description:
        "A DAG that is not series-parallel (e.g. a→c, b→c, b→d): no nesting of sequences and parallel branches gives the same order.",
      argo: { supported: true, how: "a DAG template runs any DAG" },
      "step-functions": {
        supported: false,
        how: "Step Functions has no DAG; layering would make steps wait for unrelated steps",
      },
    },
    [Feature.RetryBackoff]: {
      description:
        "Retries on any failure with exponential backoff (limit, initial interval, factor, max interval).",
      argo: {
        supported: true,
        how: "`retryStrategy` with `retryPolicy: Always` and `backoff` duration/factor/cap",
      },
      "step-functions": {
        supported: true,
        how: "`Retry` on States.ALL with IntervalSeconds, BackoffRate, MaxAttempts, MaxDelaySeconds",
      },
    },
    [Feature.FractionalBackoffFactor]: {
      description: "A backoff factor that is not a whole number (1.5).",
      argo: {
        supported: false,
        how: "`backoff.factor` is an int-or-string that Argo reads as a whole number",
      },
      "step-functions": { supported: true, how: "BackoffRate is any number of at least 1.0" },
    },
    [Feature.SubSecondRetryInterval]: {
      description: "A retry interval that is not a whole number of seconds (500ms, 1.5s).",
      argo: { supported: true, how: "`backoff.duration` and `cap` are Go durations" },
      "step-functions": {
        supported: false,
        how: "IntervalSeconds and MaxDelaySeconds are whole seconds",
      },
    },
    [Feature.StepTimeout]: {
      description: "The longest one attempt of a step may run.",
      argo: {
        supported: true,
        how: "the template's `activeDeadlineSeconds` (per pod, so per attempt)",
      },
      "step-functions": {
        supported: true,
        how: "the Task's TimeoutSeconds (per attempt), and the Job's activeDeadlineSeconds so the pod stops too",
      },
    },
    [Feature.TotalTimeout]: {
      description: "The longest the whole workflow may run, retries included.",
      argo: { supported: true, how: "`spec.activeDeadlineSeconds`" },
      "step-functions": { supported: true, how: "the state machine's top-level TimeoutSeconds" },
    },
    [Feature.OnFailureStep]: {
      description: "A step that runs once when the workflow fails, before it ends failed.",
      argo: {
        supported: true,
        how: "`onExit` handler running the step `when: {{workflow.status}} != Succeeded`",
      },
      "step-functions": {
        supported: true,
        how: "Catch States.ALL on every top-level state to the step's Task, then a Fail state",
      },
    },
    [Feature.OnFailureAfterTotalTimeout]: {
      description:
        "An on-failure step in a workflow whose steps can outlast the total timeout (worst case: every attempt times out, every backoff is waited), so the on-failure step would have to run after the total timeout fired.",
      argo: { supported: true, how: "Argo runs the exit handler after the workflow deadline" },
      "step-functions": {
        supported: false,
        how: "an execution timeout cannot be caught; raise the total timeout above the worst case or lower step timeouts/retries",
      },
    },
    [Feature.TraceContext]: {
      description: "The `traceparent` parameter reaches every step's container (an arg or env).",
      argo: { supported: true, how: "`{{workflow.parameters.traceparent}}`" },
      "step-functions": { supported: true, how: "`{% $states.input.traceparent %}`" },
    },
    [Feature.ResourcesBeyondFargate]: {
      description:
        "A step whose CPU and memory requests no Fargate task size holds (at most 16 vCPU, 120 GiB, in fixed combinations).",
      argo: { supported: true, how: "a pod of any size the nodes can hold" },
      "step-functions": {
        supported: true,
        how: "runner `eks` only; runner `fargate` refuses it at compile time (engines/ecs.ts FARGATE_SIZES)",
      },
    },
  };

/** One use of a feature by a definition: the step that uses it (undefined: the workflow). */
export interface FeatureUse {
  feature: Feature;
  step?: string;
}

/** One feature an engine cannot honour, as a compile error names it. */
export interface UnsupportedFeature extends FeatureUse {
  engine: EngineName;
  workflow: string;
  how: string;
}

/** Thrown by a compiler when a definition uses features its engine cannot honour. */
export class UnsupportedFeatureError extends Error {
  constructor(public readonly problems: UnsupportedFeature[]) {
    super(
      `${problems[0].engine} cannot compile workflow "${problems[0].workflow}": ` +
        problems
          .map(
            (p) =>
              `${p.step === undefined ? "the workflow" : `step "${p.step}"`} uses ${p.feature} (${p.how})`,
          )
          .join("; "),
    );
    this.name = "UnsupportedFeatureError";
  }
}

/** A node of a series-parallel decomposition. */
export type SeriesParallel =
  | { kind: "step"; name: string }
  | { kind: "sequence"; items: SeriesParallel[] }
  | { kind: "parallel"; branches: SeriesParallel[] };

/** For each step, every step it transitively depends on. */
function ancestors(
  steps: readonly { name: string; dependencies?: readonly string[] }[],
): Map<string, Set<string>> {
  const deps = new Map(steps.map((s) => [s.name, s.dependencies ?? []]));
  const memo = new Map<string, Set<string>>();
  const of = (name: string): Set<string> => {
    const known = memo.get(name);
    if (known) return known;
    const result = new Set<string>();
    memo.set(name, result);
    for (const d of deps.get(name) ?? []) {
      result.add(d);
      for (const a of of(d)) result.add(a);
    }
    return result;
  };
  for (const s of steps) of(s.name);
  return memo;
}

/** The direct dependencies left once implied ones are removed (the transitive reduction). */
export function reducedDependencies(
  steps: readonly { name: string; dependencies?: readonly string[] }[],
): Map<string, string[]> {
  const anc = ancestors(steps);
  const result = new Map<string, string[]>();
  for (const s of steps) {
    const all = [...(anc.get(s.name) ?? [])];
    result.set(
      s.name,
      all.filter((d) => !all.some((other) => other !== d && anc.get(other)?.has(d))).sort(),
    );
  }
  return result;
}

/**
 * The series-parallel decomposition of the steps' DAG: a sequence where every step of a later item
 * depends (transitively) on every step of the earlier ones, parallel branches where no step of one
 * branch is ordered with a step of another. Reproduces the DAG's order exactly, or returns the
 * step where no such nesting exists.
 */
export function seriesParallel(
  steps: readonly { name: string; dependencies?: readonly string[] }[],
): { tree: SeriesParallel } | { offending: string } {
  const anc = ancestors(steps);
  const before = (a: string, b: string) => anc.get(b)?.has(a) ?? false;
  const decompose = (names: string[]): SeriesParallel | string => {
    if (names.length === 1) return { kind: "step", name: names[0] };
    // Components of the comparability graph: steps ordered with each other, directly or not.
    const component = new Map<string, number>();
    let count = 0;
    for (const start of names) {
      if (component.has(start)) continue;
      const stack = [start];
      component.set(start, count);
      while (stack.length > 0) {
        const n = stack.pop() as string;
        for (const m of names) {
          if (!component.has(m) && (before(n, m) || before(m, n))) {
            component.set(m, count);
            stack.push(m);
          }
        }
      }
      count++;
    }
    if (count > 1) {
      const branches: SeriesParallel[] = [];
      for (let c = 0; c < count; c++) {
        const sub = decompose(names.filter((n) => component.get(n) === c));
        if (typeof sub === "string") return sub;
        branches.push(sub);
      }
      return { kind: "parallel", branches };
    }
    // Connected: the first prefix of a topological order that every later step follows.
    const inSet = new Set(names);
    const rank = (n: string) => [...(anc.get(n) ?? [])].filter((a) => inSet.has(a)).length;
    const order = [...names].sort((a, b) => rank(a) - rank(b));
    for (let k = 1; k < order.length; k++) {
      const head = order.slice(0, k);
      const tail = order.slice(k);
      if (head.every((x) => tail.every((y) => before(x, y)))) {
        const first = decompose(names.filter((n) => head.includes(n)));
        const rest = decompose(names.filter((n) => tail.includes(n)));
        if (typeof first === "string") return first;
        if (typeof rest === "string") return rest;
        const flat = (n: SeriesParallel) => (n.kind === "sequence" ? n.items : [n]);
        return { kind: "sequence", items: [...flat(first), ...flat(rest)] };
      }
    }
    return order[order.length - 1];
  };
  const result = decompose(steps.map((s) => s.name));
  return typeof result === "string" ? { offending: result } : { tree: result };
}

/** The longest path through the DAG when every step takes its worst case, in seconds. */
function criticalPathSeconds(steps: readonly ContainerStep[]): number {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const memo = new Map<string, number>();
  const finish = (name: string): number => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const step = byName.get(name) as ContainerStep;
    const start = Math.max(0, ...(step.dependencies ?? []).map(finish));
    const value = start + worstCaseSeconds(step);
    memo.set(name, value);
    return value;
  };
  return Math.max(...steps.map((s) => finish(s.name)));
}

/** Every feature `def` uses, with the step that uses it. */
export function featuresUsed(def: WorkflowDefinition): FeatureUse[] {
  const uses: FeatureUse[] = [{ feature: Feature.TotalTimeout }];
  for (const step of allSteps(def)) {
    uses.push(
      { feature: Feature.ContainerSteps, step: step.name },
      { feature: Feature.StepTimeout, step: step.name },
      { feature: Feature.TraceContext, step: step.name },
    );
    if (fargateSize(step.resources) === undefined) {
      uses.push({ feature: Feature.ResourcesBeyondFargate, step: step.name });
    }
    if (((step as ContainerStep).dependencies ?? []).length > 0) {
      uses.push({ feature: Feature.DagDependencies, step: step.name });
    }
    if (step.retry) {
      uses.push({ feature: Feature.RetryBackoff, step: step.name });
      if (!Number.isInteger(step.retry.factor)) {
        uses.push({ feature: Feature.FractionalBackoffFactor, step: step.name });
      }
      const intervals = [step.retry.initialInterval, step.retry.maxInterval];
      if (intervals.some((i) => !Number.isInteger(goDurationSeconds(i)))) {
        uses.push({ feature: Feature.SubSecondRetryInterval, step: step.name });
      }
    }
  }
  const sp = seriesParallel(def.steps);
  if ("offending" in sp) uses.push({ feature: Feature.NonSeriesParallelDag, step: sp.offending });
  if (def.onFailure) {
    uses.push({ feature: Feature.OnFailureStep, step: def.onFailure.name });
    if (criticalPathSeconds(def.steps) + worstCaseSeconds(def.onFailure) > def.timeoutSeconds) {
      uses.push({ feature: Feature.OnFailureAfterTotalTimeout, step: def.onFailure.name });
    }
  }
  return uses;
}

/** Throws an {@link UnsupportedFeatureError} listing every feature of `def` `engine` cannot honour. */
export function checkCapabilities(engine: EngineName, def: WorkflowDefinition): void {
  const problems = featuresUsed(def)
    .filter((u) => !CAPABILITIES[u.feature][engine].supported)
    .map((u) => ({ ...u, engine, workflow: def.name, how: CAPABILITIES[u.feature][engine].how }));
  if (problems.length > 0) throw new UnsupportedFeatureError(problems);
}

/** A retry policy in engine-neutral numbers. */
export interface RetryStructure {
  limit: number;
  initialIntervalSeconds: number;
  factor: number;
  maxIntervalSeconds: number;
}

/** One step as read back from an engine's output. */
export interface StepStructure {
  name: string;
  /** Direct dependencies after transitive reduction, sorted. */
  dependencies: string[];
  command: string[];
  args: StepArg[];
  serviceAccountName: string;
  retry?: RetryStructure;
  timeoutSeconds: number;
}

/**
 * The engine-neutral structure of a compiled workflow: what the equivalence test compares between
 * engines (steps, dependencies, retry limits and backoff, timeouts, failure handling).
 */
export interface WorkflowStructure {
  name: string;
  timeoutSeconds: number;
  /** Sorted by name. */
  steps: StepStructure[];
  onFailure?: Omit<StepStructure, "dependencies">;
}

/** The structure a definition should compile to, for comparison with what an engine produced. */
export function definitionStructure(def: WorkflowDefinition): WorkflowStructure {
  const reduced = reducedDependencies(def.steps);
  const toStructure = (step: ContainerStep | NonNullable<WorkflowDefinition["onFailure"]>) => ({
    name: step.name,
    command: [...step.command],
    args: [...(step.args ?? [])],
    serviceAccountName: step.serviceAccountName,
    ...(step.retry
      ? {
          retry: {
            limit: step.retry.limit,
            initialIntervalSeconds: goDurationSeconds(step.retry.initialInterval),
            factor: step.retry.factor,
            maxIntervalSeconds: goDurationSeconds(step.retry.maxInterval),
          },
        }
      : {}),
    timeoutSeconds: step.timeoutSeconds,
  });
  return {
    name: def.name,
    timeoutSeconds: def.timeoutSeconds,
    steps: def.steps
      .map((s) => ({ ...toStructure(s), dependencies: reduced.get(s.name) ?? [] }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    ...(def.onFailure ? { onFailure: toStructure(def.onFailure) } : {}),
  };
}

/** A compiler from the portable definition to one engine's document. */
export interface WorkflowEngine<Target, Compiled> {
  readonly name: EngineName;
  /**
   * Validates `def` (every problem at once), checks it against {@link CAPABILITIES} and returns the
   * engine's document; throws before producing anything otherwise.
   */
  compile(def: WorkflowDefinition, target: Target): Compiled;
  /** Reads a compiled document back into the engine-neutral {@link WorkflowStructure}. */
  structure(compiled: Compiled): WorkflowStructure;
}

/**
 * Reads back one container argument an engine rendered: a whole-string match of `reference` (whose
 * first group is the parameter's name) is that parameter, anything else a literal.
 */
export function readStepArg(reference: RegExp, value: unknown): StepArg {
  const match = typeof value === "string" ? reference.exec(value) : null;
  return match ? { param: match[1] as WorkflowParameter } : (value as string);
}
