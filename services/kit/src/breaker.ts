/**
 * Circuit breakers (opossum) around each remote dependency. A breaker is closed while the
 * dependency works, opens when the share of failed calls in the rolling window passes the
 * threshold, rejects every call without touching the dependency while open, lets one probe
 * through once the reset timeout has passed (half-open), and closes again when the probe succeeds.
 *
 * Callers see two errors: DependencyUnavailableError (answer 503 with Retry-After: the time left
 * before the next probe) and DependencyBusyError (too many calls in flight: 429). Errors that
 * mean the request itself was wrong (4xx from the dependency, failed conditions, validation)
 * pass through unchanged and never count against the dependency.
 */
import { trace } from "@opentelemetry/api";
import CircuitBreaker from "opossum";
import { envVar, parse, readEnv, type EnvConfig } from "./config";
import type { Logger } from "./logger";
import { BREAKER_EVENTS, BREAKER_STATES, type BreakerState, type ServiceMetrics } from "./metrics";

/** The options every breaker takes, as environment variables with their documented defaults. */
export const BREAKER_ENV = {
  timeoutMs: envVar("BREAKER_TIMEOUT_MS", parse.int(1, 60_000), {
    default: 2000,
    doc: "A call to a dependency slower than this many milliseconds fails (and is aborted).",
  }),
  errorThresholdPercentage: envVar("BREAKER_ERROR_THRESHOLD_PERCENTAGE", parse.int(1, 100), {
    default: 50,
    doc: "The breaker opens when more than this percentage of calls in the rolling window failed.",
  }),
  volumeThreshold: envVar("BREAKER_VOLUME_THRESHOLD", parse.int(1, 10_000), {
    default: 10,
    doc: "The fewest calls in the rolling window before the breaker may open.",
  }),
  resetTimeoutMs: envVar("BREAKER_RESET_TIMEOUT_MS", parse.int(100, 600_000), {
    default: 10_000,
    doc: "How long an open breaker rejects calls before it lets one probe through (half-open).",
  }),
  rollingCountTimeoutMs: envVar("BREAKER_ROLLING_COUNT_TIMEOUT_MS", parse.int(1000, 600_000), {
    default: 10_000,
    doc: "The length of the rolling window the error percentage is measured over.",
  }),
  capacity: envVar("BREAKER_CAPACITY", parse.int(1, 100_000), {
    default: 100,
    doc: "The most concurrent calls to one dependency; more are refused with 429.",
  }),
};
export type BreakerOptions = EnvConfig<typeof BREAKER_ENV>;

/**
 * Breaker options from the environment: `BREAKER_*` for every breaker, overridden per breaker
 * by `BREAKER_<NAME>_*` (the name upper-cased, `-` as `_`), e.g. `BREAKER_WORK_QUEUE_TIMEOUT_MS`.
 */
export function breakerOptionsFromEnv(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  base: BreakerOptions = readEnv(BREAKER_ENV, env),
): BreakerOptions {
  const prefix = `BREAKER_${name.toUpperCase().replace(/-/g, "_")}_`;
  const specific = Object.fromEntries(
    Object.entries(BREAKER_ENV).map(([key, v]) => [
      key,
      {
        ...v,
        name: v.name.replace(/^BREAKER_/, prefix),
        default: base[key as keyof BreakerOptions],
      },
    ]),
  ) as typeof BREAKER_ENV;
  return readEnv(specific, env);
}

/** The breaker options of a configuration read with BREAKER_ENV (the base for per-breaker overrides). */
export function breakerDefaults(config: BreakerOptions): BreakerOptions {
  return Object.fromEntries(
    (Object.keys(BREAKER_ENV) as (keyof BreakerOptions)[]).map((k) => [k, config[k]]),
  ) as BreakerOptions;
}

/** The dependency is failing or its breaker is open: answer 503 with `Retry-After`. */
export class DependencyUnavailableError extends Error {
  readonly statusCode = 503;
  constructor(
    readonly dependency: string,
    /** Whole seconds until a retry can succeed (at least 1). */
    readonly retryAfterSeconds: number,
    readonly reason: "open" | "half-open" | "timeout" | "failure",
    options?: { cause?: unknown },
  ) {
    super(`${dependency} is unavailable (${reason}); retry after ${retryAfterSeconds} s`, options);
    this.name = "DependencyUnavailableError";
  }
}

/** Too many calls to the dependency are in flight: answer 429 with `Retry-After`. */
export class DependencyBusyError extends Error {
  readonly statusCode = 429;
  readonly retryAfterSeconds = 1;
  constructor(readonly dependency: string) {
    super(`too many calls to ${dependency} in flight; retry after 1 s`);
    this.name = "DependencyBusyError";
  }
}

/** An error caused by the request, not the dependency: never trips a breaker. */
export class ClientError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
    this.name = "ClientError";
  }
}

interface AwsLikeError {
  name?: string;
  code?: string;
  $fault?: "client" | "server";
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number };
}

/**
 * Whether an error is the caller's fault: our ClientError, or an AWS SDK client fault that is not
 * throttling (throttling means the dependency is overloaded, which is what breakers are for).
 */
export function isClientError(error: unknown): boolean {
  if (error instanceof ClientError) return true;
  const e = error as AwsLikeError;
  if (!e || typeof e !== "object") return false;
  if (e.$fault !== "client") return false;
  const status = e.$metadata?.httpStatusCode;
  const throttled =
    e.$retryable?.throttling === true || status === 429 || /Throttl/.test(e.name ?? "");
  return !throttled;
}

/** A breaker around one dependency. */
export interface Breaker<A extends unknown[], R> {
  readonly name: string;
  /** Whether the service is not ready while this breaker is open. */
  readonly required: boolean;
  /** Calls the dependency through the breaker. */
  fire(...args: A): Promise<R>;
  state(): BreakerState;
  /** Milliseconds until an open breaker lets a probe through (0 unless open). */
  msUntilProbe(): number;
  /** Stops the reset timer (on shutdown). */
  shutdown(): void;
}

/**
 * Wraps `action` in a breaker. The action gets an AbortSignal that fires at the breaker's
 * timeout, so a slow call is cancelled rather than left running.
 */
export function createBreaker<A extends unknown[], R>(
  name: string,
  action: (signal: AbortSignal, ...args: A) => Promise<R>,
  options: BreakerOptions,
  deps: {
    metrics: ServiceMetrics;
    /** Where state transitions are logged (open: warn; half-open, close: info). */
    logger?: Logger;
    required?: boolean;
    errorFilter?: (e: unknown) => boolean;
  },
): Breaker<A, R> {
  // The name becomes a metric label and a prefix of environment variables.
  if (!/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new Error(`breaker name "${name}" must be lower-case letters, digits and "-"`);
  }
  // Each call gets its own AbortController (as the first argument opossum sees), aborted when
  // opossum times the call out: no second timer per call (AbortSignal.timeout costs as much as
  // the rest of the breaker).
  const circuit = new CircuitBreaker(
    (controller: AbortController, ...args: A) => action(controller.signal, ...args),
    {
      name,
      timeout: options.timeoutMs,
      errorThresholdPercentage: options.errorThresholdPercentage,
      volumeThreshold: options.volumeThreshold,
      resetTimeout: options.resetTimeoutMs,
      rollingCountTimeout: options.rollingCountTimeoutMs,
      capacity: options.capacity,
      // Overload of our own making (capacity) is never the dependency's failure, whatever filter
      // the caller gives; it is answered 429 below.
      errorFilter: (e: unknown) =>
        (e as { code?: string })?.code === "ESEMLOCKED" || (deps.errorFilter ?? isClientError)(e),
    },
  );
  // opossum 10 emits (error, latency, args) on timeout; @types/opossum (8.x) declares only the error.
  const abortOnTimeout = (...params: unknown[]) => {
    const [controller] = params[2] as [AbortController];
    controller.abort(new Error(`${name}: timed out after ${options.timeoutMs} ms`));
  };
  circuit.on("timeout", abortOnTimeout as (error: Error) => void);
  let openedAt = 0;
  const state = (): BreakerState =>
    circuit.opened ? "open" : circuit.halfOpen ? "half_open" : "closed";
  const msUntilProbe = () =>
    state() === "open" ? Math.max(0, openedAt + options.resetTimeoutMs - Date.now()) : 0;
  const publishState = () => {
    const current = state();
    for (const s of BREAKER_STATES)
      deps.metrics.breakerState.set({ breaker: name, state: s }, s === current ? 1 : 0);
  };
  publishState();
  circuit.on("open", () => {
    openedAt = Date.now();
    deps.logger?.warn(
      { breaker: name, reset_timeout_ms: options.resetTimeoutMs },
      `circuit breaker ${name} opened: failing fast until it probes again`,
    );
  });
  circuit.on("halfOpen", () =>
    deps.logger?.info({ breaker: name }, `circuit breaker ${name} half-open: probing`),
  );
  circuit.on("close", () => deps.logger?.info({ breaker: name }, `circuit breaker ${name} closed`));
  for (const event of BREAKER_EVENTS) {
    // Bound once: a labelled child is cheaper to increment than a label lookup per call.
    const counter = deps.metrics.breakerEvents.labels(name, event);
    counter.inc(0);
    circuit.on(event as "failure", (detail: unknown) => {
      // opossum reports a filtered error as a success; a call refused at capacity is neither.
      if (event === "success" && (detail as { code?: string })?.code === "ESEMLOCKED") return;
      counter.inc();
      if (event === "open" || event === "halfOpen" || event === "close") publishState();
      // Every event is counted; a successful call is not worth a span event on every request.
      if (event === "success") return;
      trace.getActiveSpan()?.addEvent(`circuit_breaker.${event}`, {
        "circuit_breaker.name": name,
        "circuit_breaker.state": state(),
      });
    });
  }
  // The fallback runs instead of the dependency when the breaker is open, and after a failure or
  // timeout; it answers at once, without touching the dependency.
  circuit.fallback((...argsAndError: unknown[]) => {
    const error = argsAndError[argsAndError.length - 1] as { code?: string };
    const current = state();
    const reason =
      error?.code === "EOPENBREAKER"
        ? current === "half_open"
          ? "half-open"
          : "open"
        : error?.code === "ETIMEDOUT"
          ? "timeout"
          : "failure";
    const seconds = Math.max(1, Math.ceil(msUntilProbe() / 1000));
    // A rejection's stack says nothing (it is always this line) and costs more than the rest of
    // the answer; failures keep theirs in `cause`.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return Promise.reject(
        new DependencyUnavailableError(name, seconds, reason, { cause: error }),
      );
    } finally {
      Error.stackTraceLimit = limit;
    }
  });
  return {
    name,
    required: deps.required ?? true,
    async fire(...args: A): Promise<R> {
      try {
        return (await circuit.fire(new AbortController(), ...args)) as R;
      } catch (error) {
        if ((error as { code?: string }).code === "ESEMLOCKED") throw new DependencyBusyError(name);
        throw error;
      }
    },
    state,
    msUntilProbe,
    shutdown: () => circuit.shutdown(),
  };
}
