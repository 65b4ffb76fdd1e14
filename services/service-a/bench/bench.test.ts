import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DEFAULT_OPTIONS,
  formatRejections,
  formatThroughput,
  median,
  parseListening,
  parseOptions,
  percentile,
  rejectionProblems,
  throughputProblems,
  type RunResult,
} from "./report";

/** An autocannon result of `total` answers, all with `status`. */
function run(status: number, total: number, extra: Partial<RunResult> = {}): RunResult {
  return {
    duration: 10,
    errors: 0,
    timeouts: 0,
    non2xx: status >= 200 && status < 300 ? 0 : total,
    statusCodeStats: total > 0 ? { [status]: { count: total } } : {},
    requests: { total, average: total / 10, sent: total },
    ...extra,
  };
}

describe("service bench helpers", () => {
  it("takes the median of odd and even counts without reordering its input", () => {
    const values = [9, 1, 5];
    assert.equal(median(values), 5);
    assert.deepEqual(values, [9, 1, 5]);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.throws(() => median([]), /median of no values/);
  });

  it("takes nearest-rank percentiles", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1
    assert.equal(percentile(values, 50), 50);
    assert.equal(percentile(values, 99), 99);
    assert.equal(percentile(values, 100), 100);
    assert.equal(percentile([7], 99), 7);
  });

  it("reads options, defaults and rejects what it cannot use, naming the flag", () => {
    assert.deepEqual(parseOptions([]), DEFAULT_OPTIONS);
    assert.deepEqual(parseOptions(["--duration", "3", "--connections", "8"]), {
      ...DEFAULT_OPTIONS,
      duration: 3,
      connections: 8,
    });
    assert.throws(
      () => parseOptions(["--rounds", "1"]),
      /--rounds must be an integer of at least 2/,
    );
    assert.throws(() => parseOptions(["--duration", "x"]), /--duration must be an integer/);
    assert.throws(
      () => parseOptions(["--duraton", "3"]),
      /unknown argument "--duraton": use --duration/,
    );
  });

  it("prints the medians, the ratio and the cost against the 10% target", () => {
    const lines = formatThroughput([1000, 1200, 1100], [1000, 950, 990]);
    assert.match(lines[0], /median 1100 req\/s {2}\[1000, 1200, 1100\]/);
    assert.match(lines[1], /median 990 req\/s/);
    assert.equal(
      lines[2],
      "  ratio protected/bare: 0.900; the protections cost 10.0% (target <= 10%): met",
    );
    assert.match(formatThroughput([1000, 1000], [800, 800])[2], /cost 20\.0% .*: NOT met$/);
  });

  it("prints rejection percentiles in microseconds against the 1 ms target", () => {
    const fast = Array.from({ length: 100 }, (_, i) => 100 + i);
    assert.equal(
      formatRejections("round trip", fast),
      "  round trip: p50 149 us, p90 189 us, p99 198 us, max 199 us; p99 < 1000 us: met",
    );
    // One slow outlier in 101 is above p99.
    assert.match(formatRejections("x", [...fast, 5000]), /max 5000 us; p99 < 1000 us: met$/);
    assert.match(
      formatRejections(
        "x",
        fast.map((x) => x * 10),
      ),
      /p99 1980 us, .*: NOT met$/,
    );
  });

  it("counts a throughput run only if every answer was a new 2xx", () => {
    assert.deepEqual(throughputProblems("bare", run(202, 500), 500), []);
    // In flight when autocannon stopped: submitted, but never answered to it.
    assert.deepEqual(throughputProblems("bare", run(202, 500), 510), []);
    assert.deepEqual(throughputProblems("bare", run(500, 40), 0), [
      "bare: 40 answers were not 2xx (500 x 40)",
    ]);
    assert.deepEqual(throughputProblems("bare", run(202, 500), 499), [
      "bare: 500 answers were 2xx but only 499 requests were submitted: Idempotency-Keys were reused",
    ]);
    assert.deepEqual(throughputProblems("bare", run(202, 500, { errors: 2 }), 500), [
      "bare: 2 connection errors, 0 timeouts",
    ]);
    assert.deepEqual(throughputProblems("bare", run(202, 0), 0), ["bare: no request completed"]);
  });

  it("counts an open-breaker run only if every answer was a 503", () => {
    assert.deepEqual(rejectionProblems("open", run(503, 300)), []);
    assert.deepEqual(rejectionProblems("open", run(503, 0)), ["open: no answer was a 503"]);
    const mixed = run(503, 300, {
      statusCodeStats: { "503": { count: 290 }, "202": { count: 10 } },
    });
    assert.deepEqual(rejectionProblems("open", mixed), [
      "open: not every answer was a 503 (202 x 10, 503 x 290)",
    ]);
  });

  it("reads the port the server child reports, or says what it got", () => {
    assert.deepEqual(parseListening({ port: 43210 }), { port: 43210 });
    assert.throws(
      () => parseListening({ port: 0 }),
      /sent \{"port":0\}, not \{"port": <1..65535>\}/,
    );
    assert.throws(() => parseListening("stats"), /sent "stats"/);
    assert.throws(() => parseListening(null), /sent null/);
  });
});
