import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import Ajv, { _ } from "ajv";
import { parse } from "yaml";
import { AJV_CACHE_DIR, cachedValidator, cachedYaml } from "./checkCache";
import { AJV_FORMATS_MODULE, CRD_FORMATS } from "./ajvFormats";

const newAjv = () =>
  new Ajv({
    strict: false,
    allErrors: true,
    formats: CRD_FORMATS,
    code: { source: true, formats: _`require(${AJV_FORMATS_MODULE}).CRD_FORMATS` },
  });

const NONCE = `${process.pid}-${Date.now()}`;

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
    const compiled = cachedValidator(newAjv(), s, "test-setup");
    const written = [...files()].filter((f) => !before.has(f));
    assert.equal(written.length, 1, "one generated validator written");
    const fromDisk = cachedValidator(newAjv(), s, "test-setup");
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
    cachedValidator(newAjv(), s, "test-setup");
    const changed = cachedValidator(newAjv(), schema(10), "test-setup");
    const value = { timeout: "1s", replicas: 5 };
    assert.equal(changed({ ...value, nonce: schema(10).properties.nonce.const }), true);
    const before = files();
    cachedValidator(newAjv(), s, "another-setup");
    assert.equal(
      [...files()].filter((f) => !before.has(f)).length,
      1,
      "another setup, another file",
    );
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
