/**
 * Service A, assembled: the contract's routes, the submitter and the request store, each remote
 * dependency behind its own circuit breaker, and the operational routes. `main.ts` runs it;
 * tests and the benchmark build it with fakes.
 */
import { createHash, randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SQSClient } from "@aws-sdk/client-sqs";
import {
  breakerDefaults,
  breakerOptionsFromEnv,
  createBreaker,
  createHttpService,
  createLogger,
  createMetrics,
  problem,
  Readiness,
  registerContractRoutes,
  sendProblem,
  type Breaker,
  type FastifyInstance,
  type Logger,
  type ServiceMetrics,
} from "@acme/service-kit";
import { SERVICE_NAME, type Config } from "./config";
import {
  ANONYMOUS,
  DEFAULT_PRIORITY,
  statusUrl,
  type AcceptedResponse,
  type RequestStatus,
  type WorkflowRequest,
  type WorkflowRequestInput,
} from "./model";
import {
  ArgoStatusSource,
  kubernetesApiUrl,
  serviceAccountCredentials,
  type KubernetesCredentials,
} from "./argoStatus";
import { DynamoRequestStore, MemoryRequestStore, type RequestStore } from "./requestStore";
import { withEngineView, type WorkflowStatusSource } from "./status";
import { StepFunctionsStatusSource } from "./stepFunctionsStatus";
import { LocalSubmitter, SqsSubmitter, type WorkflowSubmitter } from "./submitter";

/** The HTTP contract Service A serves (contracts/http/service-a.openapi.yaml). */
export const CONTRACT = "service-a";
/** The breakers, by dependency. */
export const BREAKERS = {
  queue: "work-queue",
  store: "request-store",
  engine: "workflow-engine",
} as const;

/** What tests and the benchmark may replace. */
export interface Dependencies {
  sqs?: SQSClient;
  dynamodb?: DynamoDBClient;
  sfn?: SFNClient;
  /** The Kubernetes credentials (default: the pod's service account, re-read every minute). */
  kubernetesCredentials?: () => Promise<KubernetesCredentials>;
  logger?: Logger;
  metrics?: ServiceMetrics;
  /** Random numbers for the local submitter's injected failures. */
  random?: () => number;
  /** Where per-breaker overrides (`BREAKER_<NAME>_*`) are read; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** The clock of the request store. */
  now?: () => number;
  /**
   * False builds the bare handler, without breakers and request metrics: the benchmark's
   * baseline for what the protections cost. Never false in a deployment.
   */
  protections?: boolean;
}

type Call = (signal: AbortSignal) => Promise<unknown>;

export interface ServiceA {
  app: FastifyInstance;
  readiness: Readiness;
  breakers: Breaker<[Call], unknown>[];
  submitter: WorkflowSubmitter;
  store: RequestStore;
  /** Where request status comes from; undefined with `WORKFLOW_ENGINE=none` (the record alone). */
  statusSource?: WorkflowStatusSource;
  metrics: ServiceMetrics;
  logger: Logger;
}

/** The SHA-256 of a JSON value with its object keys sorted, so key order does not matter. */
export function bodyHash(value: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
  return createHash("sha256")
    .update(JSON.stringify(canonical(value)))
    .digest("hex");
}

export function buildServiceA(config: Config, deps: Dependencies = {}): ServiceA {
  const logger = deps.logger ?? createLogger(SERVICE_NAME, { level: config.logLevel });
  const metrics = deps.metrics ?? createMetrics(SERVICE_NAME);
  const protections = deps.protections ?? true;

  const store: RequestStore =
    config.requestStore === "dynamodb"
      ? new DynamoRequestStore(
          deps.dynamodb ?? new DynamoDBClient({ region: config.awsRegion }),
          config.requestTable as string,
          deps.now,
        )
      : new MemoryRequestStore(deps.now);
  const submitter: WorkflowSubmitter =
    config.submitter === "sqs"
      ? new SqsSubmitter(
          deps.sqs ?? new SQSClient({ region: config.awsRegion }),
          config.workQueueUrl as string,
        )
      : new LocalSubmitter({
          failureRate: config.localFailureRate,
          latencyMs: config.localLatencyMs,
          random: deps.random,
        });

  const statusSource = createStatusSource(config, deps);

  const breaker = (name: string, required = true) =>
    createBreaker(
      name,
      (signal, call: Call) => call(signal),
      breakerOptionsFromEnv(name, deps.env ?? process.env, breakerDefaults(config)),
      { metrics, logger, required },
    );
  // The engine's breaker is not required for readiness: with the engine's API down, status reads
  // fail fast with 503 while submissions, which do not touch it, go on.
  const breakers = protections
    ? [
        breaker(BREAKERS.queue),
        breaker(BREAKERS.store),
        ...(statusSource ? [breaker(BREAKERS.engine, false)] : []),
      ]
    : [];
  const [queueBreaker, storeBreaker, engineBreaker] = breakers;
  /** Calls a dependency through its breaker (or straight, in the bare benchmark build). */
  const through = <T>(
    b: Breaker<[Call], unknown> | undefined,
    call: (signal: AbortSignal) => Promise<T>,
  ) => (b ? b.fire(call) : call(AbortSignal.timeout(config.timeoutMs))) as Promise<T>;

  const readiness = new Readiness().watch(...breakers);
  const app = createHttpService({
    logger,
    metrics,
    readiness,
    instrument: protections,
    ...(config.stripPathPrefix ? { stripPathPrefix: config.stripPathPrefix } : {}),
    ...(config.tlsPort !== undefined && config.tlsCertFile && config.tlsKeyFile
      ? {
          tls: {
            port: config.tlsPort,
            certFile: config.tlsCertFile,
            keyFile: config.tlsKeyFile,
            reloadIntervalMs: config.tlsReloadIntervalMs,
          },
        }
      : {}),
  });
  const ttlSeconds = config.idempotencyTtlHours * 3600;

  registerContractRoutes(app, CONTRACT, {
    async submitWorkflowRequest(request, reply) {
      const key = request.headers["idempotency-key"] as string;
      const body = request.body as WorkflowRequestInput;
      const claim = await through(storeBreaker, (signal) =>
        store.claim(
          {
            key,
            bodyHash: bodyHash(body),
            requestId: randomUUID(),
            leaseMs: config.idempotencyLeaseMs,
            ttlSeconds,
          },
          signal,
        ),
      );
      if (claim.kind === "replay") {
        return reply
          .code(202)
          .header("location", claim.response.statusUrl)
          .header("idempotent-replayed", "true")
          .send(claim.response);
      }
      if (claim.kind === "mismatch") {
        return sendProblem(
          reply,
          problem("idempotency-key-reused", {
            detail: `header Idempotency-Key "${key}" was used with a different body; use a new key for a new request`,
          }),
        );
      }
      if (claim.kind === "in-progress") {
        return sendProblem(
          reply,
          problem("in-progress", {
            detail: `a request with Idempotency-Key "${key}" is being submitted; retry`,
          }),
          claim.retryAfterSeconds,
        );
      }
      const workflowRequest: WorkflowRequest = {
        requestId: claim.requestId,
        workflowTemplate: body.workflowTemplate,
        parameters: body.parameters ?? {},
        requestedBy: (request.headers["x-acme-caller"] as string | undefined) ?? ANONYMOUS,
        priority: body.priority ?? DEFAULT_PRIORITY,
        idempotencyKey: key,
      };
      try {
        await through(queueBreaker, (signal) => submitter.submit(workflowRequest, signal));
      } catch (error) {
        // Nothing was accepted: free the key so the client's retry proceeds at once (if this
        // fails too, the lease runs out instead).
        await through(storeBreaker, (signal) => store.release(key, claim.requestId, signal)).catch(
          (e: unknown) =>
            request.log.warn(
              { err: e },
              "could not release the idempotency key; it frees when its lease ends",
            ),
        );
        throw error;
      }
      const now = new Date().toISOString();
      const response: AcceptedResponse = {
        requestId: claim.requestId,
        status: "accepted",
        statusUrl: statusUrl(claim.requestId),
      };
      const status: RequestStatus = {
        requestId: claim.requestId,
        workflowTemplate: workflowRequest.workflowTemplate,
        priority: workflowRequest.priority,
        status: "accepted",
        submittedAt: now,
        updatedAt: now,
      };
      try {
        await through(storeBreaker, (signal) =>
          store.accept(key, response, status, ttlSeconds, signal),
        );
      } catch (error) {
        // The message is on the queue, so the request is accepted. A retry after the lease ends
        // sends it again with the same requestId and idempotency key, which the consumer drops.
        request.log.warn(
          { err: error, request_id: claim.requestId },
          "accepted, but the answer was not stored",
        );
      }
      return reply.code(202).header("location", response.statusUrl).send(response);
    },

    async getWorkflowRequest(request, reply) {
      const { requestId } = request.params as { requestId: string };
      const stored = await through(storeBreaker, (signal) => store.find(requestId, signal));
      if (!stored) {
        return sendProblem(
          reply,
          problem("not-found", { detail: `no workflow request ${requestId}` }),
        );
      }
      if (!statusSource) return stored.status;
      const view = await through(engineBreaker, (signal) => statusSource.status(stored, signal));
      return withEngineView(stored.status, view);
    },
  });
  return { app, readiness, breakers, submitter, store, statusSource, metrics, logger };
}

/** The status source `WORKFLOW_ENGINE` selects (readConfig has checked what each needs). */
export function createStatusSource(
  config: Config,
  deps: Pick<Dependencies, "sfn" | "kubernetesCredentials"> = {},
): WorkflowStatusSource | undefined {
  if (config.workflowEngine === "argo") {
    return new ArgoStatusSource({
      apiUrl: kubernetesApiUrl(config.kubernetesHost as string, config.kubernetesPort),
      namespace: config.argoNamespace as string,
      workflowTemplate: config.argoWorkflowTemplate as string,
      credentials:
        deps.kubernetesCredentials ?? serviceAccountCredentials(config.serviceAccountDir),
    });
  }
  if (config.workflowEngine === "step-functions") {
    return new StepFunctionsStatusSource(
      deps.sfn ?? new SFNClient({ region: config.awsRegion }),
      config.stateMachineArn as string,
    );
  }
  return undefined;
}
