/**
 * Bundles a service for its image: `src/main.ts` of the service in the current directory becomes
 * one CommonJS file, `dist/main.js` (with its source map), that plain `node` runs; each entry of
 * EXTRA_ENTRIES the service has (`src/<name>.ts`) becomes `dist/<name>.js` beside it. Each service's
 * `npm run build` runs this from the service's directory; the Dockerfiles run that script.
 *
 * Why a bundle: the sources are TypeScript that tsx runs in development, and the kit and the
 * contracts are workspace packages whose `exports` point at .ts files. Bundling them (with Fastify
 * and the rest) leaves nothing to transpile at run time and no workspace links in the image.
 *
 * What stays outside (EXTERNAL, loaded from node_modules at run time) is listed once, below; the
 * image's node_modules comes from `npm ci --omit=dev` and holds every one of them.
 *
 * Run with Node's own type stripping (`node build.ts`): the image's build stage has the services'
 * dependencies only, and tsx belongs to the repository root. Usage:
 *   node ../kit/build.ts [--outdir <dir>] [--metafile <file>]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { build } from "esbuild";

/**
 * Packages left out of the bundle, each with the reason. Everything else is bundled.
 */
export const EXTERNAL: readonly { pattern: string; why: string }[] = [
  {
    pattern: "@aws-sdk/*",
    why: "OpenTelemetry's AWS SDK instrumentation patches the SDK through require hooks when it loads from node_modules; bundled, the hooks never fire and AWS calls go untraced.",
  },
  {
    pattern: "@smithy/*",
    why: "The same instrumentation hooks @smithy/middleware-stack and @smithy/smithy-client, which the AWS SDK loads; they must stay the copies the SDK requires.",
  },
  {
    pattern: "@opentelemetry/*",
    why: "The SDK loads its exporters lazily at run time: the OTLP gRPC exporter requires @grpc/grpc-js through createRequire(import.meta.url), which is undefined in a CommonJS bundle (the service dies at start). Kept as published, the SDK and its instrumentations are one copy that registers the require hooks.",
  },
  {
    pattern: "@platformatic/*",
    why: "The worker's Kafka client loads native and WebAssembly files (compression codecs) by path at run time, which a bundle cannot carry.",
  },
  {
    pattern: "aws-msk-iam-sasl-signer-js",
    why: "Signs MSK IAM authentication with the AWS SDK's credential providers; kept beside the external @aws-sdk/* copies it requires rather than bundling a second SDK.",
  },
];

/**
 * Entry points beside `main` that a service's image may carry, each with what runs it. A service
 * has one when `src/<name>.ts` exists; it is bundled to `dist/<name>.js` with the same options.
 */
export const EXTRA_ENTRIES: Readonly<Record<string, string>> = {
  handoff:
    "The worker's workflow step: the reference WorkflowTemplate runs `node dist/handoff.js` in the worker's image to send a work-task to the task queue (services/worker/src/handoff.ts).",
};

/** The entry points of the service in `serviceDir`: `main`, then its EXTRA_ENTRIES. */
export function entryPoints(serviceDir: string): Record<string, string> {
  const entries: Record<string, string> = { main: path.join(serviceDir, "src", "main.ts") };
  for (const name of Object.keys(EXTRA_ENTRIES)) {
    const source = path.join(serviceDir, "src", `${name}.ts`);
    if (fs.existsSync(source)) entries[name] = source;
  }
  return entries;
}

/** The bundle's options (shared by every service; the entries and output are per service). */
function options(serviceDir: string, outdir: string) {
  return {
    absWorkingDir: serviceDir,
    entryPoints: entryPoints(serviceDir),
    outdir,
    bundle: true,
    platform: "node" as const,
    target: "node24",
    format: "cjs" as const,
    sourcemap: true,
    // Paths in the source map relative to the service, not the machine that built it.
    sourceRoot: "",
    external: EXTERNAL.map((e) => e.pattern),
    // Resolve from where npm linked the workspace packages (services/node_modules/@acme/...), not
    // from their real directories: contracts/ sits outside services/, and from there the lookup
    // would miss services/node_modules (and in the repository find the Pulumi project's copies).
    preserveSymlinks: true,
    logLevel: "warning" as const,
    metafile: true,
    legalComments: "linked" as const,
  };
}

function argument(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = args[at + 1];
  if (!value || value.startsWith("--")) throw new Error(`${name} needs a value, e.g. ${name} dist`);
  return value;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const serviceDir = process.cwd();
  const outdir = path.resolve(argument(args, "--outdir") ?? "dist");
  const metafile = argument(args, "--metafile");
  const result = await build(options(serviceDir, outdir));
  if (result.errors.length > 0) throw new Error(`esbuild reported ${result.errors.length} errors`);
  if (metafile) {
    fs.writeFileSync(path.resolve(metafile), JSON.stringify(result.metafile));
  }
  process.stdout.write(`${path.basename(serviceDir)}: bundled into ${outdir}\n`);
}

// Run as a script (`node ../kit/build.ts`); imported (by services/images.test.ts), it only exports.
if (path.basename(process.argv[1] ?? "") === "build.ts") {
  main().catch((error: unknown) => {
    process.stderr.write(`build failed: ${String((error as Error)?.message ?? error)}\n`);
    process.exit(1);
  });
}
