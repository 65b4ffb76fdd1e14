/**
 * The service images, checked without a Docker engine. Each services/<name>/Dockerfile is parsed
 * and held to the platform's rules (base image = .nvmrc, non-root numeric user, production-only
 * node_modules, exec-form entrypoint, no secret-looking build args, every COPY source present in
 * the context). Then every stage is emulated in a temporary directory, instruction by
 * instruction: COPY from the context honours .dockerignore, `npm ci` lays out exactly the
 * lockfile's packages for the flags given (linked from services/node_modules, since there is no
 * registry in tests), `npm run build` really runs. The final stage's ENTRYPOINT is started from
 * that layout with the final stage's ENV, and the service must answer its probes and a real
 * request, export a trace over OTLP, and exit 0 on SIGTERM. The worker's second entry point
 * (`dist/handoff.js`, the workflow step) is run the same way against a loopback SQS endpoint.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import { isBuiltin } from "node:module";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  copyArgs,
  DockerIgnore,
  envArgs,
  execForm,
  parseDockerfile,
  productionClosure,
  type Stage,
} from "./dockerfile";
import { createHash } from "node:crypto";
import { EXTERNAL, EXTRA_ENTRIES } from "./kit/build";

const ROOT = path.resolve(__dirname, "..");
const SERVICES = path.join(ROOT, "services");
const NODE_VERSION = fs.readFileSync(path.join(ROOT, ".nvmrc"), "utf8").trim();
const BASE_IMAGE = new RegExp(
  `^node:${NODE_VERSION.replace(/\./g, "\\.")}-bookworm-slim(@sha256:[0-9a-f]{64})?$`,
);
const SECRETISH = /secret|token|passw(or)?d|credential|api[_-]?key|private[_-]?key|aws_access/i;
const IGNORE = new DockerIgnore(fs.readFileSync(path.join(ROOT, ".dockerignore"), "utf8"));
const LOCK_FILE = path.join(SERVICES, "package-lock.json");
const LOCK = JSON.parse(fs.readFileSync(LOCK_FILE, "utf8")) as Parameters<
  typeof productionClosure
>[0];

const serviceDirs = fs
  .readdirSync(SERVICES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== "node_modules")
  .map((d) => d.name);
/** Services with a Dockerfile (the worker's may land before its code). */
const IMAGES = serviceDirs.filter((s) => fs.existsSync(path.join(SERVICES, s, "Dockerfile")));
/** Services whose code exists, so their image can be run. */
const RUNNABLE = serviceDirs.filter((s) => fs.existsSync(path.join(SERVICES, s, "src", "main.ts")));

/** What each running image must answer (beyond /healthz); env for a start without AWS. */
const SMOKE: Record<string, { env?: Record<string, string>; requests: Probe[] }> = {
  "service-a": {
    requests: [
      {
        method: "POST",
        path: "/v1/workflow-requests",
        headers: {
          "content-type": "application/json",
          "idempotency-key": "image-test-0001",
        },
        body: JSON.stringify({ workflowTemplate: "nightly-report" }),
        status: 202,
      },
    ],
  },
};

interface Probe {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  status: number;
}

function dockerfile(service: string): Stage[] {
  return parseDockerfile(fs.readFileSync(path.join(SERVICES, service, "Dockerfile"), "utf8"));
}

function only<T>(items: T[], what: string): T {
  assert.equal(items.length, 1, `expected exactly one ${what}, found ${items.length}`);
  return items[0];
}

describe("the Dockerfile parser and .dockerignore matcher", () => {
  it("joins continuations, drops comments inside them, and reads flags", () => {
    const [stage] = parseDockerfile(
      "FROM node:1 AS a\nRUN one \\\n  # note\n  && two\nCOPY --from=a --chown=1:1 x y\n",
    );
    assert.deepEqual(
      stage.instructions.map((i) => [i.keyword, i.rest, i.flags]),
      [
        ["RUN", "one && two", {}],
        ["COPY", "x y", { from: "a", chown: "1:1" }],
      ],
    );
  });

  it("applies the last matching rule, with ! re-including and directories covering files", () => {
    const ignore = new DockerIgnore("*\n!services/kit\n**/node_modules\n");
    assert.equal(ignore.excludes("docs/a.md"), true);
    assert.equal(ignore.excludes("services/kit/src/a.ts"), false);
    assert.equal(ignore.excludes("services/kit/node_modules/x/index.js"), true);
    assert.equal(ignore.excludes("services/worker/src/main.ts"), true);
  });

  it("keeps the Pulumi program, installs and repository metadata out of the context", () => {
    for (const p of [
      "node_modules/x",
      "services/node_modules/x",
      "services/service-a/node_modules/x",
      ".git/HEAD",
      "out/x",
      "bin/x",
      "docs/x.md",
      "policies/index.ts",
      "tools/plan.ts",
      "components/x.ts",
      "index.ts",
      "Pulumi.prod.yaml",
      "services/service-a/dist/main.js",
    ]) {
      assert.equal(IGNORE.excludes(p), true, `${p} must not reach the build context`);
    }
  });
});

describe("npm ci --omit=dev from the lockfile", () => {
  it("installs the workspace's production closure and none of the dev tools", () => {
    const closure = productionClosure(LOCK, "service-a");
    for (const p of ["@aws-sdk/client-sqs", "fastify", "@opentelemetry/sdk-node", "ajv", "yaml"]) {
      assert.ok(closure.has(`node_modules/${p}`), `${p} is a production dependency`);
    }
    for (const p of ["esbuild", "autocannon", "aws-sdk-client-mock", "@platformatic/kafka"]) {
      assert.ok(!closure.has(`node_modules/${p}`), `${p} must not reach service-a's image`);
    }
  });
});

it("every service with code has an image, service-a among them", () => {
  assert.ok(RUNNABLE.includes("service-a"), `services with src/main.ts: ${RUNNABLE.join(", ")}`);
  for (const s of RUNNABLE) assert.ok(IMAGES.includes(s), `services/${s}/Dockerfile is missing`);
});

for (const service of IMAGES) {
  describe(`services/${service}/Dockerfile`, () => {
    const stages = dockerfile(service);
    const final = stages[stages.length - 1];
    const all = (keyword: string, stage = final) =>
      stage.instructions.filter((i) => i.keyword === keyword);

    it(`is multi-stage, every base image node:${NODE_VERSION}-bookworm-slim (.nvmrc)`, () => {
      assert.ok(stages.length >= 2, "a build stage and a final stage at least");
      stages.forEach((stage, i) => {
        const earlier = stages.slice(0, i).map((s) => s.name);
        assert.ok(
          earlier.includes(stage.from) || BASE_IMAGE.test(stage.from),
          `stage ${stage.name}: FROM ${stage.from} is neither an earlier stage nor ${BASE_IMAGE}`,
        );
      });
      assert.match(final.from, BASE_IMAGE, "the final stage starts from the base image itself");
    });

    it("runs as a numeric non-root user, NODE_ENV=production, exec-form node entrypoint", () => {
      const user = all("USER").at(-1)?.rest;
      assert.match(user ?? "", /^\d+(:\d+)?$/, "USER must be numeric (uid[:gid])");
      assert.notEqual(Number(user?.split(":")[0]), 0, "USER must not be root");
      const env = Object.assign({}, ...all("ENV").map(envArgs)) as Record<string, string>;
      assert.equal(env.NODE_ENV, "production");
      const entrypoint = execForm(only(all("ENTRYPOINT"), "ENTRYPOINT"));
      assert.ok(entrypoint, "ENTRYPOINT in exec form, so node is PID 1 and receives SIGTERM");
      assert.equal(entrypoint[0], "node");
      assert.deepEqual(all("CMD"), [], "no CMD: arguments would be appended to the entrypoint");
      assert.deepEqual(all("VOLUME"), [], "no VOLUME: nothing is written at run time");
      assert.match(only(all("EXPOSE"), "EXPOSE").rest, /^\d+$/);
    });

    it(`gets node_modules from a stage that runs npm ci --omit=dev -w ${service}`, () => {
      const feed = all("COPY").filter(
        (c) =>
          c.flags.from &&
          copyArgs(c).sources.some((s) => path.posix.basename(s) === "node_modules"),
      );
      const from = stages.find((s) => s.name === only(feed, "COPY of node_modules").flags.from);
      assert.ok(from, `no stage named ${feed[0].flags.from}`);
      const ci = only(
        all("RUN", from).filter((r) => /\bnpm ci\b/.test(r.rest)),
        `npm ci in stage ${from.name}`,
      );
      assert.match(ci.rest, /--omit=dev\b/);
      assert.match(ci.rest, new RegExp(`(-w|--workspace)[ =]${service}\\b`));
    });

    it("copies only sources that exist and reach the build context", () => {
      for (const stage of stages) {
        for (const copy of all("COPY", stage).filter((c) => !c.flags.from)) {
          for (const source of copyArgs(copy).sources) {
            const where = `line ${copy.line}: COPY ${source}`;
            assert.ok(fs.existsSync(path.join(ROOT, source)), `${where} does not exist`);
            assert.ok(!IGNORE.excludes(source), `${where} is excluded by .dockerignore`);
            assert.notDeepEqual(IGNORE.contextFiles(ROOT, source), [], `${where} is empty`);
          }
        }
      }
    });

    it("declares no build argument or variable with a secret-looking name", () => {
      for (const stage of stages) {
        for (const i of [...all("ARG", stage), ...all("ENV", stage)]) {
          const names = i.keyword === "ARG" ? [i.rest.split("=")[0]] : Object.keys(envArgs(i));
          for (const n of names) assert.doesNotMatch(n, SECRETISH, `line ${i.line}: ${n}`);
        }
      }
    });
  });
}

/** Materializes `npm ci` at `dir` (a stage's services/): the given lockfile locations. */
function npmCi(dir: string, locations: Iterable<string>): void {
  for (const loc of locations) {
    if (!/^node_modules\/(@[^/]+\/)?[^/]+$/.test(loc)) continue; // nested ones come with parents
    const entry = LOCK.packages[loc] as { link?: boolean; resolved?: string };
    const at = path.join(dir, loc);
    fs.mkdirSync(path.dirname(at), { recursive: true });
    if (entry.link && entry.resolved) {
      // As npm does: a relative link to the workspace or file: package inside the stage.
      fs.symlinkSync(path.relative(path.dirname(at), path.join(dir, entry.resolved)), at);
    } else if (fs.existsSync(path.join(SERVICES, loc))) {
      fs.symlinkSync(path.join(SERVICES, loc), at);
    } // else: an optional package for another platform, which npm skips too
  }
}

/** Builds every stage of a Dockerfile under `tmp`; returns each stage's root directory. */
function emulate(service: string, stages: Stage[], tmp: string) {
  const roots = new Map<string, string>();
  const workdirs = new Map<string, string>();
  stages.forEach((stage, index) => {
    const dir = path.join(tmp, `${index}-${stage.name}`);
    const parent = roots.get(stage.from);
    if (parent) fs.cpSync(parent, dir, { recursive: true, verbatimSymlinks: true });
    else fs.mkdirSync(dir, { recursive: true });
    let cwd = workdirs.get(stage.from) ?? "/";
    const inStage = (p: string) => path.join(dir, path.posix.resolve(cwd, p));
    for (const ins of stage.instructions) {
      const where = `${service} stage ${stage.name} line ${ins.line}`;
      if (ins.keyword === "WORKDIR") {
        cwd = path.posix.resolve(cwd, ins.rest);
        fs.mkdirSync(inStage("."), { recursive: true });
      } else if (ins.keyword === "COPY") {
        const { sources, dest } = copyArgs(ins);
        const intoDir = dest.endsWith("/") || sources.length > 1;
        for (const source of sources) {
          const from = ins.flags.from ? roots.get(ins.flags.from) : undefined;
          if (ins.flags.from) assert.ok(from, `${where}: no stage ${ins.flags.from}`);
          const srcRoot = from ?? ROOT;
          const full = path.join(srcRoot, source);
          assert.ok(fs.existsSync(full), `${where}: ${source} does not exist there`);
          const isDir = fs.statSync(full).isDirectory();
          const target = (rel: string) =>
            isDir || intoDir ? path.join(inStage(dest), rel) : inStage(dest);
          if (from) {
            // A directory's contents go into the destination; a file keeps its name in one.
            fs.cpSync(full, isDir ? inStage(dest) : target(path.basename(source)), {
              recursive: true,
              verbatimSymlinks: true,
            });
          } else {
            for (const file of IGNORE.contextFiles(ROOT, source)) {
              const to = target(isDir ? path.relative(source, file) : path.basename(file));
              fs.mkdirSync(path.dirname(to), { recursive: true });
              fs.copyFileSync(path.join(ROOT, file), to);
            }
          }
        }
      } else if (ins.keyword === "RUN") {
        for (const command of ins.rest.split("&&").map((c) => c.trim())) {
          const words = command.split(/\s+/);
          if (command.startsWith("npm ci ")) {
            const lock = fs.readFileSync(inStage("package-lock.json"));
            assert.ok(lock.equals(fs.readFileSync(LOCK_FILE)), `${where}: not services' lockfile`);
            const workspace = words[words.findIndex((w) => w === "-w" || w === "--workspace") + 1];
            npmCi(
              inStage("."),
              words.includes("--omit=dev")
                ? productionClosure(LOCK, workspace)
                : Object.keys(LOCK.packages),
            );
          } else if (command.startsWith("npm run build ")) {
            const run = spawnSync("npm", words.slice(1), { cwd: inStage("."), encoding: "utf8" });
            assert.equal(run.status, 0, `${where}: ${command}\n${run.stdout}\n${run.stderr}`);
          } else if (words[0] === "rm" && words[1] === "-rf") {
            for (const p of words.slice(2)) {
              const abs = path.posix.resolve(cwd, p);
              if (abs.startsWith("/usr/local/")) continue; // the base image's own tools
              const target = path.join(dir, abs);
              // Never follow a link out of the emulated stage into the repository.
              assert.ok(fs.realpathSync(path.dirname(target)).startsWith(tmp), `${where}: ${p}`);
              fs.rmSync(target, { recursive: true, force: true });
            }
          } else {
            assert.fail(`${where}: teach services/images.test.ts to emulate "${command}"`);
          }
        }
      }
    }
    roots.set(stage.name, dir);
    workdirs.set(stage.name, cwd);
  });
  return { roots, workdirs };
}

async function request(port: number, probe: Pick<Probe, "method" | "path" | "headers" | "body">) {
  const res = await fetch(`http://127.0.0.1:${port}${probe.path}`, {
    method: probe.method,
    headers: probe.headers,
    body: probe.body,
  });
  return { status: res.status, body: await res.text() };
}

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const HANDOFF_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

/**
 * Runs the image's `dist/handoff.js` with the task queue on a loopback HTTP server that answers
 * SendMessage as SQS does (AWS JSON protocol, with the body's MD5 the SDK checks).
 */
async function runHandoffImage(
  cwd: string,
  env: Record<string, string | undefined>,
  argv?: string[],
): Promise<{ code: number | null; output: string; received: Record<string, unknown>[] }> {
  const received: Record<string, unknown>[] = [];
  const sqs = http.createServer((req, res) => {
    let text = "";
    req.on("data", (d: Buffer) => (text += d.toString()));
    req.on("end", () => {
      const input = JSON.parse(text) as Record<string, unknown>;
      received.push(input);
      const md5 = createHash("md5").update(String(input.MessageBody)).digest("hex");
      res.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
      res.end(JSON.stringify({ MessageId: "m-1", MD5OfMessageBody: md5 }));
    });
  });
  await new Promise<void>((resolve) => sqs.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = sqs.address() as AddressInfo;
    const child = spawn(
      process.execPath,
      [
        "--enable-source-maps",
        "dist/handoff.js",
        ...(argv ?? [
          "--request-id",
          "0f8fad5b-d9cb-469f-a165-70867728950e",
          "--workflow-template",
          "service-a-request",
          "--parameters",
          "{}",
          "--traceparent",
          `00-${HANDOFF_TRACE_ID}-00f067aa0ba902b7-01`,
        ]),
      ],
      {
        cwd,
        env: { ...env, TASK_QUEUE_URL: `http://127.0.0.1:${port}/111122223333/task-queue` },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    return { code, output, received };
  } finally {
    sqs.close();
  }
}

for (const service of RUNNABLE) {
  describe(`the ${service} image, emulated stage by stage and run`, () => {
    let tmp: string;
    const collected: { path: string; contentType?: string }[] = [];
    const collector = http.createServer((req, res) => {
      collected.push({ path: req.url ?? "", contentType: req.headers["content-type"] });
      req.resume().on("end", () => res.writeHead(200).end());
    });
    before(async () => {
      tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `image-${service}-`)));
      await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
    });
    after(() => {
      collector.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("starts from the final stage's files, serves, traces and stops cleanly", async () => {
      const stages = dockerfile(service);
      const { roots, workdirs } = emulate(service, stages, tmp);
      const final = stages[stages.length - 1];
      const root = roots.get(final.name)!;
      const image = Object.assign(
        {},
        ...final.instructions.filter((i) => i.keyword === "ENV").map(envArgs),
      ) as Record<string, string>;
      // Absolute paths of the image are paths inside the emulated root.
      for (const [k, v] of Object.entries(image)) {
        if (v.startsWith("/") && fs.existsSync(path.join(root, v))) image[k] = path.join(root, v);
      }
      const entrypoint = execForm(final.instructions.find((i) => i.keyword === "ENTRYPOINT")!)!;
      const cwd = path.join(root, workdirs.get(final.name)!);

      // What the bundle left out is installed: every package it requires is in the production
      // closure (also those loaded lazily, which a start alone would not reach)...
      const bundle = fs.readFileSync(path.join(cwd, entrypoint[entrypoint.length - 1]), "utf8");
      const closure = productionClosure(LOCK, service);
      const required = new Set(
        [...bundle.matchAll(/\brequire\("((?:@[^/"]+\/)?[^/"]+)[^"]*"\)/g)].map((m) => m[1]),
      );
      for (const name of required) {
        if (isBuiltin(name)) continue;
        assert.ok(
          closure.has(`node_modules/${name}`),
          `the bundle requires ${name}, not installed`,
        );
      }
      // ...and nothing declared external was bundled after all (its source map names no file of it).
      const map = JSON.parse(fs.readFileSync(path.join(cwd, `${entrypoint.at(-1)}.map`), "utf8"));
      for (const { pattern } of EXTERNAL) {
        const prefix = `node_modules/${pattern.replace(/\*$/, "")}`;
        const bundled = (map.sources as string[]).filter((s) => s.includes(prefix));
        assert.deepEqual(bundled, [], `${pattern} is external but was bundled`);
      }
      const port = await freePort();
      const { port: otlp } = collector.address() as AddressInfo;
      const child = spawn(process.execPath, entrypoint.slice(1), {
        cwd,
        // Nothing from the test's environment but PATH: what the image sets, plus the Pod's.
        env: {
          PATH: process.env.PATH,
          ...image,
          PORT: String(port),
          HOST: "127.0.0.1",
          SHUTDOWN_DRAIN_DELAY_MS: "0",
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlp}`,
          ...SMOKE[service]?.env,
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr.on("data", (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
      let exitCode: number | null | undefined;
      void exited.then((code) => (exitCode = code));
      try {
        // Poll until it listens; fail with its output if it exits first.
        let health: { status: number } | undefined;
        for (let attempt = 0; attempt < 600 && !health; attempt++) {
          assert.equal(exitCode, undefined, `${service} exited (${exitCode}):\n${output}`);
          health = await request(port, { method: "GET", path: "/healthz" }).catch(async () => {
            await new Promise((resolve) => setTimeout(resolve, 100));
            return undefined;
          });
        }
        assert.equal(health?.status, 200, `GET /healthz\n${output}`);
        for (const probe of SMOKE[service]?.requests ?? []) {
          const res = await request(port, probe);
          assert.equal(res.status, probe.status, `${probe.method} ${probe.path}: ${res.body}`);
        }
      } finally {
        child.kill("SIGTERM");
      }
      assert.equal(await exited, 0, `${service} must exit 0 on SIGTERM:\n${output}`);
      if (SMOKE[service]?.requests.length) {
        // The SDK flushes on shutdown: the request's spans reached the OTLP endpoint.
        assert.ok(
          collected.some((c) => c.path === "/v1/traces"),
          `no trace export reached the collector:\n${output}`,
        );
      }

      // Every extra entry the service has is in the image, its requires installed.
      for (const name of Object.keys(EXTRA_ENTRIES)) {
        if (!fs.existsSync(path.join(SERVICES, service, "src", `${name}.ts`))) continue;
        const extra = fs.readFileSync(path.join(cwd, "dist", `${name}.js`), "utf8");
        for (const m of extra.matchAll(/\brequire\("((?:@[^/"]+\/)?[^/"]+)[^"]*"\)/g)) {
          if (isBuiltin(m[1])) continue;
          assert.ok(closure.has(`node_modules/${m[1]}`), `dist/${name}.js requires ${m[1]}`);
        }
      }
      if (service === "worker") {
        const base = {
          PATH: process.env.PATH,
          ...image,
          AWS_REGION: "eu-west-1",
          AWS_ACCESS_KEY_ID: "test",
          AWS_SECRET_ACCESS_KEY: "test",
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlp}`,
        };
        collected.length = 0;
        const run = await runHandoffImage(cwd, base);
        assert.equal(run.code, 0, `dist/handoff.js must exit 0:\n${run.output}`);
        assert.equal(run.received.length, 1, "one SendMessage reached the loopback queue");
        const body = JSON.parse(run.received[0].MessageBody as string) as { traceparent: string };
        assert.equal(body.traceparent.split("-")[1], HANDOFF_TRACE_ID);
        assert.ok(
          collected.some((c) => c.path === "/v1/traces"),
          `the handoff's spans reached the collector before it exited:\n${run.output}`,
        );
        const bad = await runHandoffImage(cwd, base, [
          ...["--request-id", "not-a-uuid", "--workflow-template", "service-a-request"],
          ...["--parameters", "{}", "--traceparent", ""],
        ]);
        assert.equal(bad.code, 2, bad.output);
        assert.match(bad.output, /--request-id must match format "uuid"/);
        assert.equal(bad.received.length, 0, "nothing sent on bad arguments");
      }
    });
  });
}
