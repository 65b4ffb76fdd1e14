/**
 * Checks a `pulumi stack export` file against the acme policy pack, offline.
 *
 *   npm run policy -- <stack-export.json> [--config policy-config.json]
 *
 * The config file has the format of `pulumi preview --policy-pack-config`. Prints one line per
 * violation (`<enforcement> <policy> <urn>: <message>`), one per check that could not be decided,
 * and a summary. Exit codes: 0 clean (advisory violations allowed), 1 mandatory violations,
 * 2 bad usage or an unreadable input.
 */
import * as fs from "node:fs";
import type { PolicyPackConfig } from "@pulumi/policy";
import {
  evaluateStackExport,
  PolicyConfigError,
  PolicyRunError,
  StackExportError,
} from "../policies/lib/runner";

const USAGE = "usage: npm run policy -- <stack-export.json> [--config policy-config.json]";

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
  help: boolean;
}

function parseArguments(argv: string[]): Arguments {
  const args: Arguments = { help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h" || arg === "--help") {
      args.help = true;
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
