/**
 * Compiled JSON Schema validators and parsed YAML, cached on disk. Compiling the CRD and chart-values schemas
 * took about 2 s of every offline plan (Ajv generates and evaluates code per schema). Ajv's
 * standalone code generation writes that code out once, under
 * `node_modules/.cache/acme-platform/ajv/`, keyed by a hash of the schema, the Ajv version and
 * the setup that compiled it; later runs `require` it. A changed schema, Ajv or setup gives a new
 * key, so nothing stale is ever served; a clean install starts empty.
 *
 * Formats must be reachable from the generated code, so the instances take their formats from
 * {@link ./ajvFormats} (the standalone code requires that module by its path).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type Ajv from "ajv";
import type { AnySchema, ValidateFunction } from "ajv";
import standaloneCode from "ajv/dist/standalone";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "..", "..");
/** Where the generated validators live. */
export const AJV_CACHE_DIR = path.join(ROOT, "node_modules", ".cache", "acme-platform", "ajv");
const AJV_VERSION = (
  JSON.parse(fs.readFileSync(require.resolve("ajv/package.json"), "utf8")) as { version: string }
).version;

/**
 * The validator of `schema`, compiled by `ajv` (created with `code: { source: true }`) or read
 * from the cache. `setup` names everything besides the schema that shapes the code (the options,
 * formats and vocabulary: pass the source of the module that configures the instance).
 */
export function cachedValidator(ajv: Ajv, schema: AnySchema, setup: string): ValidateFunction {
  const key = createHash("sha256")
    .update(`${AJV_VERSION}\0${setup}\0`)
    .update(JSON.stringify(schema))
    .digest("hex")
    .slice(0, 24);
  const file = path.join(AJV_CACHE_DIR, `${key}.js`);
  if (!fs.existsSync(file)) {
    const validate = ajv.compile(schema);
    fs.mkdirSync(AJV_CACHE_DIR, { recursive: true });
    // Written aside and renamed: a concurrent reader sees the whole file or none.
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, standaloneCode(ajv, validate));
    fs.renameSync(tmp, file);
    return validate;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- generated CommonJS validator
  return require(file) as ValidateFunction;
}

/** A hash of files' contents, for {@link cachedValidator}'s `setup`. */
export function sourceHash(...files: string[]): string {
  const hash = createHash("sha256");
  for (const f of files) hash.update(fs.readFileSync(f));
  return hash.digest("hex");
}

const YAML_CACHE_DIR = path.join(ROOT, "node_modules", ".cache", "acme-platform", "yaml");
const YAML_VERSION = (
  JSON.parse(fs.readFileSync(require.resolve("yaml/package.json"), "utf8")) as { version: string }
).version;

/**
 * A YAML file (a chart's values.yaml: kube-prometheus-stack's is thousands of lines) parsed once
 * and kept as JSON, keyed by its content and the yaml package's version; `undefined` when the
 * file does not exist.
 */
export function cachedYaml(file: string): unknown {
  if (!fs.existsSync(file)) return undefined;
  const text = fs.readFileSync(file);
  const key = createHash("sha256").update(`${YAML_VERSION}\0`).update(text).digest("hex");
  const cached = path.join(YAML_CACHE_DIR, `${key.slice(0, 24)}.json`);
  if (fs.existsSync(cached)) return JSON.parse(fs.readFileSync(cached, "utf8")) as unknown;
  const doc = parse(text.toString("utf8")) as unknown;
  fs.mkdirSync(YAML_CACHE_DIR, { recursive: true });
  const tmp = `${cached}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(doc ?? null));
  fs.renameSync(tmp, cached);
  return doc;
}
