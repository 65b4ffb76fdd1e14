import * as assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { describe, it } from "node:test";

const MAIN = path.join(__dirname, "main.ts");

/** Starts main.ts as `npm run dev` does (tsx), on a free loopback port. */
function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: {
      PATH: process.env.PATH,
      HOST: "127.0.0.1",
      PORT: "0",
      LOG_LEVEL: "info",
      OTEL_TRACES_EXPORTER: "none",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const port = new Promise<number>((resolve, reject) => {
    let buffer = "";
    child.stdout.on("data", (d: Buffer) => {
      buffer += d.toString();
      for (let i = buffer.indexOf("\n"); i >= 0; i = buffer.indexOf("\n")) {
        const line = JSON.parse(buffer.slice(0, i)) as Record<string, unknown>;
        buffer = buffer.slice(i + 1);
        lines.push(line);
        const m = /listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(String(line.message));
        if (m) resolve(Number(m[1]));
      }
    });
    child.once("exit", (code) => reject(new Error(`exited ${code} before listening: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { child, port, exited, lines, stderr: () => stderr };
}

async function post(port: number, key: string) {
  return fetch(`http://127.0.0.1:${port}/v1/workflow-requests`, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": key },
    body: JSON.stringify({ workflowTemplate: "nightly-report" }),
    signal: AbortSignal.timeout(10_000),
  });
}

const kill = (child: ChildProcess) => {
  if (child.exitCode === null) child.kill("SIGKILL");
};

describe("main.ts, as started by npm run dev", () => {
  it("serves with the local submitter, then on SIGTERM fails /readyz, drains and exits 0", async () => {
    const p = run({ SHUTDOWN_DRAIN_DELAY_MS: "500" });
    try {
      const port = await p.port;
      const first = await post(port, "main-1");
      assert.equal(first.status, 202, await first.clone().text());
      const again = await post(port, "main-1");
      assert.equal(again.headers.get("idempotent-replayed"), "true");
      assert.deepEqual(await again.json(), await first.json());

      p.child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 100));
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      assert.equal(ready.status, 503, "not ready while draining");
      assert.equal(
        (await post(port, "main-2")).status,
        202,
        "still serving during the drain delay",
      );
      assert.equal(await p.exited, 0);
      const messages = p.lines.map((l) => l.message);
      assert.ok(messages.includes("shutting down: draining"));
      assert.ok(messages.includes("exiting"));
      assert.ok(p.lines.some((l) => l.message === "stopped" && l.step === "http server"));
    } finally {
      kill(p.child);
    }
  });

  it("with LOCAL_SUBMITTER_FAILURE_RATE=1 answers 503 with Retry-After, then fails fast while the breaker is open", async () => {
    const p = run({
      LOCAL_SUBMITTER_FAILURE_RATE: "1",
      BREAKER_VOLUME_THRESHOLD: "3",
      BREAKER_RESET_TIMEOUT_MS: "60000",
    });
    try {
      const port = await p.port;
      const answers: [number, string | null][] = [];
      for (let i = 0; i < 6; i++) {
        const r = await post(port, `fail-${i}`);
        answers.push([r.status, r.headers.get("retry-after")]);
      }
      assert.deepEqual(answers.slice(0, 2), [
        [503, "1"],
        [503, "1"],
      ]);
      for (const [status, retryAfter] of answers.slice(2)) {
        assert.equal(status, 503);
        assert.ok(Number(retryAfter) > 50, `Retry-After ${retryAfter} counts down to the probe`);
      }
      assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 503);
    } finally {
      kill(p.child);
    }
  });

  it("refuses to start on a bad configuration, naming the variables", async () => {
    const p = run({ SUBMITTER: "sqs", PORT: "8080" });
    p.port.catch(() => undefined);
    assert.equal(await p.exited, 2);
    assert.match(p.stderr(), /WORK_QUEUE_URL is required when SUBMITTER=sqs/);
    assert.match(p.stderr(), /AWS_REGION is required/);
  });
});
