import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { dependenciesOf } from "./options";

const COMPONENTS = path.resolve(__dirname, "..");

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [full] : [];
  });
}

describe("the dependsOn convention", () => {
  it("hands children opts.dependsOn as a list, whatever form it was given in", () => {
    const a = new pulumi.ComponentResource("acme:test:A", "a");
    const b = new pulumi.ComponentResource("acme:test:B", "b");
    assert.deepEqual(dependenciesOf(undefined), []);
    assert.deepEqual(dependenciesOf({}), []);
    assert.deepEqual(dependenciesOf({ dependsOn: a }), [a]);
    assert.deepEqual(dependenciesOf({ dependsOn: [a, b] }), [a, b]);
    assert.throws(
      () => dependenciesOf({ dependsOn: pulumi.output([a]) }),
      /dependsOn: pass a resource or an array of resources/,
    );
  });

  it("is the only one: no component takes dependsOn as an argument", () => {
    const offenders = sources(COMPONENTS)
      .filter((f) =>
        // A declared field (optional, or typed as resources), not an option literal.
        /^\s*(readonly\s+)?dependsOn(\?:|:\s*(pulumi\.)?(Input<)?[\w.<>]*Resource)/m.test(
          fs.readFileSync(f, "utf8"),
        ),
      )
      .map((f) => path.relative(COMPONENTS, f));
    assert.deepEqual(offenders, [], "take opts.dependsOn (components/lib/options.ts) instead");
  });
});
