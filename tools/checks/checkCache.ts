/**
 * Compiled JSON Schema validators and parsed YAML, cached on disk. Compiling the CRD and
 * chart-values schemas took about 2 s of every offline plan (Ajv generates and evaluates code per
 * schema). Ajv's standalone code generation writes that code out once, under
 * `node_modules/.cache/acme-platform/ajv/`, keyed by a hash of the schema's text, the Ajv version
 * and the setup that compiled it; later runs `require` it without creating an Ajv instance or
 * parsing the schema. A changed schema, Ajv or setup gives a new key, so nothing stale is ever
 * served; a clean install starts empty. Only the schemas a plan's graph uses are loaded.
 *
 * Formats must be reachable from the generated code, so the instances take their formats from
 * {@link ./ajvFormats} (the standalone code requires that module by its path).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type Ajv from "ajv";
import type { ValidateFunction } from "ajv";
import standaloneCode from "ajv/dist/standalone";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "..", "..");
/** Where the generated validators live. */
export const AJV_CACHE_DIR = path.join(ROOT, "node_modules", ".cache", "acme-platform", "ajv");
const AJV_VERSION = (
  JSON.parse(fs.readFileSync(require.resolve("ajv/package.json"), "utf8")) as { version: string }
).version;

/** How to get one validator, and what decides its generated code. */
export interface ValidatorSource {
  /**
   * The schema as read (the file's text): hashed for the cache key, so a changed schema in the
   * shared catalog is compiled anew; parsed only when compiling.
   */
  schemaText: string;
  /**
   * Everything besides the schema that shapes the generated code (options, formats, vocabulary,
   * rewrites): {@link sourceHash} of the modules that configure the instance, plus any variant.
   */
  setup: string;
  /**
   * Compiles the schema, on a cache miss only: an Ajv instance created with `code: { source: true }`
   * and the function it compiled. A hit creates no Ajv instance at all.
   */
  compile(): { ajv: Ajv; validate: ValidateFunction };
}

/** The cache file of a validator: a hash of the Ajv version, the setup and the schema text. */
function validatorFile(source: Pick<ValidatorSource, "schemaText" | "setup">): string {
  const key = createHash("sha256")
    .update(`${AJV_VERSION}\0${source.setup}\0`)
    .update(source.schemaText)
    .digest("hex")
    .slice(0, 24);
  return path.join(AJV_CACHE_DIR, `${key}.js`);
}

/** The validator of `source`: generated code from the cache, or compiled once and written there. */
export function cachedValidator(source: ValidatorSource): ValidateFunction {
  const file = validatorFile(source);
  if (fs.existsSync(file)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- generated CommonJS validator
    return require(file) as ValidateFunction;
  }
  const { ajv, validate } = source.compile();
  fs.mkdirSync(AJV_CACHE_DIR, { recursive: true });
  // Written aside and renamed: a concurrent reader sees the whole file or none.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, standaloneCode(ajv, validate));
  fs.renameSync(tmp, file);
  return validate;
}

/**
 * A hash of modules' paths and contents, for {@link ValidatorSource.setup}. The path counts too:
 * the generated code `require`s the formats module by its absolute path, so a checkout that moved
 * (or another worktree sharing node_modules) must not load code pointing at the old place.
 */
export function sourceHash(...files: string[]): string {
  const hash = createHash("sha256");
  for (const f of files) hash.update(`${f}\0`).update(fs.readFileSync(f)).update("\0");
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
