/**
 * Benchmark of Service A (issue #11): what the protections cost, and how fast an open breaker
 * answers. Everything runs on loopback with the local submitter and the in-memory store.
 *
 * 1. Throughput: autocannon POSTs workflow requests, each with a new Idempotency-Key, to the bare
 *    build (no breakers, no tracing, no request metrics) and to the protected one (breakers,
 *    OpenTelemetry spans created and batched, Prometheus metrics), each in a process of its own
 *    (server.ts) since tracing is process-wide. Each run gets a fresh server and a warm-up;
 *    the sides alternate (bare, protected, protected, bare, ...) and the medians are compared.
 * 2. Open breaker: a protected server whose submitter always fails trips its work-queue breaker;
 *    autocannon then measures the rejections under load, and single requests, one at a time, are
 *    timed with process.hrtime, because autocannon's latency histogram has 1 ms resolution.
 *
 * A measurement, not a test: targets missed still exit 0; a run that went wrong (answers other
 * than expected, connection errors, reused keys) exits 1.
 *
 *   npm run bench:service [-- --duration 10 --warmup 3 --connections 50 --rounds 2 --samples 5000]
 */
import autocannon from "autocannon";
import { fork, type ChildProcess } from "node:child_process";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import {
  formatRejections,
  formatThroughput,
  parseListening,
  parseOptions,
  rejectionProblems,
  statusSummary,
  throughput,
  throughputProblems,
  type BenchOptions,
} from "./report";

const SERVER = path.join(__dirname, "server.ts");
const ENDPOINT = "/v1/workflow-requests";
const BODY = JSON.stringify({
  workflowTemplate: "nightly-report",
  parameters: { reportDate: "2026-03-13" },
});
const SERVER_ENV = { SUBMITTER: "local", REQUEST_STORE: "memory", LOG_LEVEL: "warn" };
/** The longest reset timeout there is: the breaker stays open for the whole measurement. */
const OPEN_BREAKER_ENV = {
  LOCAL_SUBMITTER_FAILURE_RATE: "1",
  BREAKER_RESET_TIMEOUT_MS: "600000",
  BENCH_SERVER_TIMING: "1",
};

type Side = "bare" | "protected";

interface Server {
  port: number;
  /** Submissions the local submitter accepted so far. */
  submitted(): Promise<number>;
  /** With BENCH_SERVER_TIMING=1: microseconds in the server of each request since the last ask. */
  timings(): Promise<number[]>;
  stop(): Promise<void>;
}

/** Starts server.ts in its own process and waits until it listens. */
function startServer(side: Side, env: Record<string, string> = {}): Promise<Server> {
  const child: ChildProcess = fork(SERVER, [`--${side}`], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, ...SERVER_ENV, ...env },
    // Its logs (a warn line per rejection) go nowhere: the bench process must not spend its
    // CPU, which autocannon needs, reading them.
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) =>
      reject(new Error(`the ${side} bench server exited (${code}) before it listened`)),
    );
    child.once("message", (message) => {
      let port: number;
      try {
        port = parseListening(message).port;
      } catch (error) {
        child.kill();
        return reject(error as Error);
      }
      const ask = <T>(question: string) =>
        new Promise<T>((done) => {
          child.once("message", (answer) => done(answer as T));
          child.send(question);
        });
      resolve({
        port,
        submitted: async () => (await ask<{ submitted: number }>("stats")).submitted,
        timings: async () => (await ask<{ timings: number[] }>("timings")).timings,
        stop: async () => {
          child.disconnect();
          await exited;
        },
      });
    });
  });
}

let keys = 0;
/** POSTs of the same body, each with an Idempotency-Key never used before. */
function load(port: number, connections: number, duration: number) {
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration,
    requests: [
      {
        method: "POST",
        path: ENDPOINT,
        headers: { "content-type": "application/json" },
        body: BODY,
        setupRequest: (request) => ({
          ...request,
          headers: { ...request.headers, "idempotency-key": `bench-${process.pid}-${++keys}` },
        }),
      },
    ],
  });
}

/** One measured throughput run on a fresh server: req/s and why it does not count, if so. */
async function throughputRun(side: Side, options: BenchOptions) {
  const server = await startServer(side);
  try {
    if (options.warmup > 0) await load(server.port, options.connections, options.warmup);
    const before = await server.submitted();
    const result = await load(server.port, options.connections, options.duration);
    const submitted = (await server.submitted()) - before;
    return { rps: throughput(result), problems: throughputProblems(side, result, submitted) };
  } finally {
    await server.stop();
  }
}

/** One request over a kept-alive connection: its status, headers and round trip in microseconds. */
function timedPost(agent: http.Agent, port: number, key: string) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; micros: number }>(
    (resolve, reject) => {
      const start = process.hrtime.bigint();
      const request = http.request(
        {
          agent,
          host: "127.0.0.1",
          port,
          method: "POST",
          path: ENDPOINT,
          headers: { "content-type": "application/json", "idempotency-key": key },
        },
        (response) => {
          response.resume();
          response.once("end", () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              micros: Number(process.hrtime.bigint() - start) / 1000,
            }),
          );
        },
      );
      request.once("error", reject);
      request.end(BODY);
    },
  );
}

function readyz(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path: "/readyz" }, (response) => {
        response.resume();
        response.once("end", () => resolve(response.statusCode ?? 0));
      })
      .once("error", reject);
  });
}

/** POSTs until /readyz fails; then a POST must be a 503 with the seconds left in Retry-After. */
async function tripBreaker(agent: http.Agent, port: number): Promise<string[]> {
  for (let i = 1; i <= 100; i++) {
    await timedPost(agent, port, `trip-${i}`);
    if ((await readyz(port)) === 503) {
      const answer = await timedPost(agent, port, "trip-check");
      const retryAfter = Number(answer.headers["retry-after"]);
      if (answer.status !== 503 || !(retryAfter > 1)) {
        return [
          `open breaker: /readyz is 503 but a POST answered ${answer.status} with Retry-After "${answer.headers["retry-after"]}", not 503 with the seconds until the probe`,
        ];
      }
      console.log(
        `  tripped after ${i} failing POSTs: /readyz 503, POST 503 with Retry-After ${retryAfter}`,
      );
      return [];
    }
  }
  return ["open breaker: /readyz still answered 200 after 100 failing POSTs"];
}

async function openBreaker(options: BenchOptions): Promise<string[]> {
  const server = await startServer("protected", OPEN_BREAKER_ENV);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const tripped = await tripBreaker(agent, server.port);
    if (tripped.length > 0) return tripped;
    if (options.warmup > 0) await load(server.port, options.connections, options.warmup);
    const result = await load(server.port, options.connections, options.duration);
    const problems = rejectionProblems("open breaker under load", result);
    console.log(
      `  under load (${options.connections} connections): ${throughput(result).toFixed(0)} rejections/s, latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms (autocannon: whole ms, includes queueing) [${statusSummary(result)}]`,
    );

    const roundTrip: number[] = [];
    const warmup = Math.ceil(options.samples / 10);
    for (let i = 0; i < warmup + options.samples; i++) {
      if (i === warmup) await server.timings(); // forget everything before the timed requests
      const answer = await timedPost(agent, server.port, `timed-${i}`);
      if (answer.status !== 503) {
        problems.push(`open breaker, one at a time: a POST answered ${answer.status}, not 503`);
        break;
      }
      if (i >= warmup) roundTrip.push(answer.micros);
    }
    const inServer = await server.timings();
    if (roundTrip.length === options.samples && inServer.length === options.samples) {
      console.log(`  one at a time, ${options.samples} rejections after ${warmup} untimed:`);
      console.log(formatRejections("round trip (node:http client, loopback)", roundTrip));
      console.log(formatRejections("in the server (onRequest to onResponse)", inServer));
    } else if (problems.length === 0) {
      problems.push(
        `open breaker, one at a time: ${roundTrip.length} round trips and ${inServer.length} server timings, not ${options.samples} of each`,
      );
    }
    return problems;
  } finally {
    agent.destroy();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  console.log(
    `Service A on loopback (SUBMITTER=local, REQUEST_STORE=memory), node ${process.version}, ${os.availableParallelism()} CPUs; autocannon ${options.connections} connections, ${options.warmup} s warm-up + ${options.duration} s per run`,
  );
  const problems: string[] = [];
  const rps: Record<Side, number[]> = { bare: [], protected: [] };
  console.log(`throughput of POST ${ENDPOINT}, ${options.rounds} runs each, alternated:`);
  for (let round = 0; round < options.rounds; round++) {
    // bare, protected, protected, bare, ...: drift in machine load hits both sides alike.
    const order: Side[] = round % 2 ? ["protected", "bare"] : ["bare", "protected"];
    for (const side of order) {
      const run = await throughputRun(side, options);
      rps[side].push(run.rps);
      problems.push(...run.problems);
    }
  }
  formatThroughput(rps.bare, rps.protected).forEach((l) => console.log(l));

  console.log("rejections while the work-queue breaker is open (protected build):");
  problems.push(...(await openBreaker(options)));

  if (problems.length > 0) {
    console.log("runs that went wrong (the figures above do not count):");
    problems.forEach((p) => console.log(`  ${p}`));
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:service failed: ${String((error as Error)?.stack ?? error)}\n`);
  process.exitCode = 1;
});
