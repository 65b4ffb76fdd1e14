/**
 * One offline plan per stack (and config file) per source tree, shared by every test process that
 * reads one. Running the whole program under mocks costs seconds; a dozen test files read the
 * same plan of prod. The first process to ask runs the plan CLI once (`tools/plan.ts`, exactly as
 * `npm run plan` does) into `node_modules/.cache/acme-platform/plans/`; the others wait for it and
 * read its files. The key hashes every input the plan reads (the program's sources, stack and
 * policy config, the lock file, the shared catalog's index and the Node version), so a changed
 * source is planned again, never served stale.
 *
 * Tests that check the CLI itself (exit codes, usage errors) still spawn it directly.
 */
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { EngineName } from "../components/workflows/engines/capabilities";
import type { CheckedResource } from "./checks/graph";
import { sharedDir } from "./checks/shared";
import type { StackExport } from "./stackExport";

const ROOT = path.resolve(__dirname, "..");
/** Where plans are kept; inside node_modules so a clean install starts empty. */
export const PLAN_CACHE_DIR = path.join(ROOT, "node_modules", ".cache", "acme-platform", "plans");
/** Plans not used for this long are removed (others may be in use by a concurrent test run). */
const UNUSED_PLAN_MS = 24 * 3600_000;
/** A lock older than this is a crashed planner's: taken over. */
const STALE_LOCK_MS = 180_000;
/** Directories and files that are not inputs of the plan. */
const NOT_INPUTS = new Set(["node_modules", ".git", "out", "docs", ".github"]);

/** A plan as the CLI wrote it, with the resources the checks read. */
export interface CachedPlan {
  /** The directory holding stack.json, graph.mmd, prometheus-rules.yaml, alertmanager.yaml. */
  dir: string;
  status: number;
  stdout: string;
  stderr: string;
  export: StackExport;
  /** `PlanRun.checkable`: every registered resource with its inputs, id and outputs. */
  checkable: CheckedResource[];
  /** The stack's AWS Region (`PlanRun.config.region`). */
  region: string;
}

/** Every file whose content can change a plan, sorted (tests excluded: they never run in one). */
function inputFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (NOT_INPUTS.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...inputFiles(full));
    else if (!entry.name.endsWith(".test.ts") && !entry.name.endsWith(".md")) out.push(full);
  }
  return out.sort();
}

/**
 * The cache key of one plan: a hash over everything it reads under `root` (the repository; a
 * test passes a scratch tree instead of editing the real one under concurrent readers).
 */
export function planKey(stack: string, configFile?: string, root = ROOT): string {
  const hash = createHash("sha256");
  hash.update(`${process.version}\0${stack}\0`);
  if (configFile) hash.update(fs.readFileSync(configFile));
  for (const file of inputFiles(root)) {
    hash.update(`\0${path.relative(root, file)}\0`);
    hash.update(fs.readFileSync(file));
  }
  const catalog = path.join(sharedDir(), "catalog.json");
  hash.update(fs.existsSync(catalog) ? fs.readFileSync(catalog) : "no catalog");
  return hash.digest("hex").slice(0, 16);
}

/** Sleeps without leaving the synchronous caller (tests read plans in `before`). */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function read(dir: string): CachedPlan {
  const result = JSON.parse(fs.readFileSync(path.join(dir, "result.json"), "utf8")) as {
    status: number;
    stdout: string;
    stderr: string;
  };
  const stackJson = path.join(dir, "stack.json");
  const checkable = path.join(dir, "checkable.json");
  return {
    dir,
    ...result,
    export: fs.existsSync(stackJson)
      ? (JSON.parse(fs.readFileSync(stackJson, "utf8")) as StackExport)
      : ({ version: 3, deployment: { manifest: {}, resources: [] } } as unknown as StackExport),
    ...(fs.existsSync(checkable)
      ? (JSON.parse(fs.readFileSync(checkable, "utf8")) as {
          checkable: CheckedResource[];
          region: string;
        })
      : { checkable: [], region: "" }),
  };
}

/** Runs the plan CLI into `dir` (through a temporary sibling, renamed when complete). */
function generate(dir: string, stack: string, configFile?: string): void {
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const run = spawnSync(
    process.execPath,
    [
      ...["--import", "tsx", path.join(ROOT, "tools", "plan.ts")],
      ...["--stack", stack, "--out", tmp, "--checkable", path.join(tmp, "checkable.json")],
      ...(configFile ? ["--config", configFile] : []),
    ],
    { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  fs.writeFileSync(
    path.join(tmp, "result.json"),
    JSON.stringify({ status: run.status ?? 1, stdout: run.stdout, stderr: run.stderr }),
  );
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
}

/**
 * The plan of `stack` (with `configFile` instead of `Pulumi.<stack>.yaml` when given): read from
 * the cache, or planned once and cached. Plans unused for a day are removed.
 */
export function cachedPlan(stack: string, configFile?: string): CachedPlan {
  // The key covers the config file's content; its path does not matter (tests write temporary ones).
  const variant = configFile ? `${stack}-config` : stack;
  const dir = path.join(PLAN_CACHE_DIR, `${variant}-${planKey(stack, configFile)}`);
  const done = () => fs.existsSync(path.join(dir, "result.json"));
  fs.mkdirSync(PLAN_CACHE_DIR, { recursive: true });
  const lock = `${dir}.lock`;
  while (!done()) {
    try {
      fs.mkdirSync(lock);
    } catch {
      // Another process plans it: wait, unless its lock is stale.
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0);
      if (age > STALE_LOCK_MS) fs.rmSync(lock, { recursive: true, force: true });
      else sleep(200);
      continue;
    }
    try {
      if (!done()) {
        for (const old of fs.readdirSync(PLAN_CACHE_DIR)) {
          const full = path.join(PLAN_CACHE_DIR, old);
          const unused = Date.now() - (fs.statSync(full, { throwIfNoEntry: false })?.mtimeMs ?? 0);
          if (/-[0-9a-f]{16}$/.test(old) && old !== path.basename(dir) && unused > UNUSED_PLAN_MS)
            fs.rmSync(full, { recursive: true, force: true });
        }
        generate(dir, stack, configFile);
      }
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
  }
  return read(dir);
}

/**
 * A copy of `Pulumi.<stack>.yaml` with `platform.workflows.engine: step-functions` (and the step
 * runner, when given) and nothing else changed, for `cachedPlan(stack, file)`: the plan tests of
 * the Step Functions engine, Service A's status reads and the control coverage share it, so the
 * same bytes hit the same cached plan. Throws when the stack file is not on Argo.
 */
export function stackFileWithStepFunctions(stack: string, stepRunner?: string): string {
  const stackFile = parseYaml(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
    config: Record<string, { workflows: Record<string, unknown> }>;
  };
  const platform = stackFile.config["acme-platform:platform"];
  if (platform.workflows.engine !== EngineName.Argo) {
    throw new Error(`Pulumi.${stack}.yaml: platform.workflows.engine is not argo`);
  }
  platform.workflows.engine = EngineName.StepFunctions;
  if (stepRunner) platform.workflows.stepRunner = stepRunner;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sfn-")), `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, stringifyYaml(stackFile));
  return file;
}
