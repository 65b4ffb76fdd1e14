/**
 * The benchmark's pure parts: options, medians and percentiles, the checks that decide whether a
 * run counts, and the printed lines. service.ts does the measuring; bench.test.ts tests these.
 */
import type autocannon from "autocannon";

/** The targets of issue #11: what the protections may cost, and how fast an open breaker answers. */
export const TARGETS = { maxCostPercent: 10, maxRejectionP99Micros: 1000 } as const;

export interface BenchOptions {
  /** Seconds of each measured autocannon run. */
  duration: number;
  /** Seconds of the warm-up run before each measured run (JIT, pools, caches). */
  warmup: number;
  /** Concurrent connections of autocannon. */
  connections: number;
  /** Measured runs of each side, alternated bare/protected; the medians are compared. */
  rounds: number;
  /** Rejected requests timed one at a time against the open breaker. */
  samples: number;
}

export const DEFAULT_OPTIONS: BenchOptions = {
  duration: 10,
  warmup: 3,
  connections: 50,
  rounds: 2,
  samples: 5000,
};

const MINIMUM: BenchOptions = { duration: 1, warmup: 0, connections: 1, rounds: 2, samples: 100 };

/** Reads `--duration 10 --connections 50 ...`; throws naming the flag and what it accepts. */
export function parseOptions(argv: string[]): BenchOptions {
  const options = { ...DEFAULT_OPTIONS };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const key = flag.replace(/^--/, "") as keyof BenchOptions;
    if (!flag.startsWith("--") || !(key in DEFAULT_OPTIONS)) {
      throw new Error(
        `unknown argument "${flag}": use ${Object.keys(DEFAULT_OPTIONS)
          .map((k) => `--${k}`)
          .join(", ")}`,
      );
    }
    const value = Number(argv[++i]);
    if (!Number.isInteger(value) || value < MINIMUM[key]) {
      throw new Error(`${flag} must be an integer of at least ${MINIMUM[key]}, got "${argv[i]}"`);
    }
    options[key] = value;
  }
  return options;
}

export function median(values: number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The nearest-rank percentile (p in 0..100) of the values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) throw new Error("percentile of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** What one autocannon run reports that the bench reads. */
export type RunResult = Pick<
  autocannon.Result,
  "duration" | "errors" | "timeouts" | "non2xx" | "statusCodeStats" | "requests"
>;

/** Completed requests per second over the whole run. */
export function throughput(result: RunResult): number {
  return result.requests.total / result.duration;
}

/**
 * Why a throughput run does not count, or nothing: every answer must be a 2xx, none lost, and
 * every 2xx a new submission (`submitted` is the submitter's count over the run; it may exceed the
 * 2xx by requests in flight when autocannon stopped, but fewer means keys were replayed).
 */
export function throughputProblems(label: string, result: RunResult, submitted: number): string[] {
  const problems: string[] = [];
  const ok = result.requests.total - result.non2xx;
  if (result.requests.total === 0) problems.push(`${label}: no request completed`);
  if (result.non2xx > 0) {
    problems.push(`${label}: ${result.non2xx} answers were not 2xx (${statusSummary(result)})`);
  }
  if (result.errors > 0 || result.timeouts > 0) {
    problems.push(`${label}: ${result.errors} connection errors, ${result.timeouts} timeouts`);
  }
  if (submitted < ok) {
    problems.push(
      `${label}: ${ok} answers were 2xx but only ${submitted} requests were submitted: Idempotency-Keys were reused`,
    );
  }
  return problems;
}

/** Why an open-breaker run does not count: every answer must be a 503 rejection. */
export function rejectionProblems(label: string, result: RunResult): string[] {
  const problems: string[] = [];
  const rejected = result.statusCodeStats["503"]?.count ?? 0;
  if (rejected === 0) problems.push(`${label}: no answer was a 503`);
  if (rejected !== result.requests.total) {
    problems.push(`${label}: not every answer was a 503 (${statusSummary(result)})`);
  }
  if (result.errors > 0 || result.timeouts > 0) {
    problems.push(`${label}: ${result.errors} connection errors, ${result.timeouts} timeouts`);
  }
  return problems;
}

/** `202 x 1200, 503 x 3` */
export function statusSummary(result: RunResult): string {
  const entries = Object.entries(result.statusCodeStats);
  return entries.length === 0
    ? "no answers"
    : entries.map(([status, { count }]) => `${status} x ${count}`).join(", ");
}

/** Throughput of the protected build against the bare one, as the printed lines. */
export function formatThroughput(bare: number[], protectedRuns: number[]): string[] {
  const b = median(bare);
  const p = median(protectedRuns);
  const ratio = p / b;
  const cost = (1 - ratio) * 100;
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(", ");
  return [
    `  bare (no breakers, no tracing, no request metrics): median ${b.toFixed(0)} req/s  [${fmt(bare)}]`,
    `  protected (breakers + tracing + metrics):           median ${p.toFixed(0)} req/s  [${fmt(protectedRuns)}]`,
    `  ratio protected/bare: ${ratio.toFixed(3)}; the protections cost ${cost.toFixed(1)}% (target <= ${TARGETS.maxCostPercent}%): ${verdict(cost <= TARGETS.maxCostPercent)}`,
  ];
}

/**
 * Rejection latencies (microseconds, timed one request at a time) as one printed line, with the
 * verdict against the 1 ms target.
 */
export function formatRejections(label: string, micros: number[]): string {
  const us = (p: number) => `${percentile(micros, p).toFixed(0)} us`;
  const p99 = percentile(micros, 99);
  return `  ${label}: p50 ${us(50)}, p90 ${us(90)}, p99 ${us(99)}, max ${us(100)}; p99 < ${TARGETS.maxRejectionP99Micros} us: ${verdict(p99 < TARGETS.maxRejectionP99Micros)}`;
}

function verdict(met: boolean): string {
  return met ? "met" : "NOT met";
}

/** The message the server child sends its parent once it listens. */
export interface ListeningMessage {
  port: number;
}

export function parseListening(message: unknown): ListeningMessage {
  const port = (message as { port?: unknown } | null)?.port;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`the bench server sent ${JSON.stringify(message)}, not {"port": <1..65535>}`);
  }
  return { port };
}
