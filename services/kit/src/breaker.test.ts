import * as assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it, mock } from "node:test";
import {
  breakerOptionsFromEnv,
  ClientError,
  createBreaker,
  DependencyBusyError,
  DependencyUnavailableError,
  type BreakerOptions,
} from "./breaker";
import { ConfigError } from "./config";
import { createMetrics } from "./metrics";

const OPTIONS: BreakerOptions = {
  timeoutMs: 100,
  errorThresholdPercentage: 50,
  volumeThreshold: 4,
  resetTimeoutMs: 10_000,
  rollingCountTimeoutMs: 10_000,
  capacity: 10,
};

/** A dependency whose next answers the test decides, counting its calls. */
function dependency() {
  const state = { calls: 0, fail: false as false | Error, hang: false };
  const signals: AbortSignal[] = [];
  const action = async (signal: AbortSignal) => {
    state.calls += 1;
    signals.push(signal);
    if (state.hang) return new Promise<string>(() => undefined);
    if (state.fail) throw state.fail;
    return "ok";
  };
  return { state, action, signals };
}

async function metricValue(
  metrics: ReturnType<typeof createMetrics>,
  name: string,
  labels: Record<string, string>,
) {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = (metric?.values ?? []).find((v) =>
    Object.entries(labels).every(([k, l]) => (v.labels as Record<string, string>)[k] === l),
  );
  return value?.value;
}

describe("createBreaker", () => {
  beforeEach(() =>
    mock.timers.enable({ apis: ["setTimeout", "setInterval", "Date"], now: 1_000_000 }),
  );
  afterEach(() => mock.timers.reset());

  it("opens after the error threshold, rejects without calling the dependency, half-opens after the reset timeout and closes on success", async () => {
    const metrics = createMetrics("test", { processMetrics: false });
    const dep = dependency();
    const breaker = createBreaker("work-queue", dep.action, OPTIONS, { metrics });
    assert.equal(breaker.state(), "closed");
    assert.equal(await breaker.fire(), "ok");

    dep.state.fail = new Error("boom");
    for (let i = 0; i < 3; i++) {
      await assert.rejects(
        breaker.fire(),
        (e: unknown) => e instanceof DependencyUnavailableError && e.reason === "failure",
      );
    }
    assert.equal(breaker.state(), "open", "3 failures of 4 calls is over 50%");
    assert.equal(
      await metricValue(metrics, "circuit_breaker_state", { breaker: "work-queue", state: "open" }),
      1,
    );
    assert.equal(
      await metricValue(metrics, "circuit_breaker_state", {
        breaker: "work-queue",
        state: "closed",
      }),
      0,
    );
    assert.equal(
      await metricValue(metrics, "circuit_breaker_events_total", {
        breaker: "work-queue",
        event: "open",
      }),
      1,
    );

    // While open: rejected at once, the dependency untouched, Retry-After = time to the probe.
    const callsWhenOpened = dep.state.calls;
    mock.timers.tick(2_500);
    let settled = false;
    const rejected = breaker.fire().catch((e: unknown) => {
      settled = true;
      return e;
    });
    // Settles on the microtask queue: no timer, no I/O between the call and the answer.
    await Promise.resolve();
    await Promise.resolve();
    assert.ok(settled, "an open breaker answers without waiting for anything");
    const error = (await rejected) as DependencyUnavailableError;
    assert.ok(error instanceof DependencyUnavailableError);
    assert.equal(error.reason, "open");
    assert.equal(
      error.retryAfterSeconds,
      8,
      "10 s reset timeout, 2.5 s elapsed: 7.5 s rounds up to 8",
    );
    assert.equal(dep.state.calls, callsWhenOpened);
    assert.equal(
      await metricValue(metrics, "circuit_breaker_events_total", {
        breaker: "work-queue",
        event: "reject",
      }),
      1,
    );

    mock.timers.tick(7_500);
    assert.equal(breaker.state(), "half_open");
    dep.state.fail = false;
    assert.equal(await breaker.fire(), "ok", "the probe goes through");
    assert.equal(breaker.state(), "closed");
    assert.equal(
      await metricValue(metrics, "circuit_breaker_state", {
        breaker: "work-queue",
        state: "closed",
      }),
      1,
    );
    assert.equal(
      await metricValue(metrics, "circuit_breaker_events_total", {
        breaker: "work-queue",
        event: "close",
      }),
      1,
    );
    breaker.shutdown();
  });

  it("opens again when the half-open probe fails", async () => {
    const dep = dependency();
    const breaker = createBreaker("store", dep.action, OPTIONS, {
      metrics: createMetrics("t", { processMetrics: false }),
    });
    dep.state.fail = new Error("down");
    for (let i = 0; i < 4; i++) await breaker.fire().catch(() => undefined);
    assert.equal(breaker.state(), "open");
    mock.timers.tick(OPTIONS.resetTimeoutMs);
    assert.equal(breaker.state(), "half_open");
    await assert.rejects(breaker.fire(), DependencyUnavailableError);
    assert.equal(breaker.state(), "open");
    assert.equal(breaker.msUntilProbe(), OPTIONS.resetTimeoutMs);
    breaker.shutdown();
  });

  it("never trips on client errors (4xx, failed conditions, validation), but does on throttling", async () => {
    const dep = dependency();
    const breaker = createBreaker("store", dep.action, OPTIONS, {
      metrics: createMetrics("t", { processMetrics: false }),
    });
    const conditional = Object.assign(new Error("The conditional request failed"), {
      name: "ConditionalCheckFailedException",
      $fault: "client",
      $metadata: { httpStatusCode: 400 },
    });
    for (const error of [new ClientError("bad", 400), conditional]) {
      dep.state.fail = error;
      for (let i = 0; i < 10; i++)
        await assert.rejects(breaker.fire(), (e) => e === error, "passed through unchanged");
    }
    assert.equal(breaker.state(), "closed");
    dep.state.fail = Object.assign(new Error("Rate exceeded"), {
      name: "ThrottlingException",
      $fault: "client",
      $retryable: { throttling: true },
      $metadata: { httpStatusCode: 400 },
    });
    for (let i = 0; i < 30; i++) await breaker.fire().catch(() => undefined);
    assert.equal(breaker.state(), "open");
    breaker.shutdown();
  });

  it("fails a call slower than the timeout and aborts it", async () => {
    const dep = dependency();
    const breaker = createBreaker("engine", dep.action, OPTIONS, {
      metrics: createMetrics("t", { processMetrics: false }),
    });
    dep.state.hang = true;
    const pending = breaker.fire();
    mock.timers.tick(OPTIONS.timeoutMs);
    await assert.rejects(
      pending,
      (e: unknown) => e instanceof DependencyUnavailableError && e.reason === "timeout",
    );
    assert.equal(dep.signals.length, 1);
    assert.equal(dep.signals[0].aborted, true, "the slow call is aborted, not left running");
    breaker.shutdown();
  });

  it("refuses calls beyond its capacity with a 429 error", async () => {
    const dep = dependency();
    const breaker = createBreaker(
      "engine",
      dep.action,
      { ...OPTIONS, capacity: 1 },
      {
        metrics: createMetrics("t", { processMetrics: false }),
      },
    );
    dep.state.hang = true;
    const first = breaker.fire().catch(() => undefined);
    await assert.rejects(
      breaker.fire(),
      (e: unknown) => e instanceof DependencyBusyError && e.statusCode === 429,
    );
    mock.timers.tick(OPTIONS.timeoutMs);
    await first;
    assert.equal(
      breaker.state(),
      "closed",
      "overload of our own making is not the dependency's failure",
    );
    breaker.shutdown();
  });

  it("rejects a name that cannot be a metric label and variable prefix", () => {
    assert.throws(
      () =>
        createBreaker("Work Queue", async () => 1, OPTIONS, {
          metrics: createMetrics("t", { processMetrics: false }),
        }),
      /breaker name "Work Queue" must be lower-case/,
    );
  });
});

describe("breakerOptionsFromEnv", () => {
  it("uses the documented defaults", () => {
    assert.deepEqual(breakerOptionsFromEnv("work-queue", {}), {
      timeoutMs: 2000,
      errorThresholdPercentage: 50,
      volumeThreshold: 10,
      resetTimeoutMs: 10_000,
      rollingCountTimeoutMs: 10_000,
      capacity: 100,
    });
  });

  it("lets BREAKER_<NAME>_* override BREAKER_* for one breaker", () => {
    const env = {
      BREAKER_TIMEOUT_MS: "500",
      BREAKER_WORK_QUEUE_TIMEOUT_MS: "250",
      BREAKER_CAPACITY: "7",
    };
    assert.equal(breakerOptionsFromEnv("work-queue", env).timeoutMs, 250);
    assert.equal(breakerOptionsFromEnv("request-store", env).timeoutMs, 500);
    assert.equal(breakerOptionsFromEnv("work-queue", env).capacity, 7);
  });

  it("names every invalid variable", () => {
    assert.throws(
      () =>
        breakerOptionsFromEnv("work-queue", {
          BREAKER_ERROR_THRESHOLD_PERCENTAGE: "150",
          BREAKER_WORK_QUEUE_CAPACITY: "many",
        }),
      (e: unknown) =>
        e instanceof ConfigError &&
        /BREAKER_ERROR_THRESHOLD_PERCENTAGE="150" is invalid/.test(e.message),
    );
    assert.throws(
      () => breakerOptionsFromEnv("work-queue", { BREAKER_WORK_QUEUE_CAPACITY: "many" }),
      /BREAKER_WORK_QUEUE_CAPACITY="many" is invalid/,
    );
  });
});
