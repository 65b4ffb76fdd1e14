/**
 * The WorkflowTemplate that runs Service A's workflow requests: one container step with bounded
 * run time, retries with backoff, non-root pods, logs archived to the default artifact
 * repository, and garbage collection of pods and finished workflows.
 *
 * The sensor of `ArgoEvents` submits Workflows that reference this template by name and pass
 * four arguments: `requestId`, `workflowTemplate`, `parameters` (a JSON object as text) and
 * `traceparent` (the request message's trace context, or empty).
 *
 * The step is the worker's handoff (`dist/handoff.js` in the worker's image,
 * services/worker/src/handoff.ts): it sends one `work-task` to the worker's task queue in the
 * request's trace.
 *
 * {@link RequestWorkflowTemplate} registers the template `compileArgo` compiles from the portable
 * definition (issue 14). {@link workflowTemplate}, the hand-built template it replaced, is no
 * longer deployed: it stays as the baseline engines/argo.test.ts compares the compiler with.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  dependenciesOf,
  DNS_LABEL,
  throwIfInvalid,
  ValidationError,
  DNS_SUBDOMAIN,
  isPositiveGoDuration,
} from "../lib";
import { otelSdkEnv } from "../observability/tracing";
import {
  CPU_QUANTITY,
  HANDOFF_SERVICE_NAME,
  MAX_RETRIES,
  MEMORY_QUANTITY,
  STEP_NAME,
  validateImage,
} from "./definition";
import {
  containerResources,
  containerSecurityContext,
  MESH_ANNOTATIONS,
  MeshMode,
  podSecurityContext,
} from "./engines/kubernetes";

export { MeshMode, MESH_ANNOTATIONS } from "./engines/kubernetes";
export {
  HANDOFF_COMMAND,
  HANDOFF_SERVICE_NAME,
  STEP_NAME,
  validateImage,
  WORKFLOW_PARAMETERS,
} from "./definition";

/** What the template runs and how. */
export interface WorkflowTemplateSpec {
  /**
   * The step's image, pinned by digest (`repo@sha256:<64 hex>`) so a retry runs the same code: the
   * worker's (`Microservice.imageRef`). Checked when known (a plain string at validation, an
   * Output when it resolves).
   */
  image: pulumi.Input<string>;
  /**
   * The command to run. Required: Argo's emissary executor needs it, and would otherwise look the
   * image's entrypoint up in the registry from the controller.
   */
  command: string[];
  /**
   * The service account of the workflow pods (created with the Argo Workflows installation): it
   * must allow the executor to write WorkflowTaskResults and, through Pod Identity, to write the
   * archived logs to the artifact bucket.
   */
  serviceAccountName: string;
  /** Where the handoff sends its task and its spans. */
  handoff: {
    /** The worker's task queue (`Queue.queueUrl`). */
    taskQueueUrl: pulumi.Input<string>;
    /** The queue's Region. */
    region: string;
    /** The collector's OTLP gRPC endpoint (`Tracing.otlpEndpoint`). */
    otlpEndpoint: string;
  };
  /** CPU request and memory request (= limit) of the step, as Kubernetes quantities. */
  resources: { cpu: string; memory: string };
  /** The longest a workflow may run, retries included, before Argo fails it. */
  activeDeadlineSeconds: number;
  /**
   * Retries of the step on any failure (retry policy `Always`), so the step must be idempotent
   * for one `requestId`. `backoffDuration` and `backoffMaxDuration` are Go durations.
   */
  retry: {
    limit: number;
    backoffDuration: string;
    backoffFactor: number;
    backoffMaxDuration: string;
  };
  /** How long finished workflows are kept before Argo deletes them (and their pods). */
  ttl: { secondsAfterSuccess: number; secondsAfterFailure: number };
  /**
   * The workflow pods' place in the mesh; see {@link MeshMode}.
   * @default "native-sidecar"
   */
  mesh?: MeshMode;
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 0;
}

/** Validates a template name, namespace and {@link WorkflowTemplateSpec}; returns every problem. */
export function validateWorkflowTemplateSpec(
  templateName: string,
  namespace: string,
  spec: WorkflowTemplateSpec,
): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });
  // Argo copies the template name into a label value, so it is limited like one.
  if (!DNS_LABEL.test(templateName)) {
    add("templateName", `"${templateName}" must be a DNS-1123 label of at most 63 characters`);
  }
  if (!DNS_LABEL.test(namespace)) {
    add("namespace", `"${namespace}" must be a DNS-1123 label of at most 63 characters`);
  }
  if (typeof spec.image === "string") errors.push(...validateImage(spec.image));
  if (spec.command.length === 0 || spec.command.some((c) => c.length === 0)) {
    add("command", "must name the executable (non-empty strings)");
  }
  if (!DNS_SUBDOMAIN.test(spec.serviceAccountName)) {
    add("serviceAccountName", `"${spec.serviceAccountName}" is not a service account name`);
  }
  if (!CPU_QUANTITY.test(spec.resources.cpu)) {
    add("resources.cpu", `"${spec.resources.cpu}" is not a CPU quantity such as 250m or 1`);
  }
  if (!MEMORY_QUANTITY.test(spec.resources.memory)) {
    add("resources.memory", `"${spec.resources.memory}" is not a memory quantity such as 512Mi`);
  }
  if (!isPositiveInteger(spec.activeDeadlineSeconds)) {
    add(
      "activeDeadlineSeconds",
      `must be a whole number of seconds above 0 (got ${String(spec.activeDeadlineSeconds)})`,
    );
  }
  if (
    !Number.isInteger(spec.retry.limit) ||
    spec.retry.limit < 0 ||
    spec.retry.limit > MAX_RETRIES
  ) {
    add("retry.limit", `must be a whole number from 0 to ${MAX_RETRIES} (got ${spec.retry.limit})`);
  }
  for (const key of ["backoffDuration", "backoffMaxDuration"] as const) {
    if (!isPositiveGoDuration(spec.retry[key])) {
      add(`retry.${key}`, `"${spec.retry[key]}" is not a Go duration such as 30s or 10m`);
    }
  }
  if (!isPositiveInteger(spec.retry.backoffFactor)) {
    add("retry.backoffFactor", `must be a whole number above 0 (got ${spec.retry.backoffFactor})`);
  }
  for (const key of ["secondsAfterSuccess", "secondsAfterFailure"] as const) {
    if (!isPositiveInteger(spec.ttl[key])) {
      add(`ttl.${key}`, `must be a whole number of seconds above 0 (got ${spec.ttl[key]})`);
    }
  }
  const mesh = spec.mesh ?? MeshMode.NativeSidecar;
  if (!(Object.values(MeshMode) as string[]).includes(mesh)) {
    add("mesh", `"${String(mesh)}" is not one of ${Object.values(MeshMode).join(", ")}`);
  }
  return errors;
}

/**
 * The WorkflowTemplate object for `templateName` in `namespace`; throws one error listing every
 * invalid argument.
 */
export function workflowTemplate(
  templateName: string,
  namespace: string,
  spec: WorkflowTemplateSpec,
): Record<string, unknown> {
  throwIfInvalid("workflowTemplate", validateWorkflowTemplateSpec(templateName, namespace, spec));
  const mesh = spec.mesh ?? MeshMode.NativeSidecar;
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "WorkflowTemplate",
    metadata: {
      name: templateName,
      namespace,
      labels: { "app.kubernetes.io/managed-by": "pulumi" },
    },
    spec: {
      entrypoint: STEP_NAME,
      arguments: {
        parameters: [
          { name: "requestId" },
          { name: "workflowTemplate", value: templateName },
          { name: "parameters", value: "{}" },
          { name: "traceparent", value: "" },
        ],
      },
      serviceAccountName: spec.serviceAccountName,
      activeDeadlineSeconds: spec.activeDeadlineSeconds,
      // Logs go to the default artifact repository (the Argo Workflows artifact bucket), so they
      // outlive the pods that podGC deletes.
      archiveLogs: true,
      // Failed pods stay for inspection until the workflow's TTL removes them.
      podGC: { strategy: "OnPodSuccess" },
      ttlStrategy: {
        secondsAfterSuccess: spec.ttl.secondsAfterSuccess,
        secondsAfterFailure: spec.ttl.secondsAfterFailure,
      },
      workflowMetadata: { labels: { "acme.io/workflow-template": templateName } },
      podMetadata: { annotations: { ...MESH_ANNOTATIONS[mesh] } },
      securityContext: podSecurityContext(),
      templates: [
        {
          name: STEP_NAME,
          retryStrategy: {
            limit: spec.retry.limit,
            retryPolicy: "Always",
            backoff: {
              duration: spec.retry.backoffDuration,
              factor: spec.retry.backoffFactor,
              maxDuration: spec.retry.backoffMaxDuration,
            },
          },
          container: {
            image: spec.image,
            command: spec.command,
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
              STEP_NAME,
            ],
            env: [
              { name: "TASK_QUEUE_URL", value: spec.handoff.taskQueueUrl },
              { name: "AWS_REGION", value: spec.handoff.region },
              ...otelSdkEnv(HANDOFF_SERVICE_NAME, spec.handoff.otlpEndpoint),
            ],
            resources: containerResources(spec.resources),
            securityContext: containerSecurityContext(),
          },
        },
      ],
    },
  };
}

/** Arguments of {@link RequestWorkflowTemplate}. */
export interface RequestWorkflowTemplateArgs {
  /** The Kubernetes provider of the cluster. */
  provider: k8s.Provider;
  /**
   * The WorkflowTemplate as `compileArgo` (engines/argo.ts) emits it. Its `metadata.name` is the
   * physical name the sensor refers to; a step image that is an Output (the worker's digest) is
   * checked when it resolves.
   */
  manifest: Record<string, unknown>;
}

type Json = Record<string, unknown>;

/** Checks what can be checked of a manifest before anything registers; returns every problem. */
export function validateWorkflowTemplateManifest(manifest: Json): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });
  if (manifest.apiVersion !== "argoproj.io/v1alpha1" || manifest.kind !== "WorkflowTemplate") {
    add(
      "manifest.kind",
      `must be an argoproj.io/v1alpha1 WorkflowTemplate (got ${String(manifest.apiVersion)} ${String(manifest.kind)}); pass compileArgo's output`,
    );
  }
  const metadata = (manifest.metadata ?? {}) as Json;
  for (const key of ["name", "namespace"] as const) {
    const value = metadata[key];
    if (typeof value !== "string" || !DNS_LABEL.test(value)) {
      add(
        `manifest.metadata.${key}`,
        `"${String(value)}" must be a DNS-1123 label of at most 63 characters`,
      );
    }
  }
  const templates = ((manifest.spec ?? {}) as Json).templates;
  if (!Array.isArray(templates) || templates.length === 0) {
    add("manifest.spec.templates", "must list the templates; pass compileArgo's output");
  } else {
    (templates as Json[]).forEach((t, i) => {
      const image = (t.container as Json | undefined)?.image;
      if (typeof image === "string") {
        errors.push(...validateImage(image, `manifest.spec.templates[${i}].container.image`));
      }
    });
  }
  return errors;
}

/**
 * The WorkflowTemplate of Service A's workflow requests (`acme:workflows:RequestWorkflowTemplate`):
 * registers the template `compileArgo` compiled from the portable definition
 * (`referenceWorkflow`, definition.ts) through the cluster's provider.
 */
export class RequestWorkflowTemplate extends pulumi.ComponentResource {
  /** The template's name, for `ArgoEvents.workflowTemplateName`. */
  public readonly templateName: string;
  public readonly workflowTemplate: k8s.apiextensions.CustomResource;

  constructor(
    name: string,
    args: RequestWorkflowTemplateArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    // Validate before super(): a bad argument must fail before anything, the component included, registers.
    throwIfInvalid("RequestWorkflowTemplate", validateWorkflowTemplateManifest(args.manifest));
    super("acme:workflows:RequestWorkflowTemplate", name, {}, opts);
    // Waits for opts.dependsOn (the convention in components/lib/options.ts).
    const deps = dependenciesOf(opts);

    const manifest = args.manifest as Json & { metadata: Json; spec: Json & { templates: Json[] } };
    this.templateName = manifest.metadata.name as string;
    // An image from another resource (the worker's digest) is checked once it is known.
    const checked = (image: unknown, at: string) =>
      pulumi.Output.isInstance(image)
        ? (image as pulumi.Output<string>).apply((value) => {
            const problems = validateImage(value, at);
            if (problems.length > 0) {
              throw new pulumi.ResourceError(
                `RequestWorkflowTemplate: ${problems.map((p) => `${p.propertyPath}: ${p.reason}`).join("; ")}`,
                this,
              );
            }
            return value;
          })
        : image;
    const templates = manifest.spec.templates.map((t, i) =>
      t.container
        ? {
            ...t,
            container: {
              ...(t.container as Json),
              image: checked(
                (t.container as Json).image,
                `manifest.spec.templates[${i}].container.image`,
              ),
            },
          }
        : t,
    );
    this.workflowTemplate = new k8s.apiextensions.CustomResource(
      name,
      {
        ...manifest,
        spec: { ...manifest.spec, templates },
      } as unknown as k8s.apiextensions.CustomResourceArgs,
      { parent: this, provider: args.provider, dependsOn: deps },
    );
    this.registerOutputs({ templateName: this.templateName });
  }
}
