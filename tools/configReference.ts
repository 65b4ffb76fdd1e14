/**
 * Writes docs/configuration.md, the configuration reference, from the one place each fact lives:
 * the zod schema in config.ts (key paths, types, constraints, defaults and the `.describe()`/
 * `.meta()` texts, read through zod's JSON Schema export), DEFAULT_ALERT_THRESHOLDS (the
 * threshold defaults) and the committed stack files (each stack's values).
 *
 *   npm run docs:config            # rewrite docs/configuration.md
 *   npm run docs:config -- --check # exit 1 when the file is stale
 *
 * `configReference.test.ts` fails when the committed file differs from what this writes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as prettier from "prettier";
import { z } from "zod";
import { DEFAULT_ALERT_THRESHOLDS } from "../components/observability/alertRules";
import { PROJECT, stackConfigSchema } from "../config";
import { loadStackConfig } from "./stackFile";

const ROOT = path.resolve(__dirname, "..");
export const REFERENCE_FILE = path.join(ROOT, "docs", "configuration.md");

/** The order stacks are shown in; any other stack file found is appended by name. */
const STACK_ORDER = ["dev", "staging", "prod"];

/**
 * Subtrees whose every field is optional and whose defaults live in a typed constant, not in the
 * schema: the constant gives each field's default. Each gets its own subsection.
 */
const DEFAULTS_FROM: Record<string, unknown> = {
  "observability.alerting.thresholds": DEFAULT_ALERT_THRESHOLDS,
};

/** The JSON Schema subset zod emits for this schema, plus our `form` metadata. */
interface Node {
  type?: string;
  description?: string;
  /** How a valid value looks, where JSON Schema cannot say it (set with `.meta({ form })`). */
  form?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: Node;
  properties?: Record<string, Node>;
  required?: string[];
  propertyNames?: Node;
  additionalProperties?: Node | boolean;
  anyOf?: Node[];
  oneOf?: Node[];
}

/** One stack's values, keyed like the schema (top-level fields, then nested objects). */
interface StackValues {
  name: string;
  values: Record<string, unknown>;
  /** Top-level fields whose value is a secret in the stack file. */
  secret: Set<string>;
}

/** One row of a reference table. */
interface Row {
  key: string;
  type: string;
  default: string;
  perStack: string[];
  description: string;
}

/** `text` as inline code (table cells escape their pipes with `cell`). */
function code(text: string): string {
  return "`" + text + "`";
}

/** A cell's prose, safe inside a table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
}

/** A value as compact YAML-like text: `[a, b]`, `{ k: v }`. */
function compact(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(compact).join(", ")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value).map(([k, v]) => `${k}: ${compact(v)}`);
    return entries.length ? `{ ${entries.join(", ")} }` : "{}";
  }
  return String(value);
}

function number(n: Node): string {
  const bounds: string[] = [];
  if (n.minimum !== undefined && n.maximum !== undefined) {
    return `${n.type === "integer" ? "integer" : "number"} ${n.minimum} to ${n.maximum}`;
  }
  if (n.minimum !== undefined) bounds.push(`>= ${n.minimum}`);
  if (n.exclusiveMinimum !== undefined) bounds.push(`> ${n.exclusiveMinimum}`);
  if (n.maximum !== undefined) bounds.push(`<= ${n.maximum}`);
  if (n.exclusiveMaximum !== undefined) bounds.push(`< ${n.exclusiveMaximum}`);
  return [n.type === "integer" ? "integer" : "number", bounds.join(", ")].filter(Boolean).join(" ");
}

/** The type and constraints of a node, in words. */
export function describeType(n: Node): string {
  if (n.form) return n.form;
  if (n.const !== undefined) return code(String(n.const));
  if (n.enum) return n.enum.map((v) => code(String(v))).join(" or ");
  const variants = n.anyOf ?? n.oneOf;
  if (variants) return variants.map(describeType).join(" or ");
  switch (n.type) {
    case "boolean":
      return "boolean";
    case "integer":
    case "number":
      return number(n);
    case "string":
      if (n.format === "email") return "email address";
      if (n.format === "uri") return "URL";
      if (n.pattern) return `string matching ${code(n.pattern)}`;
      return n.minLength ? "non-empty string" : "string";
    case "array": {
      const limits = [
        n.minItems !== undefined ? `at least ${n.minItems}` : "",
        n.maxItems !== undefined ? `at most ${n.maxItems}` : "",
      ].filter(Boolean);
      const items = n.items ? describeType(n.items) : "values";
      return `list of ${items}${limits.length ? ` (${limits.join(", ")})` : ""}`;
    }
    case "object": {
      if (n.properties) {
        const fields = Object.entries(n.properties).map(([k, v]) =>
          v.const !== undefined ? `${k}: ${String(v.const)}` : k,
        );
        return code(`{ ${fields.join(", ")} }`);
      }
      const value =
        typeof n.additionalProperties === "object"
          ? describeType(n.additionalProperties)
          : "values";
      return `map of name to ${value}`;
    }
    default:
      return "any";
  }
}

/** A node shown as one row: anything but an object with named fields or a map of objects. */
function isLeaf(n: Node): boolean {
  if (n.form || n.anyOf || n.oneOf || n.type !== "object") return true;
  if (n.properties) return false;
  return !(typeof n.additionalProperties === "object" && n.additionalProperties.properties);
}

/** The value at `segments` in one stack, expanding `<name>` over a map's entries. */
function valueAt(root: unknown, segments: string[]): Array<[string[], unknown]> {
  let found: Array<[string[], unknown]> = [[[], root]];
  for (const segment of segments) {
    const next: Array<[string[], unknown]> = [];
    for (const [names, value] of found) {
      if (!value || typeof value !== "object") continue;
      const obj = value as Record<string, unknown>;
      if (segment === "<name>") {
        for (const [name, v] of Object.entries(obj)) next.push([[...names, name], v]);
      } else if (segment in obj) {
        next.push([names, obj[segment]]);
      }
    }
    found = next;
  }
  return found;
}

function stackCell(stack: StackValues, segments: string[]): string {
  if (stack.secret.has(segments[0])) return "secret";
  const found = valueAt(stack.values, segments);
  if (found.length === 0) return "–";
  return found
    .map(([names, v]) => (names.length ? `${names.join(".")}: ` : "") + code(compact(v)))
    .join("; ");
}

function defaultCell(n: Node, required: boolean, fromConstant: unknown): string {
  const leaf = isLeaf(n);
  if (fromConstant !== undefined && leaf) return code(compact(fromConstant));
  if (n.default !== undefined) return code(compact(n.default));
  if (!leaf) return required || fromConstant !== undefined ? "" : "unset";
  return required ? "required" : "unset";
}

/** A description as a sentence (texts shared with error messages start lower-case). */
function sentence(text = ""): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Rows for `node` at `segments` and everything below it. */
function rows(
  node: Node,
  segments: string[],
  required: boolean,
  stacks: StackValues[],
  displayKey: (segments: string[]) => string,
  defaults?: unknown,
): Row[] {
  const row = (): Row => ({
    key: code(displayKey(segments)),
    type: cell(isLeaf(node) ? describeType(node) : required ? "section" : "optional section"),
    default: cell(defaultCell(node, required, defaults)),
    perStack: stacks.map((s) =>
      isLeaf(node)
        ? cell(stackCell(s, segments))
        : valueAt(s.values, segments).length
          ? "set"
          : "–",
    ),
    description: cell(sentence(node.description)),
  });
  if (isLeaf(node)) return [row()];
  const out: Row[] = [];
  // A section row says what the object is for; plain groupings without a text need none.
  if (node.description || !required) out.push(row());
  if (node.properties) {
    const requiredKeys = new Set(node.required ?? []);
    for (const [key, child] of Object.entries(node.properties)) {
      const sub = defaults && typeof defaults === "object" ? (defaults as never)[key] : undefined;
      out.push(...rows(child, [...segments, key], requiredKeys.has(key), stacks, displayKey, sub));
    }
  } else if (typeof node.additionalProperties === "object") {
    out.push(...rows(node.additionalProperties, [...segments, "<name>"], true, stacks, displayKey));
  }
  return out;
}

function table(stacks: StackValues[], body: Row[]): string {
  const header = ["Key", "Type", "Default", ...stacks.map((s) => s.name), "Description"];
  const lines = [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...body.map(
      (r) => `| ${[r.key, r.type, r.default, ...r.perStack, r.description].join(" | ")} |`,
    ),
  ];
  return lines.join("\n");
}

/** Every committed stack's values, as the program receives them, keyed like the schema. */
export function readStacks(root = ROOT): StackValues[] {
  const names = fs
    .readdirSync(root)
    .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
    .filter((n): n is string => n !== undefined)
    .sort((a, b) => {
      const rank = (n: string) => (STACK_ORDER.includes(n) ? STACK_ORDER.indexOf(n) : 99);
      return rank(a) - rank(b) || a.localeCompare(b);
    });
  return names.map((name) => {
    const loaded = loadStackConfig(root, name);
    const values: Record<string, unknown> = {};
    const secret = new Set<string>();
    for (const [fullKey, text] of Object.entries(loaded.config)) {
      if (loaded.placeholders.includes(fullKey)) continue; // not in the stack file
      const [namespace, key] = fullKey.split(":", 2);
      // Keys of other namespaces (`aws:region`) are read into the schema field of the same name.
      if (namespace !== PROJECT && !(key in stackConfigSchema.shape)) continue;
      let value: unknown = text;
      try {
        value = JSON.parse(text);
      } catch {
        // a plain string
      }
      values[key] = value;
      if (loaded.secretKeys.includes(fullKey)) secret.add(key);
    }
    return { name, values, secret };
  });
}

/** The reference as Markdown (before formatting). */
export function renderReference(stacks: StackValues[] = readStacks()): string {
  const schema = z.toJSONSchema(stackConfigSchema, {
    io: "input",
    unrepresentable: "any",
  }) as Node;
  // Keys read from another namespace keep that namespace in the reference (`aws:region`).
  const foreign = new Map<string, string>();
  for (const file of fs.readdirSync(ROOT).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))) {
    for (const key of Object.keys(loadStackConfig(ROOT, file.split(".")[1]).config)) {
      const [namespace, field] = key.split(":", 2);
      if (namespace !== PROJECT && field in stackConfigSchema.shape) foreign.set(field, key);
    }
  }
  const displayKey = (segments: string[]) =>
    segments.length === 1 && foreign.has(segments[0])
      ? foreign.get(segments[0])!
      : segments.join(".");

  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const topLevel: Row[] = [];
  const sections: string[] = [];
  for (const [key, node] of Object.entries(properties)) {
    if (isLeaf(node)) {
      topLevel.push(...rows(node, [key], required.has(key), stacks, displayKey));
      continue;
    }
    const own: Row[] = [];
    const subsections: string[] = [];
    const walk = (n: Node, segments: string[], req: boolean) => {
      const at = segments.join(".");
      if (at in DEFAULTS_FROM) {
        const body = rows(n, segments, req, stacks, displayKey, DEFAULTS_FROM[at]);
        const [head, ...fields] = body;
        own.push(head);
        subsections.push(
          `### ${code(at)}\n\n${cell(n.description ?? "")} Defaults: \`DEFAULT_ALERT_THRESHOLDS\` (components/observability/alertRules.ts, whose \`AlertThresholds\` documents each field); the alerts they drive are listed in [observability-metrics.md](observability-metrics.md#alerts).\n\n${table(stacks, fields)}`,
        );
        return;
      }
      if (isLeaf(n) || !n.properties) {
        own.push(...rows(n, segments, req, stacks, displayKey));
        return;
      }
      if (segments.length > 1 && (n.description || !req)) {
        own.push(rows({ ...n, properties: {} }, segments, req, stacks, displayKey)[0]);
      }
      const reqKeys = new Set(n.required ?? []);
      for (const [k, child] of Object.entries(n.properties)) {
        walk(child, [...segments, k], reqKeys.has(k));
      }
    };
    walk(node, [key], required.has(key));
    const optional = required.has(key) ? "" : " Optional section.";
    sections.push(
      [
        `## ${code(key)}`,
        `${cell(node.description ?? "")}${optional}`,
        table(stacks, own),
        ...subsections,
      ].join("\n\n"),
    );
  }

  return [
    "# Configuration reference",
    "<!-- Generated by `npm run docs:config` (tools/configReference.ts) from the schema in config.ts, DEFAULT_ALERT_THRESHOLDS and the Pulumi.<stack>.yaml files. Edit those, not this file: a test fails when it is stale. -->",
    `Every key lives in the \`${PROJECT}\` namespace except \`aws:region\`. \`config.ts\` parses them with one zod schema before any resource is registered: unknown keys are errors, and every problem is reported at once, naming its key and the valid form. Stacks differ only in these values.`,
    [
      "- **Default**: `required` means the stack must set the key (inside an optional section: when it sets the section); `unset` means the key is optional and has no default.",
      `- **${stacks.map((s) => s.name).join(", ")}**: the value in \`Pulumi.<stack>.yaml\`; \`–\` means the stack does not set the key (the default applies); \`secret\` means an encrypted value. For a map of named entries (\`<name>\`) each entry is shown by name.`,
      "- Secrets (`pagerdutyRoutingKey`, `slackWebhookUrl`) are set per deployment with `pulumi config set --secret` and are never committed in clear text; the offline plan uses a placeholder when a stack file does not hold them.",
    ].join("\n"),
    "## Top-level keys",
    table(stacks, topLevel),
    ...sections,
  ].join("\n\n");
}

/** The reference as committed: rendered, then formatted with the repository's Prettier config. */
export async function formattedReference(stacks?: StackValues[]): Promise<string> {
  const options = (await prettier.resolveConfig(REFERENCE_FILE)) ?? {};
  return prettier.format(renderReference(stacks), { ...options, filepath: REFERENCE_FILE });
}

async function main(argv: string[]): Promise<number> {
  const text = await formattedReference();
  const relative = path.relative(process.cwd(), REFERENCE_FILE);
  if (argv.includes("--check")) {
    const current = fs.existsSync(REFERENCE_FILE) ? fs.readFileSync(REFERENCE_FILE, "utf8") : "";
    if (current === text) return 0;
    console.error(`${relative} is stale; regenerate it with \`npm run docs:config\``);
    return 1;
  }
  fs.writeFileSync(REFERENCE_FILE, text);
  console.log(`wrote ${relative}`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
