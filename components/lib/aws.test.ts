import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

const COMPONENTS = path.resolve(__dirname, "..");

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [full] : [];
  });
}

/** Each `export interface <Name>Args ... { ... }` of a source, with its body. */
function argsInterfaces(text: string): Array<{ name: string; body: string }> {
  const found: Array<{ name: string; body: string }> = [];
  for (const m of text.matchAll(/export interface (\w+Args)\b[^{]*\{\n/g)) {
    const start = m.index + m[0].length;
    found.push({ name: m[1], body: text.slice(start, text.indexOf("\n}\n", start)) });
  }
  return found;
}

describe("the AWS context", () => {
  it("is the only place a component's arguments declare the account, partition or Region", () => {
    const sample =
      "export interface XArgs {\n  /** doc */\n  region: string;\n  name: string;\n}\n";
    assert.deepEqual(argsInterfaces(sample), [
      { name: "XArgs", body: "  /** doc */\n  region: string;\n  name: string;" },
    ]);
    const offenders: string[] = [];
    for (const file of sources(COMPONENTS)) {
      for (const { name, body } of argsInterfaces(fs.readFileSync(file, "utf8"))) {
        for (const field of ["accountId", "partition", "region"]) {
          if (new RegExp(`^  ${field}\\??:`, "m").test(body)) {
            offenders.push(`${path.relative(COMPONENTS, file)} ${name}.${field}`);
          }
        }
      }
    }
    assert.deepEqual(offenders, [], "extend AwsContext (components/lib/aws.ts) instead");
  });
});
