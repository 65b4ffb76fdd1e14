/**
 * The offline plan of the bootstrap project: runs bootstrap/index.ts for a stack under the same
 * mocks as the main project's plan (tools/mocks.ts), writes the graph as a stack export and runs
 * the policy pack and the cross-resource checks on it.
 *
 *   npm run plan -- --project bootstrap --stack <name> [--out <dir>]
 *
 * Exit codes as tools/plan.ts: 0 clean; 1 a mandatory violation, a failed check or a program
 * error; 2 bad usage or bad configuration (every bad key named), with no stack.json written.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { PolicyPackConfig } from "@pulumi/policy";
import { ConfigError } from "../config";
import { evaluateStackExport } from "../policies/lib/runner";
import { runCrossChecks } from "../tools/checks/crossResource";
import { principalsCheck } from "../tools/checks/principals";
import type { CheckedResource } from "../tools/checks/graph";
import { MOCK_ACCOUNT_ID } from "../tools/mocks";
import { runProgramUnderMocks } from "../tools/programRun";
import { type StackExport } from "../tools/stackExport";
import { loadStackConfig, StackFileError } from "../tools/stackFile";
import { parseBootstrapConfig, type BootstrapConfig } from "./config";

const PROJECT_DIR = __dirname;

/**
 * The pack config of the bootstrap project (`bootstrap/policy-config.json`, also given to
 * `pulumi up --policy-pack-config`): the state bucket's S3 server access logging is advisory, as
 * docs/bootstrap.md explains (CloudTrail data events record state access instead).
 */
export function bootstrapPolicyConfig(): PolicyPackConfig {
  return JSON.parse(
    fs.readFileSync(path.join(PROJECT_DIR, "policy-config.json"), "utf8"),
  ) as PolicyPackConfig;
}

/** The bootstrap program's graph under mocks. */
export interface BootstrapPlanRun {
  export: StackExport;
  config: BootstrapConfig;
  checkable: CheckedResource[];
  /** The stack's outputs (index.ts exports), resolved. */
  outputs: Record<string, unknown>;
}

/** Runs bootstrap/index.ts for `stack` under mocks and returns its graph. */
export async function runBootstrapProgram(options: {
  stack: string;
  configFile?: string;
}): Promise<BootstrapPlanRun> {
  const loaded = loadStackConfig(PROJECT_DIR, options.stack, options.configFile);
  const config = parseBootstrapConfig(loaded.config);
  const run = await runProgramUnderMocks(PROJECT_DIR, options.stack, loaded, config.region);
  return { export: run.export, config, checkable: run.checkable, outputs: run.outputs };
}

/** The CLI (argv without `--project bootstrap`); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let stack: string | undefined;
  let outDir: string | undefined;
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined || value.startsWith("--")) {
      console.error(`${flag} needs a value`);
      return 2;
    }
    if (flag === "--stack") stack = value;
    else if (flag === "--out") outDir = path.resolve(value);
    else if (flag === "--config") configFile = path.resolve(value);
    else {
      console.error(`unknown argument "${flag}" (bootstrap plans take --stack, --out, --config)`);
      return 2;
    }
  }
  if (!stack || !/^[A-Za-z0-9_.-]+$/.test(stack)) {
    console.error("usage: npm run plan -- --project bootstrap --stack <name> [--out <dir>]");
    return 2;
  }
  let run: BootstrapPlanRun;
  try {
    run = await runBootstrapProgram({ stack, configFile });
  } catch (e) {
    if (e instanceof ConfigError || e instanceof StackFileError) {
      console.error(`plan: ${e.message}\nplan: no stack.json written.`);
      return 2;
    }
    console.error(`plan: the program failed: ${(e as Error).message}`);
    return 1;
  }
  const out = outDir ?? path.join(PROJECT_DIR, "..", "out", `bootstrap-${stack}`);
  fs.mkdirSync(out, { recursive: true });
  const stackJson = path.join(out, "stack.json");
  fs.writeFileSync(stackJson, JSON.stringify(run.export, null, 2) + "\n");
  const result = await evaluateStackExport(run.export, { config: bootstrapPolicyConfig() });
  const mandatory = result.violations.filter((v) => v.enforcementLevel === "mandatory");
  const cross = runCrossChecks(
    run.checkable,
    {
      accountId: MOCK_ACCOUNT_ID,
      partition: "aws",
      region: run.config.region,
      // The other checks (flows, pods, monitors) are about the main project's network and cluster.
    },
    [principalsCheck],
  );
  const custom = run.export.deployment.resources.filter((r) => r.custom);
  console.log(
    [
      `Offline plan of bootstrap stack "${stack}": ${custom.length} resources`,
      `Policies: ${result.policiesRun} run on ${result.resourcesChecked} resources: ` +
        `${mandatory.length} mandatory violation(s), ${result.violations.length - mandatory.length} advisory`,
      ...result.violations.map(
        (v) => `  ${v.enforcementLevel} ${v.policyName} ${v.urn}: ${v.message}`,
      ),
      `Cross-resource checks: ${cross.results.map((r) => `${r.name} ${r.checked} ${r.unit}`).join(", ")}: ${cross.errors.length} error(s)`,
      ...cross.errors.map((e) => `  error ${e}`),
      `Wrote ${path.relative(process.cwd(), stackJson)}`,
    ].join("\n"),
  );
  return mandatory.length > 0 || cross.errors.length > 0 ? 1 : 0;
}
