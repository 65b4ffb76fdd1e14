/**
 * The Argo Workflows compiler: a portable {@link WorkflowDefinition} becomes a WorkflowTemplate
 * (argoproj.io/v1alpha1) with a DAG entrypoint, one container template per step, retries with
 * backoff, per-step and total deadlines and an exit handler for the on-failure step. The pod
 * settings are those of workflowTemplate.ts (engines/kubernetes.ts); the Argo Events sensor
 * submits Workflows from it with the four {@link WORKFLOW_PARAMETERS}.
 */
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
  type WorkflowParameter,
} from "../definition";
import {
  checkCapabilities,
  EngineName,
  readStepArg,
  reducedDependencies,
  type StepStructure,
  type WorkflowEngine,
  type WorkflowStructure,
} from "./capabilities";
import { MESH_ANNOTATIONS, MeshMode, podSecurityContext, stepContainer } from "./kubernetes";

/** Where and how the WorkflowTemplate runs: what the portable definition leaves to the platform. */
export interface ArgoTarget {
  /** The workflow namespace. */
  namespace: string;
  /** How long finished workflows are kept before Argo deletes them (and their pods). */
  ttl: { secondsAfterSuccess: number; secondsAfterFailure: number };
  /**
   * The workflow pods' place in the mesh.
   * @default "native-sidecar"
   */
  mesh?: MeshMode;
}

/** The DAG template that is the entrypoint. */
export const ARGO_DAG_TEMPLATE = "dag";
/** The exit-handler template that runs the on-failure step. */
export const ARGO_EXIT_HANDLER = "exit-handler";
/** The condition of the on-failure task: anything but success. */
const ARGO_ON_FAILURE_WHEN = "{{workflow.status}} != Succeeded";

const ARGO_REF = /^\{\{workflow\.parameters\.([A-Za-z]+)\}\}$/;

function argoValue(value: StepArg): string {
  return isParameterRef(value) ? `{{workflow.parameters.${value.param}}}` : value;
}

function containerTemplate(step: FailureStep): Record<string, unknown> {
  return {
    name: step.name,
    activeDeadlineSeconds: step.timeoutSeconds,
    ...(step.retry
      ? {
          retryStrategy: {
            limit: step.retry.limit,
            retryPolicy: "Always",
            // `cap` bounds each wait (Step Functions' MaxDelaySeconds); `maxDuration` would bound
            // the time since the first attempt, which Step Functions cannot express.
            backoff: {
              duration: step.retry.initialInterval,
              factor: step.retry.factor,
              cap: step.retry.maxInterval,
            },
          },
        }
      : {}),
    container: stepContainer(step, argoValue),
  };
}

/**
 * Compiles `def` to a WorkflowTemplate named after it; throws one error listing every invalid
 * field, or one naming every feature Argo cannot honour.
 */
export function compileArgo(def: WorkflowDefinition, target: ArgoTarget): Record<string, unknown> {
  assertValidWorkflow(def);
  checkCapabilities(EngineName.Argo, def);
  const mesh = target.mesh ?? MeshMode.NativeSidecar;
  const all = allSteps(def);
  // One service account for every pod goes on the workflow (as the hand-built template did);
  // otherwise each template names its own.
  const accounts = new Set(all.map((s) => s.serviceAccountName));
  const shared = accounts.size === 1 ? all[0].serviceAccountName : undefined;
  const template = (step: FailureStep) => ({
    ...containerTemplate(step),
    ...(shared ? {} : { serviceAccountName: step.serviceAccountName }),
  });
  const defaults: Record<WorkflowParameter, string | undefined> = {
    requestId: PARAMETER_SOURCES.requestId.default,
    workflowTemplate: def.name,
    parameters: PARAMETER_SOURCES.parameters.default,
    traceparent: PARAMETER_SOURCES.traceparent.default,
  };
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "WorkflowTemplate",
    metadata: {
      name: def.name,
      namespace: target.namespace,
      labels: { "app.kubernetes.io/managed-by": "pulumi" },
    },
    spec: {
      entrypoint: ARGO_DAG_TEMPLATE,
      ...(def.onFailure ? { onExit: ARGO_EXIT_HANDLER } : {}),
      arguments: {
        parameters: WORKFLOW_PARAMETERS.map((name) =>
          defaults[name] === undefined ? { name } : { name, value: defaults[name] },
        ),
      },
      ...(shared ? { serviceAccountName: shared } : {}),
      activeDeadlineSeconds: def.timeoutSeconds,
      // Logs go to the default artifact repository (the Argo Workflows artifact bucket), so they
      // outlive the pods that podGC deletes.
      archiveLogs: true,
      // Failed pods stay for inspection until the workflow's TTL removes them.
      podGC: { strategy: "OnPodSuccess" },
      ttlStrategy: {
        secondsAfterSuccess: target.ttl.secondsAfterSuccess,
        secondsAfterFailure: target.ttl.secondsAfterFailure,
      },
      workflowMetadata: { labels: { "acme.io/workflow-template": def.name } },
      podMetadata: { annotations: { ...MESH_ANNOTATIONS[mesh] } },
      securityContext: podSecurityContext(),
      templates: [
        {
          name: ARGO_DAG_TEMPLATE,
          dag: {
            tasks: def.steps.map((s) => ({
              name: s.name,
              template: s.name,
              ...((s.dependencies ?? []).length > 0
                ? { dependencies: [...(s.dependencies ?? [])] }
                : {}),
            })),
          },
        },
        ...def.steps.map(template),
        ...(def.onFailure
          ? [
              {
                name: ARGO_EXIT_HANDLER,
                dag: {
                  tasks: [
                    {
                      name: def.onFailure.name,
                      template: def.onFailure.name,
                      when: ARGO_ON_FAILURE_WHEN,
                    },
                  ],
                },
              },
              template(def.onFailure),
            ]
          : []),
      ],
    },
  };
}

type Json = Record<string, unknown>;

const readArg = (value: unknown): StepArg => readStepArg(ARGO_REF, value);

/** Reads a compiled WorkflowTemplate back into the engine-neutral structure. */
export function argoStructure(compiled: Record<string, unknown>): WorkflowStructure {
  const spec = compiled.spec as Json;
  const templates = new Map(
    (spec.templates as Json[]).map((t) => [t.name as string, t] as [string, Json]),
  );
  const stepOf = (name: string): Omit<StepStructure, "dependencies"> => {
    const t = templates.get(name) as Json;
    const container = t.container as Json;
    const retry = t.retryStrategy as
      { limit: number; backoff: { duration: string; factor: number; cap: string } } | undefined;
    return {
      name,
      command: container.command as string[],
      args: (container.args as unknown[]).map(readArg),
      serviceAccountName: ((t.serviceAccountName ?? spec.serviceAccountName) as string) ?? "",
      ...(retry
        ? {
            retry: {
              limit: retry.limit,
              initialIntervalSeconds: goDurationSeconds(retry.backoff.duration),
              factor: retry.backoff.factor,
              maxIntervalSeconds: goDurationSeconds(retry.backoff.cap),
            },
          }
        : {}),
      timeoutSeconds: t.activeDeadlineSeconds as number,
    };
  };
  const tasks = ((templates.get(spec.entrypoint as string) as Json).dag as Json).tasks as Json[];
  const reduced = reducedDependencies(
    tasks.map((t) => ({
      name: t.name as string,
      dependencies: (t.dependencies as string[]) ?? [],
    })),
  );
  const steps = tasks
    .map((t) => ({
      ...stepOf(t.template as string),
      name: t.name as string,
      dependencies: reduced.get(t.name as string) ?? [],
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  let onFailure: WorkflowStructure["onFailure"];
  if (spec.onExit) {
    const exitTasks = ((templates.get(spec.onExit as string) as Json).dag as Json).tasks as Json[];
    const failureTask = exitTasks.find((t) => t.when === ARGO_ON_FAILURE_WHEN);
    if (failureTask) onFailure = stepOf(failureTask.template as string);
  }
  return {
    name: (compiled.metadata as Json).name as string,
    timeoutSeconds: spec.activeDeadlineSeconds as number,
    steps,
    ...(onFailure ? { onFailure } : {}),
  };
}

/** The Argo Workflows engine. */
export const argoEngine: WorkflowEngine<ArgoTarget, Record<string, unknown>> = {
  name: EngineName.Argo,
  compile: compileArgo,
  structure: argoStructure,
};
