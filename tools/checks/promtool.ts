/**
 * Runs Prometheus' `promtool` and Alertmanager's `amtool`, the real engines the alert tests use.
 * A missing binary is an error that says which Debian package installs it.
 */
import { spawnSync } from "node:child_process";

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
