/**
 * Benchmark: the offline plan of the prod stack against a floor, a Node.js process that only
 * loads the same SDK packages (the cost no plan can avoid). Reports medians, their ratio and each
 * side's peak RSS. The plan is timed as `npm run plan` runs it: the Node.js options of the `plan`
 * script in package.json apply to both sides, so they differ only in what they load and run.
 *
 *   npm run bench [-- --runs 5 --stack prod]
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const FLOOR_SCRIPT = [
  "@pulumi/pulumi",
  "@pulumi/aws",
  "@pulumi/kubernetes",
  "@pulumi/kafka",
  "@pulumi/random",
  "@pulumi/tls",
  "@pulumi/policy",
  "ajv",
  "zod",
  "yaml",
]
  .map((m) => `require(${JSON.stringify(m)});`)
  .join(" ");

/**
 * The Node.js options of package.json's `plan` script (`node <options> tools/plan.ts`), so the
 * bench times the command people run and the floor starts the same runtime.
 */
function planNodeOptions(): string[] {
  const script = (
    JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    }
  ).scripts.plan;
  const words = script.trim().split(/\s+/);
  const entry = words.indexOf("tools/plan.ts");
  if (words[0] !== "node" || entry < 0) {
    throw new Error(
      `package.json scripts.plan is "${script}": the bench expects "node <options> tools/plan.ts"`,
    );
  }
  return words.slice(1, entry);
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** Reports each timed process's peak RSS (process.resourceUsage().maxRSS) on stderr. */
const RSS_REPORTER = path.join(__dirname, "benchRss.cjs");

/** One timed run: wall-clock milliseconds and the process's peak resident set size in MiB. */
function timeOnce(args: string[]): { ms: number; rssMiB: number } {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ["--require", RSS_REPORTER, ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) {
    throw new Error(
      `"node ${args.join(" ")}" exited ${result.status}:\n${result.stderr}${result.stdout}`,
    );
  }
  const rss = /ACME_BENCH_MAX_RSS_KB=(\d+)/.exec(result.stderr);
  if (!rss) throw new Error(`no peak RSS reported by "node ${args.join(" ")}"`);
  return { ms, rssMiB: Number(rss[1]) / 1024 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function main(): void {
  const runs = Number(arg("runs", "5"));
  const stack = arg("stack", "prod");
  if (!Number.isInteger(runs) || runs < 5)
    throw new Error("--runs must be an integer of at least 5");
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-plan-"));
  const nodeOptions = planNodeOptions();
  const planArgs = [...nodeOptions, "tools/plan.ts", "--stack", stack, "--out", out];
  const floorArgs = [...nodeOptions, "-e", FLOOR_SCRIPT];

  // One warm-up of each fills the OS file cache and tsx's transform cache for both sides alike.
  timeOnce(floorArgs);
  timeOnce(planArgs);
  const plan: number[] = [];
  const floor: number[] = [];
  const planRss: number[] = [];
  const floorRss: number[] = [];
  for (let i = 0; i < runs; i++) {
    // Interleaved, so drift in machine load hits both series equally.
    const f = timeOnce(floorArgs);
    floor.push(f.ms);
    floorRss.push(f.rssMiB);
    const p = timeOnce(planArgs);
    plan.push(p.ms);
    planRss.push(p.rssMiB);
  }
  const resources = (
    JSON.parse(fs.readFileSync(path.join(out, "stack.json"), "utf8")) as {
      deployment: { resources: unknown[] };
    }
  ).deployment.resources.length;
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(", ");
  console.log(
    `plan --stack ${stack} (${resources} resources), ${runs} runs each, wall-clock ms, node ${nodeOptions.join(" ")}`,
  );
  console.log(
    `  floor (load SDK packages only): median ${median(floor).toFixed(0)}  [${fmt(floor)}]  peak RSS ${Math.max(...floorRss).toFixed(0)} MiB`,
  );
  console.log(
    `  offline plan:                   median ${median(plan).toFixed(0)}  [${fmt(plan)}]  peak RSS ${Math.max(...planRss).toFixed(0)} MiB`,
  );
  console.log(`  ratio plan/floor: ${(median(plan) / median(floor)).toFixed(2)} (target <= 3.0)`);
  fs.rmSync(out, { recursive: true, force: true });
}

main();
