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
 * {@link RequestWorkflowTemplate} registers the template `compileArgo` (engines/argo.ts) compiles
 * from the portable definition (`referenceWorkflow`, definition.ts; issue 14).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { dependenciesOf, DNS_LABEL, throwIfInvalid, ValidationError } from "../lib";
import { validateImage } from "./definition";

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
