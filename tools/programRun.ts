/**
 * Runs a Pulumi program the way `pulumi up` runs it, under the offline mocks (tools/mocks.ts),
 * and returns what it registered: the one runner behind the main project's plan (tools/plan.ts)
 * and the bootstrap project's (bootstrap/plan.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { CheckedResource } from "./checks/graph";
import { installMocks, MOCK_ACCOUNT_ID, PlatformMocks } from "./mocks";
import { toStackExport, type StackExport } from "./stackExport";
import type { LoadedConfig } from "./stackFile";

/** What a program registered under the mocks. */
export interface ProgramRun {
  export: StackExport;
  /** The invokes the program made (all mocked). */
  invokes: string[];
  /** Types and raw inputs (secrets included) for the engine checks; never written to disk. */
  checkable: CheckedResource[];
  /** The stack's outputs (the program module's exports), resolved. */
  outputs: Record<string, unknown>;
}

function packageVersion(pkg: string): string | undefined {
  try {
    const manifest = fs.readFileSync(require.resolve(`${pkg}/package.json`), "utf8");
    return (JSON.parse(manifest) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/**
 * Runs `<projectDir>/index.ts` for `stack` with the stack file's configuration `loaded`, in
 * `region`, as the Node.js language host does (the module's exports become the stack's
 * outputs), and waits for every registration to settle.
 *
 * @throws when a registration failed, listing each failure.
 */
export async function runProgramUnderMocks(
  projectDir: string,
  stack: string,
  loaded: LoadedConfig,
  region: string,
): Promise<ProgramRun> {
  const mocks = new PlatformMocks({ accountId: MOCK_ACCOUNT_ID, region });
  const capture = await installMocks(mocks, loaded.project, stack, false);
  pulumi.runtime.setAllConfig(loaded.config, loaded.secretKeys);

  // Pulumi records a source position for every resource and a stack for every promise it makes
  // (`new Error().stack`); formatting them, through tsx's source maps, took about 0.7 s of a prod
  // plan for positions nothing offline reads. Both are off while the program registers, unless
  // ACME_PLAN_STACKS=1 (for debugging a crash inside the program with full TypeScript stacks).
  const sourceMaps = process.sourceMapsEnabled;
  const stackTraceLimit = Error.stackTraceLimit;
  if (process.env.ACME_PLAN_STACKS !== "1") {
    process.setSourceMapsEnabled(false);
    Error.stackTraceLimit = 0;
  }
  try {
    await pulumi.runtime.runInPulumiStack(
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loads the program as the language host does
      async () => require(path.join(projectDir, "index.ts")) as Record<string, unknown>,
    );
    await capture.settle();
  } finally {
    process.setSourceMapsEnabled(sourceMaps);
    Error.stackTraceLimit = stackTraceLimit;
  }
  if (capture.errors.length > 0) {
    throw new Error(
      `registration failed:\n${capture.errors.map((e) => `  - ${e.message}`).join("\n")}`,
    );
  }
  const resources = [...capture.resources.values()];
  // Default providers are named after the provider SDK's version, as the engine names them.
  const providerVersions: Record<string, string> = {};
  for (const pkg of new Set(resources.map((r) => r.type.split(":")[0]))) {
    // Not a provider package (pulumi, acme components): no default provider to name.
    const version = packageVersion(`@pulumi/${pkg}`);
    if (version !== undefined) providerVersions[pkg] = version;
  }
  const stackResource = resources.find((r) => r.type === "pulumi:pulumi:Stack");
  return {
    export: toStackExport(
      resources,
      packageVersion("@pulumi/pulumi") as string,
      new Date(),
      providerVersions,
    ),
    invokes: mocks.calls,
    checkable: resources.map(({ urn, type, inputs, id, outputs }) => ({
      urn,
      type,
      inputs,
      id,
      outputs,
    })),
    outputs: stackResource?.outputs ?? {},
  };
}
