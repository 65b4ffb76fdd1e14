/**
 * The status of a request run by Argo Workflows: its Workflow, read by name from the Kubernetes
 * API with the pod's service-account token and the cluster's CA. Service A's Role allows `get` on
 * workflows in the workflows namespace and nothing else (statusAccess.ts, SERVICE_A_STATUS_RBAC).
 */
import { readFile } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import * as path from "node:path";
import { workflowName } from "@acme/contracts";
import type { StoredRequest, WorkflowStatus } from "./model";
import { UnknownEngineStatusError, type EngineView, type WorkflowStatusSource } from "./status";

/** Where Kubernetes mounts a pod's service-account token and the cluster's CA. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * Argo's workflow phases (`status.phase`, pkg/apis/workflow/v1alpha1/workflow_phase.go) mapped
 * onto the contract. `""`: created, not yet picked up by the controller; `Pending`: held back
 * (parallelism, semaphores): both not started, so still `accepted`. `Error` is Argo's failure of
 * the workflow machinery rather than of a step; the request failed either way.
 */
export const ARGO_PHASES: Record<string, WorkflowStatus> = {
  "": "accepted",
  Pending: "accepted",
  Running: "running",
  Succeeded: "succeeded",
  Failed: "failed",
  Error: "failed",
};

/** The parts of an Argo Workflow object the adapter reads. */
export interface ArgoWorkflow {
  metadata?: { name?: string; creationTimestamp?: string };
  spec?: { arguments?: { parameters?: { name: string; value?: string }[] } };
  status?: { phase?: string; startedAt?: string | null; finishedAt?: string | null };
}

/** The engine's view of a Workflow object read for `request`. */
export function argoView(workflow: ArgoWorkflow, request: StoredRequest): EngineView {
  // The name derives from the idempotency key alone; after the key's record expired, a new
  // request may reuse it, and the sensor then refuses it as AlreadyExists. That Workflow is the
  // earlier request's run, not this one's.
  const requestId = workflow.spec?.arguments?.parameters?.find((p) => p.name === "requestId");
  if (requestId?.value !== undefined && requestId.value !== request.status.requestId) {
    return { status: "accepted" };
  }
  const phase = workflow.status?.phase ?? "";
  const status = ARGO_PHASES[phase];
  if (!status) throw new UnknownEngineStatusError("Argo", phase, Object.keys(ARGO_PHASES));
  const at = workflow.status?.finishedAt ?? workflow.status?.startedAt ?? undefined;
  return at ? { status, updatedAt: new Date(at).toISOString() } : { status };
}

/** A bearer token and the CA bundle the API server's certificate chains to. */
export interface KubernetesCredentials {
  token: string;
  ca: string;
}

/**
 * The pod's service-account credentials from `dir`, re-read at most every `refreshMs`: the kubelet
 * rotates the projected token (about hourly) and the API server refuses an expired one, so a
 * token read once at start would stop working (client-go also re-reads it every minute).
 */
export function serviceAccountCredentials(
  dir: string = SERVICE_ACCOUNT_DIR,
  options: { refreshMs?: number; now?: () => number } = {},
): () => Promise<KubernetesCredentials> {
  const refreshMs = options.refreshMs ?? 60_000;
  const now = options.now ?? Date.now;
  let cached: { at: number; value: Promise<KubernetesCredentials> } | undefined;
  return () => {
    if (!cached || now() - cached.at >= refreshMs) {
      const value = Promise.all([
        readFile(path.join(dir, "token"), "utf8"),
        readFile(path.join(dir, "ca.crt"), "utf8"),
      ]).then(([token, ca]) => ({ token: token.trim(), ca }));
      const entry = { at: now(), value };
      // A failed read is not kept: the next call tries again.
      value.catch(() => {
        if (cached === entry) cached = undefined;
      });
      cached = entry;
    }
    return cached.value;
  };
}

/** The in-cluster API server's URL from the variables the kubelet sets in every pod. */
export function kubernetesApiUrl(host: string, port: number): string {
  return `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

export interface ArgoStatusSourceOptions {
  /** The API server, `https://host:port`. */
  apiUrl: string;
  /** The namespace the sensor submits Workflows to. */
  namespace: string;
  /** The WorkflowTemplate the sensor submits from (its name prefixes the Workflows' names). */
  workflowTemplate: string;
  credentials: () => Promise<KubernetesCredentials>;
}

/** The largest Workflow object read (a Workflow with many nodes is some hundreds of kB). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export class ArgoStatusSource implements WorkflowStatusSource {
  readonly engine = "argo" as const;
  constructor(private readonly options: ArgoStatusSourceOptions) {}

  /** The path of the Workflow of `request` (exported for tests and the docs). */
  workflowPath(request: StoredRequest & { idempotencyKey: string }): string {
    const name = workflowName(this.options.workflowTemplate, request.idempotencyKey);
    return `/apis/argoproj.io/v1alpha1/namespaces/${encodeURIComponent(this.options.namespace)}/workflows/${name}`;
  }

  async status(request: StoredRequest, signal?: AbortSignal): Promise<EngineView> {
    // Recorded before Service A kept the key: its Workflow cannot be named.
    if (!request.idempotencyKey) return { status: request.status.status };
    const url = new URL(
      this.workflowPath({ ...request, idempotencyKey: request.idempotencyKey }),
      this.options.apiUrl,
    );
    const { token, ca } = await this.options.credentials();
    const { status, body } = await getJson(url, token, ca, signal);
    // Not found: the sensor has not submitted it yet (the message is still on the queue).
    if (status === 404) return { status: "accepted" };
    if (status !== 200) {
      const message = (body as { message?: string } | undefined)?.message ?? "";
      throw new Error(`Kubernetes API answered ${status} to GET ${url.pathname}: ${message}`);
    }
    return argoView(body as ArgoWorkflow, request);
  }
}

function getJson(
  url: URL,
  token: string,
  ca: string,
  signal?: AbortSignal,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: "GET",
        ca,
        headers: { authorization: `Bearer ${token}`, accept: "application/json" },
        signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            req.destroy(new Error(`${url.pathname}: answer larger than ${MAX_BODY_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          try {
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
          } catch {
            reject(
              new Error(`Kubernetes API answered ${res.statusCode} with a body that is not JSON`),
            );
          }
        });
      },
    );
    req.on("error", reject);
    req.end();
  });
}
