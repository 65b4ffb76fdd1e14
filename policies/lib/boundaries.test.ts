/**
 * The pack's boundaries: it is used on its own (`pulumi preview --policy-pack policies`), so
 * nothing under policies/ imports the rest of the project (tools/ imports policies/, never the
 * reverse), and only `policyInternals.ts` reaches past @pulumi/policy's public API. Also: an
 * export of tools/ or policies/ marked `@internal` (kept for tests) is imported by tests only.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { UNKNOWN } from "./policyInternals";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const PACK_ROOT = path.join(REPO_ROOT, "policies");
const ADAPTER = path.join(PACK_ROOT, "lib", "policyInternals.ts");
const SKIPPED_DIRS = new Set(["node_modules", "bin", "out", ".git"]);

/**
 * Every `.ts` file under `dir`, dependencies and build output left out, and this file, whose
 * samples spell what it looks for.
 */
function typeScriptFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return SKIPPED_DIRS.has(entry.name) ? [] : typeScriptFiles(full);
    }
    return entry.name.endsWith(".ts") && full !== __filename ? [full] : [];
  });
}

const IMPORT_PATTERNS = [
  // import x from "m"; import type { x } from "m"; export { x } from "m"; export * from "m"
  /\b(?:import|export)\s[^;'"`]*?\bfrom\s*["']([^"']+)["']/g,
  // import "m";
  /\bimport\s*["']([^"']+)["']/g,
  // import("m"), require("m"), require.resolve("m")
  /\b(?:import|require|require\.resolve)\s*\(\s*["']([^"']+)["']\s*\)/g,
];

/** The module specifiers a TypeScript source imports, in any of its import forms. */
function importSpecifiers(source: string): string[] {
  return IMPORT_PATTERNS.flatMap((pattern) => [...source.matchAll(pattern)].map((m) => m[1]));
}

function relative(file: string): string {
  return path.relative(REPO_ROOT, file).split(path.sep).join("/");
}

describe("import scanning", () => {
  test("finds every import form", () => {
    const source = [
      'import * as a from "./a";',
      'import type { B } from "../b";',
      "import {\n  c,\n  type C,\n} from '../../tools/c';",
      'export { d } from "./d";',
      'export * from "./e";',
      'import "./f";',
      'const g = await import("./g");',
      'const h = require("../h");',
      'const i = require.resolve("@pulumi/policy/package.json");',
    ].join("\n");
    assert.deepEqual(importSpecifiers(source).sort(), [
      "../../tools/c",
      "../b",
      "../h",
      "./a",
      "./d",
      "./e",
      "./f",
      "./g",
      "@pulumi/policy/package.json",
    ]);
  });
});

describe("policy pack boundaries", () => {
  test("nothing under policies/ imports a file outside it (tools/ included)", () => {
    const leaks = typeScriptFiles(PACK_ROOT).flatMap((file) =>
      importSpecifiers(fs.readFileSync(file, "utf8"))
        .filter((spec) => spec.startsWith("."))
        .filter((spec) => {
          const target = path.resolve(path.dirname(file), spec);
          return path.relative(PACK_ROOT, target).startsWith("..");
        })
        .map((spec) => `${relative(file)} imports "${spec}"`),
    );
    assert.deepEqual(
      leaks,
      [],
      "The policy pack runs on its own (--policy-pack policies), so policies/ must not import " +
        "tools/ or any other project file; tools/ may import policies/. Move what the pack needs " +
        `into policies/lib:\n${leaks.join("\n")}`,
    );
  });

  test("only policyInternals.ts reaches past @pulumi/policy's public API", () => {
    const sentinels = Object.values(UNKNOWN);
    const files = typeScriptFiles(REPO_ROOT).filter(
      (f) => f !== ADAPTER && f !== ADAPTER.replace(/\.ts$/, ".test.ts"),
    );
    const problems = files.flatMap((file) => {
      const source = fs.readFileSync(file, "utf8");
      const found: string[] = [];
      for (const spec of importSpecifiers(source)) {
        if (spec.startsWith("@pulumi/policy/")) found.push(`imports "${spec}"`);
      }
      // Named imports are checked against the public typings; a namespace or default import (or
      // require) is how code gets at members the typings strip.
      if (/\bimport\s+(?!type\b)[^{;]*\bfrom\s*["']@pulumi\/policy["']/.test(source)) {
        found.push("imports @pulumi/policy as a namespace or default; use named imports");
      }
      if (/\brequire\s*\(\s*["']@pulumi\/policy["']/.test(source)) {
        found.push("requires @pulumi/policy");
      }
      if (source.includes("__pulumiType")) found.push("uses the __pulumiType tag");
      for (const sentinel of sentinels) {
        if (source.includes(sentinel)) found.push(`spells the unknown-value sentinel ${sentinel}`);
      }
      return found.map((what) => `${relative(file)} ${what}`);
    });
    assert.ok(files.length > 100, `scanned only ${files.length} files`);
    assert.deepEqual(
      problems,
      [],
      "@pulumi/policy internals go through policies/lib/policyInternals.ts (its test pins the " +
        `version they were verified against):\n${problems.join("\n")}`,
    );
  });
});

/** Files that only tests load: test files, and the helper modules and fixtures they share. */
function isTestCode(file: string): boolean {
  const rel = relative(file);
  return (
    rel.endsWith(".test.ts") ||
    rel === "tools/testing.ts" ||
    rel === "policies/lib/testing.ts" ||
    rel.startsWith("policies/fixtures/")
  );
}

/** Names a file exports under a JSDoc block that carries `@internal`. */
function internalExports(source: string): string[] {
  const pattern =
    /\/\*\*(?:(?!\*\/)[\s\S])*?@internal(?:(?!\*\/)[\s\S])*?\*\/\s*export\s+(?:async\s+)?(?:function|const|let|class|interface|type)\s+(\w+)/g;
  return [...source.matchAll(pattern)].map((m) => m[1]);
}

/** `[name, specifier]` for each name a source imports with `import { ... } from`. */
function namedImports(source: string): Array<[string, string]> {
  const pattern = /\bimport\s+(?:type\s+)?\{([^}]*)\}\s*from\s*["']([^"']+)["']/g;
  return [...source.matchAll(pattern)].flatMap((m) =>
    m[1]
      .split(",")
      .map(
        (part) =>
          part
            .trim()
            .replace(/^type\s+/, "")
            .split(/\s+as\s+/)[0],
      )
      .filter((name) => name !== "")
      .map((name): [string, string] => [name, m[2]]),
  );
}

describe("test-only exports", () => {
  test("finds @internal exports and named imports", () => {
    const source = [
      "/** Kept. */\nexport function kept() {}",
      "/**\n * For tests.\n * @internal Exported for tests only.\n */\nexport function probe() {}",
      "/** @internal */\nexport interface Shape {}",
    ].join("\n");
    assert.deepEqual(internalExports(source), ["probe", "Shape"]);
    assert.deepEqual(namedImports('import { a, type B, c as d } from "./m";'), [
      ["a", "./m"],
      ["B", "./m"],
      ["c", "./m"],
    ]);
  });

  test("an @internal export of tools/ or policies/ is imported by tests only", () => {
    const files = [
      ...typeScriptFiles(path.join(REPO_ROOT, "tools")),
      ...typeScriptFiles(PACK_ROOT),
    ];
    const internal = new Map<string, Set<string>>();
    for (const file of files) {
      const names = internalExports(fs.readFileSync(file, "utf8"));
      if (names.length > 0) internal.set(file.replace(/\.ts$/, ""), new Set(names));
    }
    assert.ok(internal.size > 0, "no @internal export found; is the pattern stale?");
    const misuses = typeScriptFiles(REPO_ROOT)
      .filter((file) => !isTestCode(file))
      .flatMap((file) =>
        namedImports(fs.readFileSync(file, "utf8"))
          .filter(([, spec]) => spec.startsWith("."))
          .filter(([name, spec]) => {
            const target = path.resolve(path.dirname(file), spec);
            const names = internal.get(target) ?? internal.get(path.join(target, "index"));
            return names?.has(name) === true;
          })
          .map(([name, spec]) => `${relative(file)} imports ${name} from "${spec}"`),
      );
    assert.deepEqual(
      misuses,
      [],
      "These exports are marked @internal (kept for tests); production code that needs one " +
        `should drop the tag and treat it as API:\n${misuses.join("\n")}`,
    );
  });
});
