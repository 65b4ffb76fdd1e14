/**
 * Mesh resilience as a typed value: a request timeout, retries and failure accrual (circuit
 * breaking), rendered as the annotations Linkerd's policy controller reads from a Service or an
 * HTTPRoute, and validated with Linkerd's own parsing rules before anything is rendered.
 *
 * The rules mirror the policy controller of the pinned edge release (linkerd2 edge-26.8.3,
 * `policy-controller/k8s/index/src/outbound/index.rs` and `index/http.rs`) and the reference pages
 * https://linkerd.io/2-edge/reference/retries/, .../timeouts/ and .../circuit-breaking/. A value the
 * controller would reject invalidates the whole client policy of the Service, so it is cheaper to
 * refuse it here. Two rules are the platform's own: retries only on routes marked idempotent, and a
 * retry budget that bounds the worst-case number of attempts one call can cause.
 */
import { throwIfInvalid, type ValidationError } from "../lib";

/** HTTP retry conditions Linkerd accepts besides single codes and ranges. */
const NAMED_STATUS_CLASSES = ["5xx", "gateway-error"];

/** The most retries `retry.linkerd.io/limit` can express (the controller parses a u16). */
export const MAX_RETRY_LIMIT = 65535;

/** The most consecutive failures the controller accepts (a u32). */
const MAX_CONSECUTIVE_FAILURES = 4294967295;

/** Linkerd's annotation keys (pinned edge release; see the module comment for sources). */
export const LINKERD_ANNOTATIONS = {
  requestTimeout: "timeout.linkerd.io/request",
  retryHttp: "retry.linkerd.io/http",
  retryLimit: "retry.linkerd.io/limit",
  retryTimeout: "retry.linkerd.io/timeout",
  failureAccrual: "balancer.linkerd.io/failure-accrual",
  consecutiveMaxFailures: "balancer.linkerd.io/failure-accrual-consecutive-max-failures",
  consecutiveMinPenalty: "balancer.linkerd.io/failure-accrual-consecutive-min-penalty",
  consecutiveMaxPenalty: "balancer.linkerd.io/failure-accrual-consecutive-max-penalty",
  consecutiveJitterRatio: "balancer.linkerd.io/failure-accrual-consecutive-jitter-ratio",
} as const;

/** Retries the client proxy makes when a response has one of the listed statuses. */
export interface RetryPolicy {
  /** Retries after the first attempt (1..65535); Linkerd reads 0 as its default of 1, so 0 is refused. */
  limit: number;
  /**
   * Statuses that are retried: a code (`"429"`), a range (`"500-504"`), `"gateway-error"` (502-504)
   * or `"5xx"`. Linkerd has no `4xx` class.
   */
  statusClasses: string[];
  /** Per-attempt timeout after which the attempt is cancelled and retried, e.g. `"300ms"`. */
  timeout?: string;
}

/** Consecutive-failures circuit breaking of each endpoint behind a Service. */
export interface FailureAccrualPolicy {
  /** Consecutive failures (5xx, or the listed gRPC codes) after which an endpoint is ejected; >= 1. */
  consecutiveFailures: number;
  /** Shortest time an ejected endpoint stays out before a probe request, e.g. `"1s"`; > 0. */
  minPenalty: string;
  /** Upper bound of the exponential probe backoff, e.g. `"1m"`; >= minPenalty and > 0. */
  maxPenalty: string;
  /** Random jitter added to each backoff, as a percentage of it: 0.0 to 100.0. */
  jitterRatio: number;
}

/**
 * How a Service or route behaves when its backends misbehave. Every part is optional; an empty
 * policy renders no annotations (Linkerd's defaults: no timeout, no retries, no circuit breaking).
 */
export interface ResiliencePolicy {
  /** Bound on the whole request-response stream, retries included, e.g. `"2s"`. */
  requestTimeout?: string;
  /** Retries by the client proxy; only on routes whose requests are idempotent. */
  retries?: RetryPolicy;
  /** Circuit breaking; Linkerd reads it from Service annotations only. */
  failureAccrual?: FailureAccrualPolicy;
}

/** What the policy is attached to, and the retry budget it must fit. */
export interface ResilienceContext {
  /** The resource the annotations go on. */
  target: "Service" | "HTTPRoute";
  /** True when every request the target carries may safely be sent twice (GET, PUT, DELETE, ...). */
  idempotentRoute: boolean;
  /** True when a ServiceProfile exists for the Service; Linkerd then ignores all these annotations. */
  serviceHasServiceProfile: boolean;
  /** Attempts the calling application makes itself per call (its own retries plus one); >= 1. */
  applicationAttempts: number;
  /** The most attempts one call may cause at the backend, mesh and application retries together. */
  maxTotalAttempts: number;
}

/** The worst case of one call: every application attempt retried by the mesh up to its limit. */
export interface RetryBudget {
  /** Attempts the mesh makes per application attempt: 1 + retries.limit (1 without retries). */
  meshAttempts: number;
  /** Attempts the application makes per call. */
  applicationAttempts: number;
  /** meshAttempts x applicationAttempts. */
  worstCaseAttempts: number;
}

/** Computes the worst-case number of attempts one call causes at the backend. */
export function retryBudget(policy: ResiliencePolicy, applicationAttempts: number): RetryBudget {
  const meshAttempts = 1 + (policy.retries?.limit ?? 0);
  return {
    meshAttempts,
    applicationAttempts,
    worstCaseAttempts: meshAttempts * applicationAttempts,
  };
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a duration the way Linkerd's policy controller does: one whole number and one unit
 * (`ms`, `s`, `m`, `h`, `d`), or a bare `0`. Go-style compounds (`1m30s`) and fractions are
 * rejected by the controller, so they are rejected here. Returns milliseconds, or undefined.
 */
export function parseLinkerdDuration(value: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(value);
  if (!match) return undefined;
  const magnitude = Number(match[1]);
  if (match[2] === undefined) return magnitude === 0 ? 0 : undefined;
  return magnitude * UNIT_MS[match[2]];
}

const DURATION_HINT = 'a whole number with one unit of ms, s, m, h or d, e.g. "500ms" or "2s"';

/** Checks a duration field; returns its milliseconds when valid and non-zero. */
function positiveDuration(
  errors: ValidationError[],
  propertyPath: string,
  value: string,
): number | undefined {
  const ms = parseLinkerdDuration(value);
  if (ms === undefined) {
    errors.push({
      propertyPath,
      reason: `"${value}" is not a Linkerd duration; use ${DURATION_HINT}`,
    });
    return undefined;
  }
  if (ms === 0) {
    errors.push({ propertyPath, reason: "must be greater than zero" });
    return undefined;
  }
  return ms;
}

/** True for a retry condition Linkerd's parser accepts (`parse_http_retry`). */
function isStatusClass(value: string): boolean {
  if (NAMED_STATUS_CLASSES.includes(value.toLowerCase())) return true;
  const code = (s: string) =>
    /^\d+$/.test(s) && Number(s) >= 100 && Number(s) < 600 ? Number(s) : undefined;
  if (code(value) !== undefined) return true;
  const [start, end, ...rest] = value.split("-");
  const s = code(start);
  const e = end === undefined ? undefined : code(end);
  return rest.length === 0 && s !== undefined && e !== undefined && s <= e;
}

const isWhole = (n: number, min: number, max: number) =>
  Number.isInteger(n) && n >= min && n <= max;

/**
 * Validates a policy for a target; returns every problem, each naming the field it concerns
 * (`retries.limit`, `failureAccrual.minPenalty`, ...) or the context field that rules it out.
 */
export function validateResiliencePolicy(
  policy: ResiliencePolicy,
  context: ResilienceContext,
): ValidationError[] {
  const errors: ValidationError[] = [];
  const configured = (["requestTimeout", "retries", "failureAccrual"] as const).filter(
    (k) => policy[k] !== undefined,
  );

  if (context.serviceHasServiceProfile && configured.length > 0) {
    errors.push({
      propertyPath: "serviceHasServiceProfile",
      reason:
        `a ServiceProfile exists for the Service, so Linkerd ignores ${configured.join(", ")}; ` +
        "delete the ServiceProfile or drop the policy",
    });
  }
  if (!isWhole(context.applicationAttempts, 1, Number.MAX_SAFE_INTEGER)) {
    errors.push({
      propertyPath: "applicationAttempts",
      reason: `must be a whole number >= 1 (got ${context.applicationAttempts})`,
    });
  }
  if (!isWhole(context.maxTotalAttempts, 1, Number.MAX_SAFE_INTEGER)) {
    errors.push({
      propertyPath: "maxTotalAttempts",
      reason: `must be a whole number >= 1 (got ${context.maxTotalAttempts})`,
    });
  }

  const requestTimeout =
    policy.requestTimeout === undefined
      ? undefined
      : positiveDuration(errors, "requestTimeout", policy.requestTimeout);

  const retries = policy.retries;
  if (retries) {
    if (!context.idempotentRoute) {
      errors.push({
        propertyPath: "retries",
        reason:
          `the ${context.target} is not marked idempotent; a retried request may be applied twice, ` +
          "so retry only on routes whose requests are idempotent",
      });
    }
    if (!isWhole(retries.limit, 1, MAX_RETRY_LIMIT)) {
      errors.push({
        propertyPath: "retries.limit",
        reason: `must be a whole number from 1 to ${MAX_RETRY_LIMIT} (got ${retries.limit}); Linkerd reads 0 as 1`,
      });
    }
    if (retries.statusClasses.length === 0) {
      errors.push({
        propertyPath: "retries.statusClasses",
        reason: 'lists no status; give at least one, e.g. "5xx" or "429"',
      });
    }
    retries.statusClasses.forEach((status, i) => {
      if (!isStatusClass(status)) {
        errors.push({
          propertyPath: `retries.statusClasses[${i}]`,
          reason: `"${status}" is not a retry condition; use a code from 100 to 599, a range such as "500-504", "gateway-error" or "5xx"`,
        });
      }
    });
    if (retries.timeout !== undefined) {
      const timeout = positiveDuration(errors, "retries.timeout", retries.timeout);
      if (timeout !== undefined && requestTimeout !== undefined && timeout >= requestTimeout) {
        errors.push({
          propertyPath: "retries.timeout",
          reason:
            `${retries.timeout} is not shorter than requestTimeout ${String(policy.requestTimeout)}, ` +
            "which bounds the whole request, so no retry could ever start",
        });
      }
    }
  }

  // The budget: checked once both sides are well-formed. Without mesh retries an excess is the
  // application's own; with them, the mesh limit is what this policy controls.
  const limitValid = !retries || isWhole(retries.limit, 1, MAX_RETRY_LIMIT);
  if (
    limitValid &&
    isWhole(context.applicationAttempts, 1, Number.MAX_SAFE_INTEGER) &&
    isWhole(context.maxTotalAttempts, 1, Number.MAX_SAFE_INTEGER)
  ) {
    const budget = retryBudget(policy, context.applicationAttempts);
    if (budget.worstCaseAttempts > context.maxTotalAttempts) {
      errors.push({
        propertyPath: retries ? "retries.limit" : "applicationAttempts",
        reason:
          `worst case is ${budget.meshAttempts} mesh attempt${budget.meshAttempts === 1 ? "" : "s"} x ` +
          `${budget.applicationAttempts} application attempt${budget.applicationAttempts === 1 ? "" : "s"} = ` +
          `${budget.worstCaseAttempts}, above the budget of ${context.maxTotalAttempts}; ` +
          (retries
            ? "lower the retry limit or the application's retries"
            : "lower the application's retries"),
      });
    }
  }

  const accrual = policy.failureAccrual;
  if (accrual) {
    if (context.target !== "Service") {
      errors.push({
        propertyPath: "failureAccrual",
        reason: `Linkerd reads failure accrual from Service annotations only, not from an ${context.target}`,
      });
    }
    if (!isWhole(accrual.consecutiveFailures, 1, MAX_CONSECUTIVE_FAILURES)) {
      errors.push({
        propertyPath: "failureAccrual.consecutiveFailures",
        reason: `must be a whole number >= 1 (got ${accrual.consecutiveFailures})`,
      });
    }
    const min = positiveDuration(errors, "failureAccrual.minPenalty", accrual.minPenalty);
    const max = positiveDuration(errors, "failureAccrual.maxPenalty", accrual.maxPenalty);
    if (min !== undefined && max !== undefined && min > max) {
      errors.push({
        propertyPath: "failureAccrual.minPenalty",
        reason: `${accrual.minPenalty} exceeds maxPenalty ${accrual.maxPenalty}; Linkerd requires minPenalty <= maxPenalty`,
      });
    }
    if (!(
      Number.isFinite(accrual.jitterRatio) &&
      accrual.jitterRatio >= 0 &&
      accrual.jitterRatio <= 100
    )) {
      errors.push({
        propertyPath: "failureAccrual.jitterRatio",
        reason: `must be between 0.0 and 100.0 (got ${accrual.jitterRatio})`,
      });
    }
  }
  return errors;
}

/** Renders a policy as Linkerd annotations, without validating it. */
export function resilienceAnnotations(policy: ResiliencePolicy): Record<string, string> {
  const a = LINKERD_ANNOTATIONS;
  const out: Record<string, string> = {};
  if (policy.requestTimeout !== undefined) out[a.requestTimeout] = policy.requestTimeout;
  if (policy.retries) {
    out[a.retryHttp] = policy.retries.statusClasses.join(",");
    out[a.retryLimit] = String(policy.retries.limit);
    if (policy.retries.timeout !== undefined) out[a.retryTimeout] = policy.retries.timeout;
  }
  if (policy.failureAccrual) {
    const f = policy.failureAccrual;
    out[a.failureAccrual] = "consecutive";
    out[a.consecutiveMaxFailures] = String(f.consecutiveFailures);
    out[a.consecutiveMinPenalty] = f.minPenalty;
    out[a.consecutiveMaxPenalty] = f.maxPenalty;
    out[a.consecutiveJitterRatio] = String(f.jitterRatio);
  }
  return out;
}

/**
 * Validates a policy for its target and renders its annotations; throws one
 * `pulumi.InputPropertiesError` naming every problem.
 */
export function renderResiliencePolicy(
  policy: ResiliencePolicy,
  context: ResilienceContext,
): Record<string, string> {
  throwIfInvalid("ResiliencePolicy", validateResiliencePolicy(policy, context));
  return resilienceAnnotations(policy);
}
