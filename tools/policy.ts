/**
 * Checks a `pulumi stack export` file against the acme policy pack, offline.
 *
 *   npm run policy -- <stack-export.json> [--config policy-config.json]
 *   npm run policy -- --coverage <stack-export.json> [--config policy-config.json] [--stack name]
 *
 * The config file has the format of `pulumi preview --policy-pack-config`. Prints one line per
 * violation (`<enforcement> <policy> <urn>: <message>`), one per check that could not be decided,
 * and a summary. Exit codes: 0 clean (advisory violations allowed), 1 mandatory violations,
 * 2 bad usage or an unreadable input.
 *
 * `--coverage` prints instead, for the resource types of the export, every applicable control of
 * the shared set with the rules naming it and its status (enforced, waived in
 * `policies/waivers.ts`, or missing), counted by category (policies/lib/coverage.ts); it exits 1
 * when a control is missing. The stack (for stack-scoped waivers) is read from the URNs unless
 * `--stack` names it, and its pack config defaults to `policies/config/<stack>.json`, as in the
 * offline plan: a rule the config disables enforces nothing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { PolicyPackConfig } from "@pulumi/policy";
import {
  CoverageError,
  type CoverageReport,
  coverageOf,
  formatCoverage,
  loadControls,
  stackOfExport,
} from "../policies/lib/coverage";
import { allPolicies } from "../policies/rules";
import { WAIVERS } from "../policies/waivers";
import {
  evaluateStackExport,
  PolicyConfigError,
  PolicyRunError,
  StackExportError,
  type ExportResource,
} from "../policies/lib/runner";

const USAGE =
  "usage: npm run policy -- [--coverage] <stack-export.json> [--config policy-config.json] " +
  "[--stack name]";

const REPO_ROOT = path.resolve(__dirname, "..");

/**
 * Where the CLI writes; tests pass their own.
 * @internal Exported for tests only.
 */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

const consoleOutput: Output = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

/** Wrong arguments: the message is followed by the usage line. */
class UsageError extends Error {}

/** An input file that cannot be used. */
class InputError extends Error {}

interface Arguments {
  exportFile?: string;
  configFile?: string;
  stack?: string;
  coverage: boolean;
  help: boolean;
}

function parseArguments(argv: string[]): Arguments {
  const args: Arguments = { help: false, coverage: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h" || arg === "--help") {
      args.help = true;
    } else if (arg === "--coverage") {
      args.coverage = true;
    } else if (arg === "--stack" || arg.startsWith("--stack=")) {
      const value = arg === "--stack" ? argv[++i] : arg.slice("--stack=".length);
      if (!value || !/^[A-Za-z0-9_.-]+$/.test(value)) {
        throw new UsageError("--stack needs a stack name");
      }
      args.stack = value;
    } else if (arg === "--config" || arg.startsWith("--config=")) {
      const value = arg === "--config" ? argv[++i] : arg.slice("--config=".length);
      if (!value) throw new UsageError("--config needs a file name");
      if (args.configFile) throw new UsageError("--config given twice");
      args.configFile = value;
    } else if (arg.startsWith("-")) {
      throw new UsageError(`unknown option ${arg}`);
    } else if (args.exportFile) {
      throw new UsageError(`unexpected argument ${arg}; give one stack export file`);
    } else {
      args.exportFile = arg;
    }
  }
  return args;
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : (e as Error).message;
    throw new InputError(`cannot read ${what} ${file}: ${reason}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InputError(`${what} ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

function count(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}

/**
 * Runs the CLI; resolves to the exit code.
 * @internal Exported for tests only.
 */
export async function main(argv: string[], output: Output = consoleOutput): Promise<number> {
  try {
    const args = parseArguments(argv);
    if (args.help) {
      output.out(USAGE);
      return 0;
    }
    if (!args.exportFile) {
      throw new UsageError("missing the stack export file");
    }
    const doc = readJson(args.exportFile, "stack export");
    let config: PolicyPackConfig | undefined;
    if (args.configFile) {
      const parsed = readJson(args.configFile, "policy config");
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new InputError(`policy config ${args.configFile} must be a JSON object`);
      }
      config = parsed as PolicyPackConfig;
    }

    if (args.coverage) {
      return coverage(doc, args, config, output);
    }

    let result;
    try {
      result = await evaluateStackExport(doc, { config });
    } catch (e) {
      if (e instanceof StackExportError) {
        throw new InputError(`${args.exportFile}: ${e.message}`);
      }
      if (e instanceof PolicyConfigError && args.configFile) {
        throw new InputError(`${args.configFile}: ${e.message}`);
      }
      throw e;
    }
    for (const v of result.violations) {
      output.out(`${v.enforcementLevel} ${v.policyName} ${v.urn || "(stack)"}: ${v.message}`);
    }
    for (const u of result.undecidable) {
      output.out(`undecidable ${u.policyName} ${u.urn || "(stack)"}: ${u.message}`);
    }
    const mandatory = result.violations.filter((v) => v.enforcementLevel === "mandatory").length;
    const advisory = result.violations.length - mandatory;
    output.out(
      `${count(mandatory, "mandatory violation")}, ${count(advisory, "advisory violation")}, ` +
        `${result.undecidable.length} undecidable; ${count(result.policiesRun, "policy", "policies")} ` +
        `run over ${count(result.resourcesChecked, "resource")}.`,
    );
    return mandatory > 0 ? 1 : 0;
  } catch (e) {
    if (e instanceof UsageError) {
      output.err(`error: ${e.message}`);
      output.err(USAGE);
      return 2;
    }
    // A rule that crashes is a bug in the pack, but it leaves no verdict either.
    if (e instanceof InputError || e instanceof PolicyRunError) {
      output.err(`error: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

/** `policies/config/<stack>.json`, the stack's pack config, when the file exists. */
export function stackPolicyConfigFile(stack: string): string | undefined {
  const file = path.join(REPO_ROOT, "policies", "config", `${stack}.json`);
  return fs.existsSync(file) ? file : undefined;
}

/**
 * The pack's coverage of the shared control set for the live custom resources of `stack`'s
 * export: the pack's rules under `config`, the reviewed waivers.
 */
export function packCoverage(
  stack: string,
  resources: readonly ExportResource[],
  config: PolicyPackConfig | undefined,
): CoverageReport {
  const live = resources.filter((r) => r.custom === true && !r.delete);
  return coverageOf(new Set(live.map((r) => r.type)), {
    stack,
    controls: loadControls(),
    policies: allPolicies,
    waivers: WAIVERS,
    config,
  });
}

/** `--coverage`: the report; 1 when a control is missing. */
function coverage(
  doc: unknown,
  args: Arguments,
  config: PolicyPackConfig | undefined,
  output: Output,
): number {
  const resources = (doc as { deployment?: { resources?: unknown } }).deployment?.resources;
  if (!Array.isArray(resources)) {
    throw new InputError(`${args.exportFile}: deployment.resources is not an array`);
  }
  const live = (resources as ExportResource[]).filter((r) => r.custom === true && !r.delete);
  const stack = args.stack ?? stackOfExport(live);
  if (!stack) {
    throw new UsageError(
      `${args.exportFile} has no resources to read the stack from; pass --stack`,
    );
  }
  let packConfig = config;
  const stackConfig = args.configFile ? undefined : stackPolicyConfigFile(stack);
  if (stackConfig) {
    packConfig = readJson(stackConfig, "policy config") as PolicyPackConfig;
    output.out(`Policy config: ${path.relative(process.cwd(), stackConfig)}`);
  }
  let report;
  try {
    report = packCoverage(stack, live, packConfig);
  } catch (e) {
    if (e instanceof CoverageError) throw new InputError(e.message);
    throw e;
  }
  formatCoverage(report).forEach((line) => output.out(line));
  return report.total.missing > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 2;
    },
  );
}
