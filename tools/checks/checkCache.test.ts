import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import Ajv, { _ } from "ajv";
import { parse } from "yaml";
import { AJV_CACHE_DIR, cachedValidator, cachedYaml, sourceHash } from "./checkCache";
import { AJV_FORMATS_MODULE, CRD_FORMATS } from "./ajvFormats";

const newAjv = () =>
  new Ajv({
    strict: false,
    allErrors: true,
    formats: CRD_FORMATS,
    code: { source: true, formats: _`require(${AJV_FORMATS_MODULE}).CRD_FORMATS` },
  });

const NONCE = `${process.pid}-${Date.now()}`;

/** A validator source for `schema` that counts its compilations (cache misses). */
function sourceOf(schema: object, setup: string, schemaText = JSON.stringify(schema)) {
  const source = {
    schemaText,
    setup,
    compiles: 0,
    compile: () => {
      source.compiles++;
      const ajv = newAjv();
      return { ajv, validate: ajv.compile(JSON.parse(source.schemaText) as object) };
    },
  };
  return source;
}

/** A schema no other test compiles, so this test decides whether it is cached. */
function schema(maximum: number) {
  return {
    type: "object",
    required: ["timeout"],
    properties: {
      timeout: { type: "string", format: "duration" },
      replicas: { type: "integer", maximum },
      nonce: { const: NONCE },
    },
    additionalProperties: false,
  };
}

const files = () => new Set(fs.existsSync(AJV_CACHE_DIR) ? fs.readdirSync(AJV_CACHE_DIR) : []);

describe("cached schema validators and parsed YAML", () => {
  it("serves from disk a validator that judges exactly as the compiled one, errors included", () => {
    const s = schema(3);
    const before = files();
    const first = sourceOf(s, "test-setup");
    const compiled = cachedValidator(first);
    assert.equal(first.compiles, 1, "a miss compiles");
    const written = [...files()].filter((f) => !before.has(f));
    assert.equal(written.length, 1, "one generated validator written");
    const second = sourceOf(s, "test-setup");
    const fromDisk = cachedValidator(second);
    assert.equal(second.compiles, 0, "a hit compiles nothing");
    assert.notEqual(fromDisk, compiled, "the second call loads the generated module");
    const cases = [
      { timeout: "90s", replicas: 3, nonce: s.properties.nonce.const },
      { timeout: "soon", replicas: 3, nonce: s.properties.nonce.const },
      { timeout: "1h30m", replicas: 4, nonce: s.properties.nonce.const, extra: true },
      { replicas: "two" },
    ];
    for (const c of cases) {
      assert.equal(fromDisk(c), compiled(c), JSON.stringify(c));
      assert.deepEqual(fromDisk.errors ?? null, compiled.errors ?? null, JSON.stringify(c));
    }
    // The custom Go-duration format is enforced by the generated code too.
    assert.equal(fromDisk(cases[1]), false);
    assert.match(JSON.stringify(fromDisk.errors), /must match format \\"duration\\"/);
  });

  it("never serves a stale validator: a changed schema or setup is compiled anew", () => {
    const s = schema(3);
    cachedValidator(sourceOf(s, "test-setup"));
    const changedSource = sourceOf(schema(10), "test-setup");
    const changed = cachedValidator(changedSource);
    assert.equal(changedSource.compiles, 1, "a changed schema is a miss");
    const value = { timeout: "1s", replicas: 5 };
    assert.equal(changed({ ...value, nonce: schema(10).properties.nonce.const }), true);
    const before = files();
    cachedValidator(sourceOf(s, "another-setup"));
    assert.equal(
      [...files()].filter((f) => !before.has(f)).length,
      1,
      "another setup, another file",
    );
  });

  it("recompiles a schema file edited in place: the old verdict is not served", () => {
    // As crdSchemas.ts and helmValues.ts do: the key is the file's text, read on every run.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "schema-cache-"));
    const file = path.join(dir, "Thing.v1.json");
    const read = () => sourceOf({}, "test-setup", fs.readFileSync(file, "utf8"));
    const doc = { timeout: "90s", replicas: 5, nonce: NONCE };
    fs.writeFileSync(file, JSON.stringify(schema(10), null, 2));
    assert.equal(cachedValidator(read())(doc), true);
    const hit = read();
    assert.equal(cachedValidator(hit)(doc), true);
    assert.equal(hit.compiles, 0, "unchanged file: served from the cache");

    fs.writeFileSync(file, JSON.stringify(schema(3), null, 2));
    const edited = read();
    const validate = cachedValidator(edited);
    assert.equal(edited.compiles, 1, "edited file: compiled again");
    assert.equal(validate(doc), false);
    assert.deepEqual(
      validate.errors?.map((e) => [e.instancePath, e.message]),
      [["/replicas", "must be <= 3"]],
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("hashes each setup module's path with its content: generated code requires the formats module by path", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "setup-hash-"));
    const a = path.join(dir, "a.ts");
    const b = path.join(dir, "b.ts");
    fs.writeFileSync(a, "export const X = 1;\n");
    fs.writeFileSync(b, "export const X = 1;\n");
    assert.equal(sourceHash(a), sourceHash(a));
    assert.notEqual(sourceHash(a), sourceHash(b), "same content, other path");
    fs.writeFileSync(b, "export const X = 2;\n");
    const before = sourceHash(b);
    fs.writeFileSync(b, "export const X = 3;\n");
    assert.notEqual(sourceHash(b), before, "same path, other content");
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("parses a YAML file once and serves the same document until its content changes", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "yaml-cache-"));
    const file = path.join(dir, "values.yaml");
    fs.writeFileSync(file, `replicas: 2\nimage:\n  tag: "${process.pid}"\nlist: [a, b]\nempty:\n`);
    const first = cachedYaml(file);
    assert.deepEqual(first, parse(fs.readFileSync(file, "utf8")));
    assert.deepEqual(cachedYaml(file), first);
    fs.writeFileSync(file, `replicas: 3\nimage:\n  tag: "${process.pid}"\n`);
    assert.deepEqual(cachedYaml(file), { replicas: 3, image: { tag: String(process.pid) } });
    assert.equal(cachedYaml(path.join(dir, "missing.yaml")), undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
