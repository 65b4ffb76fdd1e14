import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import Ajv, { type ErrorObject } from "ajv";
import { cachedPlan } from "../planCache";
import { revealSecrets } from "../stackExport";
import { CRD_FORMATS } from "./ajvFormats";
import { crdSchemaFile, stripNulls } from "./crdSchemas";
import { compactSchema } from "./schemaCompact";
import { hasShared, sharedDir } from "./shared";

type Schema = Record<string, unknown>;

const newAjv = (inlineRefs = true) =>
  new Ajv({ strict: false, allErrors: true, inlineRefs, formats: CRD_FORMATS });

/** What a check reports of an error, in order: everything but the schema path. */
const reported = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map((e) => [e.instancePath, e.keyword, e.params, e.message]);

/** Up to `limit` paths of objects and of string leaves in `doc`, depth first. */
function paths(doc: unknown, limit: number): { objects: string[][]; strings: string[][] } {
  const objects: string[][] = [];
  const strings: string[][] = [];
  const walk = (v: unknown, at: string[]) => {
    if (typeof v === "string" && strings.length < limit) strings.push(at);
    if (typeof v !== "object" || v === null) return;
    if (!Array.isArray(v) && objects.length < limit) objects.push(at);
    for (const [k, child] of Object.entries(v)) walk(child, [...at, k]);
  };
  walk(doc, []);
  return { objects, strings };
}

/** A copy of `doc` with `change` applied at `at`. */
function changed(doc: unknown, at: string[], change: (v: unknown) => unknown): unknown {
  const copy = structuredClone(doc) as Record<string, unknown>;
  if (at.length === 0) return change(copy);
  let parent = copy;
  for (const k of at.slice(0, -1)) parent = parent[k] as Record<string, unknown>;
  parent[at[at.length - 1]] = change(parent[at[at.length - 1]]);
  return copy;
}

/** The manifest itself and variants that break it in several places. */
function variants(manifest: unknown): unknown[] {
  const { objects, strings } = paths(manifest, 12);
  return [
    manifest,
    ...objects.map((at) => changed(manifest, at, (o) => ({ ...(o as Schema), zzUnknown: 1 }))),
    ...strings.map((at) => changed(manifest, at, () => 12345)),
    ...objects.slice(1).map((at) => changed(manifest, at, () => ["not", "an", "object"])),
  ];
}

describe("compactSchema", () => {
  const leaf = {
    type: "object",
    description: "A port.",
    properties: { name: { type: "string", maxLength: 15 }, port: { type: "integer" } },
    required: ["port"],
    additionalProperties: false,
  };
  const schema: Schema = {
    type: "object",
    description: "Root.",
    properties: {
      a: leaf,
      b: { ...leaf, description: "Another description, same structure." },
      c: { type: "array", items: leaf },
      description: { type: "string", enum: ["description", "title"], title: "A property" },
      d: {
        type: "object",
        default: { description: "kept: a value, not a schema" },
        "x-kubernetes-validations": [{ rule: "self.x > 0", message: "description" }],
      },
    },
    additionalProperties: false,
  };

  it("drops annotations, shares repeated subschemas by $ref, and leaves values alone", () => {
    const compact = compactSchema(schema);
    const properties = compact.properties as Record<string, Schema>;
    assert.equal(compact.description, undefined);
    assert.deepEqual(properties.a, { $ref: "#/definitions/s0" });
    assert.deepEqual(properties.b, { $ref: "#/definitions/s0" }, "differs only in description");
    assert.deepEqual((properties.c.items as Schema).$ref, "#/definitions/s0");
    assert.deepEqual(compact.definitions, {
      s0: {
        type: "object",
        properties: { name: { type: "string", maxLength: 15 }, port: { type: "integer" } },
        required: ["port"],
        additionalProperties: false,
      },
    });
    // A property called "description" stays; its enum values and the default's keys too.
    assert.deepEqual(properties.description, { type: "string", enum: ["description", "title"] });
    assert.deepEqual(properties.d, (schema.properties as Record<string, Schema>).d);
    assert.equal(schema.description, "Root.", "the input is not modified");
  });

  it("validates and reports errors exactly as the original schema", () => {
    const original = newAjv().compile(schema);
    const compact = newAjv(false).compile(compactSchema(schema));
    const docs = [
      { a: { port: 1 }, b: { port: 2, name: "http" }, c: [{ port: 3 }], description: "title" },
      { a: { port: "1" }, b: { name: "a-name-longer-than-15" }, c: [{ port: 3, extra: 1 }, {}] },
      { a: [], description: "other", e: 1 },
      "not an object",
    ];
    for (const doc of docs) {
      assert.equal(compact(doc), original(doc), JSON.stringify(doc));
      assert.deepEqual(reported(compact.errors), reported(original.errors), JSON.stringify(doc));
    }
    assert.ok(reported(original.errors).length > 0, "the cases include failures");
  });

  it("returns a schema that already uses references unchanged", () => {
    const withRefs = { definitions: { x: leaf }, properties: { a: { $ref: "#/definitions/x" } } };
    assert.equal(compactSchema(withRefs), withRefs);
  });

  // Every custom resource kind prod renders but Argo's workflow kinds (their uncompacted schema
  // takes seconds to compile; they are covered by the same rewrite), in original and broken forms.
  it(
    "judges prod's custom resources exactly as the catalog's CRD schemas do",
    { skip: !hasShared() },
    () => {
      const byFile = new Map<string, unknown[]>();
      for (const r of cachedPlan("prod").checkable) {
        if (!r.type.startsWith("kubernetes:") || r.type.startsWith("pulumi:")) continue;
        const manifest = stripNulls(revealSecrets(r.inputs)) as Schema;
        const file = crdSchemaFile(String(manifest.apiVersion), String(manifest.kind));
        if (!file || file.includes("/argoproj.io/Workflow")) continue;
        byFile.set(file, [...(byFile.get(file) ?? []), manifest]);
      }
      assert.ok(byFile.size >= 10, `prod renders kinds of ${byFile.size} CRDs`);
      let failures = 0;
      for (const [file, manifests] of byFile) {
        const schema = JSON.parse(fs.readFileSync(path.join(sharedDir(), file), "utf8")) as Schema;
        delete schema.$schema;
        delete schema.$id;
        const original = newAjv().compile(schema);
        const compact = newAjv(false).compile(compactSchema(schema));
        for (const doc of manifests.flatMap(variants)) {
          const verdict = original(doc);
          assert.equal(compact(doc), verdict, `${file}: ${JSON.stringify(doc)}`);
          assert.deepEqual(reported(compact.errors), reported(original.errors), file);
          if (!verdict) failures++;
        }
      }
      assert.ok(failures > 100, `the variants include failures (${failures})`);
    },
  );
});
