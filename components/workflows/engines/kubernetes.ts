/**
 * The pod settings every workflow step gets, whatever engine starts its pod: Argo (a workflow pod)
 * or Step Functions (`eks:runJob.sync`, a Job's pod). Defined once here and used by both
 * compilers, so the engines cannot drift on pod security or on what a step's container runs.
 */
import { SERVICE_UID } from "../../services/microservice";
import { isParameterRef, type FailureStep, type StepArg, type StepResources } from "../definition";

/**
 * How the workflow pods relate to the Linkerd mesh.
 * - `native-sidecar` (recommended): stay meshed (mTLS to meshed services) with the proxy as a
 *   Kubernetes native sidecar (`config.linkerd.io/proxy-enable-native-sidecar: "true"`). The
 *   kubelet stops a native sidecar once the main (and, for Argo, wait) containers exit, so the pod
 *   completes; a classic sidecar would keep it running.
 * - `disabled`: `linkerd.io/inject: disabled`. For steps that only call AWS APIs and must not
 *   depend on the mesh; such pods cannot reach services whose policy requires mesh identity.
 * See docs/workflows-events.md ("Workflow pods and Linkerd").
 */
export const MeshMode = {
  NativeSidecar: "native-sidecar",
  Disabled: "disabled",
} as const;
export type MeshMode = (typeof MeshMode)[keyof typeof MeshMode];

/** The pod annotations of each {@link MeshMode}. */
export const MESH_ANNOTATIONS: Record<MeshMode, Record<string, string>> = {
  [MeshMode.NativeSidecar]: { "config.linkerd.io/proxy-enable-native-sidecar": "true" },
  [MeshMode.Disabled]: { "linkerd.io/inject": "disabled" },
};

/**
 * UID/GID of the steps: the worker image's user (`USER 1000:1000` in services/worker/Dockerfile,
 * the uid every Microservice runs as), which owns nothing writable; the image needs none.
 */
export const STEP_UID = SERVICE_UID;

/** The pod-level security context of every step's pod. */
export function podSecurityContext(): Record<string, unknown> {
  return {
    runAsNonRoot: true,
    runAsUser: STEP_UID,
    runAsGroup: STEP_UID,
    fsGroup: STEP_UID,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** The container-level security context of every step's container. */
export function containerSecurityContext(): Record<string, unknown> {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
  };
}

/** CPU and memory requests, and a memory limit equal to the request. */
export function containerResources(resources: StepResources): Record<string, unknown> {
  return {
    requests: { cpu: resources.cpu, memory: resources.memory },
    limits: { memory: resources.memory },
  };
}

/**
 * A step's container, the same whichever engine runs it: image, command, args, env, resources and
 * security context. `render` writes an argument in the engine's expression language (a parameter
 * reference, or a literal the engine must not mistake for an expression); an env value that is
 * another resource's Output passes as it is.
 */
export function stepContainer(
  step: FailureStep,
  render: (value: StepArg) => string,
): Record<string, unknown> {
  return {
    image: step.image,
    command: [...step.command],
    args: (step.args ?? []).map(render),
    env: (step.env ?? []).map((e) => ({
      name: e.name,
      value: isParameterRef(e.value) || typeof e.value === "string" ? render(e.value) : e.value,
    })),
    resources: containerResources(step.resources),
    securityContext: containerSecurityContext(),
  };
}
