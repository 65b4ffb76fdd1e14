/**
 * The HTTP side every service shares: a Fastify server whose routes come from the service's
 * OpenAPI contract (validated with the contract's own schemas, nothing written twice), errors as
 * problem+json, request metrics, and the operational routes /healthz, /readyz and /metrics.
 */
import { dereferencedHttpContract } from "@acme/contracts";
import { type IncomingMessage, STATUS_CODES } from "node:http";
import Ajv, { type ErrorObject } from "ajv";
import addFormats from "ajv-formats";
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RouteHandlerMethod,
} from "fastify";
import { DependencyBusyError, DependencyUnavailableError, type Breaker } from "./breaker";
import { OPERATIONAL_PATHS } from "./conventions";
import type { Logger } from "./logger";
import type { ServiceMetrics } from "./metrics";
import { attachTlsListener, type TlsListenerOptions } from "./tls";
import {
  PROBLEM_CONTENT_TYPE,
  PROBLEMS,
  problem,
  type FieldError,
  type Problem,
  type ProblemKind,
} from "./problem";

/** Why a service is or is not ready for traffic. */
export class Readiness {
  private draining = false;
  private readonly breakers: Pick<Breaker<never[], unknown>, "name" | "required" | "state">[] = [];
  /** Adds breakers whose being open makes the service unready (those marked required). */
  watch(...breakers: Pick<Breaker<never[], unknown>, "name" | "required" | "state">[]): this {
    this.breakers.push(...breakers);
    return this;
  }
  /** Marks the service as shutting down: /readyz fails from now on. */
  drain(): void {
    this.draining = true;
  }
  get isDraining(): boolean {
    return this.draining;
  }
  /** Reasons the service is not ready; empty when ready. */
  reasons(): string[] {
    const reasons = this.draining ? ["draining before shutdown"] : [];
    for (const b of this.breakers) {
      if (b.required && b.state() === "open") reasons.push(`circuit breaker ${b.name} is open`);
    }
    return reasons;
  }
}

/** Sends a problem document. */
export function sendProblem(reply: FastifyReply, p: Problem, retryAfterSeconds?: number) {
  if (retryAfterSeconds !== undefined) reply.header("retry-after", String(retryAfterSeconds));
  return reply.code(p.status).type(PROBLEM_CONTENT_TYPE).send(p);
}

type OpenApiSchema = Record<string, unknown>;
interface OpenApiParameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema: OpenApiSchema;
}
interface OpenApiOperation {
  operationId: string;
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: OpenApiSchema }> };
}
const METHODS = ["get", "put", "post", "delete", "patch"] as const;

/**
 * OpenAPI 3.0 schema objects are JSON Schema with a few differences; this turns one into what a
 * JSON Schema validator reads (`nullable` into a type union; `example` dropped).
 */
export function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (!schema || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === "example" || k === "nullable" || k.startsWith("x-")) continue;
    out[k] =
      k === "properties" || k === "patternProperties"
        ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, toJsonSchema(s)]))
        : toJsonSchema(v);
  }
  const s = schema as { nullable?: boolean; type?: string };
  if (s.nullable && typeof s.type === "string") out.type = [s.type, "null"];
  return out;
}

/** The contract's header names by their lower-case form, per server (for naming bad headers). */
const HEADER_NAMES = new WeakMap<FastifyInstance, Map<string, string>>();

/** Which part of a request an Ajv schema validates, to name fields the way the contract does. */
type Part = "body" | "headers" | "params" | "querystring";

function fieldErrors(part: Part, errors: ErrorObject[], headerNames: Map<string, string>) {
  // A bad property name is reported once, by the name's own error (which carries propertyName).
  return errors
    .filter((e) => e.keyword !== "propertyNames")
    .map((e): FieldError => {
      const extra =
        e.keyword === "required"
          ? `/${String(e.params.missingProperty)}`
          : e.keyword === "additionalProperties"
            ? `/${String(e.params.additionalProperty)}`
            : e.propertyName !== undefined
              ? `/${e.propertyName}`
              : "";
      const pointer = `${e.instancePath}${extra}`;
      const detail =
        e.keyword === "additionalProperties"
          ? "is not a field of this request"
          : e.keyword === "required"
            ? "is required"
            : e.propertyName !== undefined
              ? `is not a valid name (${e.message ?? e.keyword})`
              : (e.message ?? e.keyword);
      const name = pointer.split("/")[1] ?? "";
      if (part === "headers") return { header: headerNames.get(name) ?? name, detail };
      if (part === "params" || part === "querystring") return { parameter: name, detail };
      return { pointer, detail };
    });
}

function describe(field: FieldError): string {
  if (field.header !== undefined) return `header ${field.header} ${field.detail}`;
  if (field.parameter !== undefined) return `parameter ${field.parameter} ${field.detail}`;
  return `body field ${field.pointer || "(the body)"}: ${field.detail}`;
}

/** Handlers for every operation of a contract, by operationId. */
export type OperationHandlers = Record<string, RouteHandlerMethod>;

export interface HttpServiceOptions {
  logger: Logger;
  metrics: ServiceMetrics;
  readiness: Readiness;
  /** False leaves out request metrics (the benchmark's bare baseline only). */
  instrument?: boolean;
  /** The largest request body accepted, in bytes. */
  bodyLimit?: number;
  /**
   * A second listener serving the same routes over HTTPS (./tls.ts), started by
   * `listenService(app, …)` (not by `app.listen()` alone) and stopped by `app.close()`; unset:
   * the plain port only.
   */
  tls?: TlsListenerOptions;
  /**
   * A leading path segment removed before routing (`/prod` turns `/prod/v1/x` into `/v1/x`):
   * API Gateway's private integrations send the stage in the path to the backend ("API Gateway
   * includes the stage portion of the API endpoint in the request to your backend resources",
   * Private integrations for REST APIs). Only a URL that starts with the segment is changed.
   */
  stripPathPrefix?: string;
}

/** A path prefix {@link HttpServiceOptions.stripPathPrefix} accepts: one segment. */
export const PATH_PREFIX = /^\/[A-Za-z0-9_-]+$/;

/** `url` without `prefix` when it starts with it (as a whole segment), else `url`. */
export function stripPathPrefix(url: string, prefix: string): string {
  if (url === prefix) return "/";
  const next = url.charAt(prefix.length);
  return url.startsWith(prefix) && (next === "/" || next === "?")
    ? (next === "?" ? "/" : "") + url.slice(prefix.length)
    : url;
}

/** Creates the Fastify server with the shared error handling, metrics and operational routes. */
export function createHttpService(options: HttpServiceOptions): FastifyInstance {
  const prefix = options.stripPathPrefix;
  if (prefix !== undefined && !PATH_PREFIX.test(prefix)) {
    throw new Error(
      `stripPathPrefix "${prefix}" must be one path segment such as /prod (letters, digits, '-', '_')`,
    );
  }
  const app = Fastify({
    rewriteUrl: prefix
      ? (req: IncomingMessage) => stripPathPrefix(req.url ?? "/", prefix)
      : undefined,
    loggerInstance: options.logger as FastifyBaseLogger,
    // One line per request is written in onResponse, with the route template and trace id.
    logController: new LogController({
      disableRequestLogging: true,
      requestIdLogLabel: "request_id",
    }),
    bodyLimit: options.bodyLimit ?? 256 * 1024,
    return503OnClosing: true,
  });
  const headerNames = new Map<string, string>();
  HEADER_NAMES.set(app, headerNames);

  const ajv = new Ajv({ allErrors: true, strict: true, coerceTypes: false, useDefaults: false });
  addFormats(ajv);
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema as object));

  if (options.instrument ?? true)
    app.addHook("onResponse", (request, reply, done) => {
      const route = request.routeOptions.url ?? "unmatched";
      const seconds = reply.elapsedTime / 1000;
      options.metrics.httpRequestDuration.observe(
        { method: request.method, route, status_code: String(reply.statusCode) },
        seconds,
      );
      if (!UNLOGGED.has(route)) {
        request.log.info(
          {
            method: request.method,
            route,
            status: reply.statusCode,
            duration_ms: reply.elapsedTime,
          },
          "request served",
        );
      }
      done();
    });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      const errors = fieldErrors(
        (error.validationContext ?? "body") as Part,
        error.validation as ErrorObject[],
        headerNames,
      );
      const more = errors.length > 1 ? ` (and ${errors.length - 1} more in errors)` : "";
      return sendProblem(
        reply,
        problem("validation", { detail: `${describe(errors[0])}${more}`, errors }),
      );
    }
    if (error instanceof DependencyUnavailableError) {
      // A failed call is logged with its cause; a rejection by an open breaker is not (the
      // breaker logs its transitions, /metrics counts rejections, and it must stay cheap).
      if (error.reason === "failure" || error.reason === "timeout") {
        request.log.warn({ dependency: error.dependency, err: error.cause }, error.message);
      }
      return sendProblem(
        reply,
        problem("dependency-unavailable", { detail: error.message }),
        error.retryAfterSeconds,
      );
    }
    if (error instanceof DependencyBusyError) {
      return sendProblem(
        reply,
        problem("too-many-requests", { detail: error.message }),
        error.retryAfterSeconds,
      );
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const kind = (Object.keys(PROBLEMS) as ProblemKind[]).find(
        (k) => PROBLEMS[k].status === status,
      );
      // A status no kind of ours has: RFC 9457's default type, titled by the status.
      const p = kind
        ? problem(kind, { detail: error.message })
        : {
            type: "about:blank",
            title: STATUS_CODES[status] ?? "Client error",
            status,
            detail: error.message,
          };
      return sendProblem(reply, p);
    }
    request.log.error({ err: error }, "request failed");
    return sendProblem(
      reply,
      problem("internal", { detail: "the request failed; see the service's logs" }),
    );
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      problem("not-found", { detail: `no route ${request.method} ${request.url.split("?")[0]}` }),
    ),
  );

  app.get(OPERATIONAL_PATHS.liveness, async () => ({ status: "ok" }));
  app.get(OPERATIONAL_PATHS.readiness, async (_request, reply) => {
    const reasons = options.readiness.reasons();
    if (reasons.length === 0) return { status: "ready" };
    return sendProblem(reply, problem("not-ready", { detail: reasons.join("; ") }));
  });
  app.get(OPERATIONAL_PATHS.metrics, async (_request, reply) => {
    reply.type(options.metrics.registry.contentType);
    return options.metrics.registry.metrics();
  });
  if (options.tls) attachTlsListener(app, options.tls, options.logger);
  return app;
}

const UNLOGGED = new Set<string>(Object.values(OPERATIONAL_PATHS));

/**
 * Registers one route per operation of an HTTP contract, validated with the contract's schemas.
 * Every operation needs a handler and every handler an operation, or this throws naming them.
 */
export function registerContractRoutes(
  app: FastifyInstance,
  contract: string,
  handlers: OperationHandlers,
): void {
  const doc = dereferencedHttpContract(contract) as {
    paths: Record<string, Record<string, OpenApiOperation>>;
  };
  const headerNames = HEADER_NAMES.get(app);
  if (!headerNames) throw new Error("registerContractRoutes needs a server from createHttpService");
  const seen = new Set<string>();
  for (const [route, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const handler = handlers[op.operationId];
      if (!handler) {
        throw new Error(
          `contract ${contract}: no handler for operation ${op.operationId} (${method.toUpperCase()} ${route})`,
        );
      }
      seen.add(op.operationId);
      const schema: Record<string, unknown> = {};
      for (const part of ["path", "query", "header"] as const) {
        const params = (op.parameters ?? []).filter((p) => p.in === part);
        if (params.length === 0) continue;
        const key = (p: OpenApiParameter) => (part === "header" ? p.name.toLowerCase() : p.name);
        for (const p of params) if (part === "header") headerNames.set(key(p), p.name);
        schema[part === "path" ? "params" : part === "query" ? "querystring" : "headers"] = {
          type: "object",
          properties: Object.fromEntries(params.map((p) => [key(p), toJsonSchema(p.schema)])),
          required: params.filter((p) => p.required).map(key),
        };
      }
      const mediaTypes = Object.keys(op.requestBody?.content ?? {});
      const json = op.requestBody?.content["application/json"];
      if (json) schema.body = toJsonSchema(json.schema);
      app.route({
        method: method.toUpperCase() as "GET",
        url: route.replace(/\{([^}]+)\}/g, ":$1"),
        schema,
        // Only the media types the contract declares (Fastify would parse text/plain too).
        preValidation: async (request, reply) => {
          if (mediaTypes.length === 0) return;
          const type = (request.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
          if (!mediaTypes.includes(type)) {
            return sendProblem(
              reply,
              problem("unsupported-media-type", {
                detail: `header Content-Type must be ${mediaTypes.join(" or ")}, not ${type || "absent"}`,
              }),
            );
          }
        },
        handler,
      });
    }
  }
  const extra = Object.keys(handlers).filter((id) => !seen.has(id));
  if (extra.length > 0) {
    throw new Error(
      `contract ${contract} has no operation ${extra.join(", ")}: remove the handler or add the operation`,
    );
  }
}

export type { FastifyInstance, FastifyReply, FastifyRequest };
