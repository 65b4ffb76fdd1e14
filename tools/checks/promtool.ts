/**
 * Runs Prometheus' `promtool` and Alertmanager's `amtool`, the real engines the alert tests use.
 * A missing binary is an error that says which Debian package installs it.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The tools this helper runs, with the Debian package that ships each. */
export const TOOL_PACKAGES = {
  promtool: "prometheus",
  amtool: "prometheus-alertmanager",
} as const;
export type Tool = keyof typeof TOOL_PACKAGES;

/** The outcome of one run: exit code and stdout + stderr together. */
export interface ToolResult {
  code: number;
  /** stdout and stderr together, for assertion messages. */
  output: string;
  /** stdout alone (amtool writes warnings to stderr). */
  stdout: string;
}

/** Runs `tool args...` synchronously; throws if the binary is missing. */
export function runTool(tool: Tool, args: string[], cwd?: string): ToolResult {
  const result = spawnSync(tool, args, { cwd, encoding: "utf8", timeout: 120_000 });
  if (result.error) {
    if ((result.error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error(
        `${tool} is not installed: run \`apt-get install -y --no-install-recommends ${TOOL_PACKAGES[tool]}\``,
      );
    }
    throw result.error;
  }
  return {
    code: result.status ?? 1,
    output: `${result.stdout ?? ""}${result.stderr ?? ""}`,
    stdout: result.stdout ?? "",
  };
}

/** One test file's outcome in a batched `promtool test rules` run. */
export interface PromtoolTestOutcome {
  passed: boolean;
  /** promtool's report for this file alone (the failures, when it failed). */
  output: string;
}

/**
 * Runs `promtool test rules` once on many test files (each resolves its own `rule_files`
 * relative to itself) and splits the report per file: one process instead of one per file.
 * promtool writes "Unit Testing: <file>" to stdout and the failures to stderr; both go to one
 * file descriptor here, so each failure stays under the file it belongs to.
 */
export function promtoolTestRules(files: string[], cwd?: string): Map<string, PromtoolTestOutcome> {
  const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "promtool-")), "report.txt");
  const fd = fs.openSync(log, "w");
  let result: ReturnType<typeof spawnSync>;
  try {
    result = spawnSync("promtool", ["test", "rules", ...files], {
      cwd,
      stdio: ["ignore", fd, fd],
      timeout: 120_000,
    });
  } finally {
    fs.closeSync(fd);
  }
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
    throw new Error(
      `promtool is not installed: run \`apt-get install -y --no-install-recommends ${TOOL_PACKAGES.promtool}\``,
    );
  }
  if (result.error) throw result.error;
  const report = fs.readFileSync(log, "utf8");
  fs.rmSync(path.dirname(log), { recursive: true, force: true });
  const outcomes = new Map<string, PromtoolTestOutcome>();
  for (const section of report.split(/^Unit Testing:\s+/m).slice(1)) {
    const newline = section.indexOf("\n");
    const file = section.slice(0, newline).trim();
    const body = section.slice(newline + 1);
    outcomes.set(file, {
      passed: /^\s*SUCCESS\s*$/m.test(body) && !/FAILED/.test(body),
      output: body,
    });
  }
  const missing = files.filter((f) => !outcomes.has(f));
  if (missing.length > 0) {
    throw new Error(`promtool reported nothing for ${missing.join(", ")}:\n${report}`);
  }
  return outcomes;
}
