/**
 * Shrinks a CRD schema before Ajv compiles it, without changing what it accepts or the errors it
 * reports. CRD schemas inline every type where it is used, so one structure is repeated many times:
 * Argo's WorkflowTemplate (1.9 MB) restates the container, volume and artifact schemas dozens of
 * times, and Ajv generated 8 MB of code for it, which took about 1.5 s to load and run once and
 * about 7 s to compile. Two rewrites cut that code about tenfold:
 *
 * - Annotations Ajv never evaluates (`description`, `title`, `$comment`) are dropped, so that
 *   structures differing only in their documentation become identical.
 * - Every subschema of at least {@link MIN_SHARED_CHARS} that occurs more than once moves to
 *   `definitions` and is referenced by `$ref`, so Ajv generates one function for it.
 *
 * Both keep validation and error reports the same: a `$ref`-only subschema validates exactly as the
 * subschema it replaces (Ajv reports the referenced function's errors at the same instance path),
 * and annotations carry no assertion. Only schema positions are rewritten (`properties` values,
 * `items`, `allOf`, ...), never `enum`, `default` or `x-kubernetes-*` values. A schema that already
 * uses `$ref`, `$id`, `$anchor` or definitions is returned as it is: Kubernetes structural schemas have none.
 */

/** Smaller repeated subschemas are left inline: a function call would cost more than it saves. */
export const MIN_SHARED_CHARS = 100;

/** This module's path, for the cache keys of the validators compiled from its output. */
export const SCHEMA_COMPACT_MODULE = __filename;

type Schema = Record<string, unknown>;

/** Keywords whose value is a map of name to subschema. */
const SCHEMA_MAPS = ["properties", "patternProperties", "dependencies"] as const;
/** Keywords whose value is one subschema. */
const SCHEMA_ONE = [
  "additionalProperties",
  "additionalItems",
  "items",
  "not",
  "if",
  "then",
  "else",
  "propertyNames",
  "contains",
] as const;
/** Keywords whose value is a list of subschemas. */
const SCHEMA_LISTS = ["allOf", "anyOf", "oneOf", "items"] as const;
/** Keywords that would make hoisting change meaning (resolution scope) or collide with ours. */
const REFERENCING = new Set([
  "$ref",
  "$id",
  "$anchor",
  "$recursiveRef",
  "$dynamicRef",
  "definitions",
  "$defs",
]);
/** Annotations: Ajv never evaluates them (they are not in error messages either). */
const ANNOTATIONS = new Set(["description", "title", "$comment"]);

const isSchema = (v: unknown): v is Schema =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** `schema` with `f` applied to each direct subschema (a shallow copy; `schema` is not changed). */
function mapSubschemas(schema: Schema, f: (sub: Schema) => Schema): Schema {
  const out: Schema = { ...schema };
  for (const k of SCHEMA_MAPS) {
    const map = schema[k];
    if (isSchema(map)) {
      // `dependencies` values may also be lists of property names: those stay.
      out[k] = Object.fromEntries(
        Object.entries(map).map(([name, v]) => [name, isSchema(v) ? f(v) : v]),
      );
    }
  }
  for (const k of SCHEMA_ONE) if (isSchema(schema[k])) out[k] = f(schema[k]);
  for (const k of SCHEMA_LISTS) {
    const list = schema[k];
    if (Array.isArray(list)) out[k] = list.map((v) => (isSchema(v) ? f(v) : v));
  }
  return out;
}

function usesReferences(schema: Schema): boolean {
  if (Object.keys(schema).some((k) => REFERENCING.has(k))) return true;
  let found = false;
  mapSubschemas(schema, (sub) => {
    found ||= usesReferences(sub);
    return sub;
  });
  return found;
}

function withoutAnnotations(schema: Schema): Schema {
  const kept = Object.fromEntries(Object.entries(schema).filter(([k]) => !ANNOTATIONS.has(k)));
  return mapSubschemas(kept, withoutAnnotations);
}

/** The compacted schema: same verdicts and errors as `schema`, much less generated code. */
export function compactSchema(schema: Schema): Schema {
  if (usesReferences(schema)) return schema;
  const bare = withoutAnnotations(schema);

  // How often each large subschema occurs (its JSON text is its identity).
  const counts = new Map<string, number>();
  const count = (sub: Schema): Schema => {
    const text = JSON.stringify(sub);
    if (text.length >= MIN_SHARED_CHARS) counts.set(text, (counts.get(text) ?? 0) + 1);
    return mapSubschemas(sub, count);
  };
  mapSubschemas(bare, count);

  const definitions: Record<string, Schema> = {};
  const names = new Map<string, string>();
  const share = (sub: Schema): Schema => {
    const text = JSON.stringify(sub);
    if ((counts.get(text) ?? 0) < 2) return mapSubschemas(sub, share);
    let name = names.get(text);
    if (!name) {
      name = `s${names.size}`;
      names.set(text, name);
      definitions[name] = mapSubschemas(sub, share);
    }
    return { $ref: `#/definitions/${name}` };
  };
  const root = mapSubschemas(bare, share);
  return names.size > 0 ? { ...root, definitions } : root;
}
