/**
 * The shared name and code formats, and a guard that they stay defined once: no other TypeScript
 * file in the repository may define its own DNS label pattern, Region pattern or reserved
 * namespace list, or inline a copy of one of the patterns.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import {
  DNS_LABEL,
  DNS_LABEL_FORM,
  DNS_LABEL_MAX_LENGTH,
  isAwsRegion,
  isDnsLabel,
  isReservedNamespace,
  REGION,
  RESERVED_NAMESPACES,
} from "./index";

const REPO_ROOT = path.resolve(__dirname, "../..");
const HOME = path.join("components", "lib", "validators.ts");

describe("DNS_LABEL", () => {
  const accepted = ["a", "0", "ab", "a-b", "a--b", "monitoring", "team-a1", "1abc", "a".repeat(63)];
  const rejected = [
    "",
    "-a",
    "a-",
    "-",
    "A",
    "Team",
    "a_b",
    "a.b",
    "a b",
    "é",
    "a\n",
    "a".repeat(64),
  ];
  for (const v of accepted) {
    it(`accepts ${JSON.stringify(v.length > 20 ? `${v.slice(0, 3)}… (${v.length})` : v)}`, () => {
      assert.ok(DNS_LABEL.test(v));
      assert.ok(isDnsLabel(v));
    });
  }
  for (const v of rejected) {
    it(`rejects ${JSON.stringify(v.length > 20 ? `${v.slice(0, 3)}… (${v.length})` : v)}`, () => {
      assert.ok(!DNS_LABEL.test(v));
      assert.ok(!isDnsLabel(v));
    });
  }

  it("bounds the length itself: the old unbounded copy accepted 64 characters, this one does not", () => {
    // Three components used /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, which has no length bound; two of
    // them added a separate length check and one (argoEvents storageClassName) did not.
    const unbounded = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
    const tooLong = `a${"-b".repeat(31)}c`; // 64 characters
    assert.equal(tooLong.length, DNS_LABEL_MAX_LENGTH + 1);
    assert.ok(unbounded.test(tooLong));
    assert.ok(!DNS_LABEL.test(tooLong));
    assert.ok(DNS_LABEL.test(tooLong.slice(0, DNS_LABEL_MAX_LENGTH)));
  });

  it("rejects non-strings", () => {
    for (const v of [undefined, null, 1, ["a"], { a: 1 }]) assert.ok(!isDnsLabel(v));
  });

  it("describes its form for error messages with the same length bound", () => {
    assert.match(DNS_LABEL_FORM, new RegExp(`at most ${DNS_LABEL_MAX_LENGTH} characters`));
  });
});

describe("REGION", () => {
  const accepted = [
    "eu-west-1",
    "us-east-2",
    "ap-southeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "cn-north-1",
    "il-central-1",
    "us-gov-west-1",
    "us-iso-east-1",
    "us-isob-east-1",
  ];
  const rejected = [
    "",
    "eu-west",
    "euwest1",
    "EU-WEST-1",
    "eu-west-12",
    "eu_west_1",
    " eu-west-1",
    "eu-west-1a", // an Availability Zone, not a Region
    "europe-west-1",
    "eu-west-north-1", // accepted by the old monitoring copy /^[a-z]{2}(-[a-z]+)+-\d$/
    "us-foo-west-1",
  ];
  for (const v of accepted) {
    it(`accepts ${JSON.stringify(v)}`, () => {
      assert.ok(REGION.test(v));
      assert.ok(isAwsRegion(v));
    });
  }
  for (const v of rejected) {
    it(`rejects ${JSON.stringify(v)}`, () => {
      assert.ok(!REGION.test(v));
      assert.ok(!isAwsRegion(v));
    });
  }

  it("rejects a partition marker the old monitoring copy accepted", () => {
    const monitoringCopy = /^[a-z]{2}(-[a-z]+)+-\d$/;
    for (const v of ["eu-west-north-1", "us-foo-west-1"]) {
      assert.ok(monitoringCopy.test(v), v);
      assert.ok(!REGION.test(v), v);
    }
  });

  it("rejects non-strings", () => {
    for (const v of [undefined, null, 1, ["eu-west-1"]]) assert.ok(!isAwsRegion(v));
  });
});

describe("RESERVED_NAMESPACES", () => {
  it("is exactly the namespaces Kubernetes creates", () => {
    assert.deepEqual([...RESERVED_NAMESPACES].sort(), [
      "default",
      "kube-node-lease",
      "kube-public",
      "kube-system",
    ]);
  });

  it("cannot be changed at run time", () => {
    assert.ok(Object.isFrozen(RESERVED_NAMESPACES));
  });

  for (const v of RESERVED_NAMESPACES) {
    it(`reserves ${v}`, () => assert.ok(isReservedNamespace(v)));
  }
  for (const v of ["monitoring", "kube-systems", "Default", "kube", "", "kube-flannel"]) {
    it(`does not reserve ${JSON.stringify(v)}`, () => assert.ok(!isReservedNamespace(v)));
  }
});

/** A definition or an inline copy of one of the shared formats, found in one file's text. */
const COPIES: Array<[string, RegExp]> = [
  ["a DNS_LABEL pattern definition", /\bconst\s+DNS_LABEL\b[^=]*=\s*(\/|new\s+RegExp|RegExp\()/],
  ["a REGION pattern definition", /\bconst\s+REGION\b[^=]*=\s*(\/|new\s+RegExp|RegExp\()/],
  ["a RESERVED_NAMESPACES definition", /\bRESERVED_NAMESPACES\b[^=\n;(),]*=(?![=>])/],
  [
    "an inline DNS-1123 label pattern",
    /\^\[a-z0-9\]\(\[(-a-z0-9|a-z0-9-)\](\*|\{0,61\})\[a-z0-9\]\)\?\$/,
  ],
  ["an inline AWS Region pattern", /\^\[a-z\]\{2\}\(-/],
  [
    "a DNS_SUBDOMAIN, GO_DURATION or PROM_DURATION definition",
    /\bconst\s+(DNS_SUBDOMAIN|GO_DURATION|PROM_DURATION|DURATION)\b[^=]*=\s*(\/|new\s+RegExp|RegExp\()/,
  ],
  ["an inline reserved namespace list", /["'`]kube-node-lease["'`]/],
  [
    "an ENV_NAME, FQDN or HOSTED_ZONE_ID definition",
    /\bconst\s+(ENV_NAME|FQDN|HOST_NAME|HOSTED_ZONE_ID)\b[^=]*=\s*(\/|new\s+RegExp|RegExp\()/,
  ],
];

function copiesIn(text: string): string[] {
  const found: string[] = [];
  text.split("\n").forEach((line, i) => {
    for (const [what, re] of COPIES) if (re.test(line)) found.push(`line ${i + 1}: ${what}`);
  });
  return found;
}

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(full);
    return entry.isFile() && entry.name.endsWith(".ts") ? [full] : [];
  });
}

describe("the shared formats are defined once", () => {
  it("the guard recognises each kind of copy", () => {
    const samples = [
      "const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;",
      "export const DNS_LABEL: RegExp = new RegExp('x');",
      "const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\\d$/;",
      "const RESERVED_NAMESPACES = ['default'];",
      "export const RESERVED_NAMESPACES: string[] = [];",
      "if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(ns)) {",
      "z.string().regex(/^[a-z]{2}(-[a-z]+)+-\\d$/)",
      'const blocked = new Set(["kube-system", "kube-node-lease"]);',
      "const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;",
      "const DURATION = /^\\d+[smhd]$/;",
      "const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;",
      "const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;",
    ];
    for (const s of samples) assert.notDeepEqual(copiesIn(s), [], s);
    for (const s of [
      'const REGION = "eu-west-1";',
      "if (RESERVED_NAMESPACES.includes(ns)) {",
      "DNS_LABEL.test(name)",
      "import { DNS_LABEL, REGION, RESERVED_NAMESPACES } from '../lib';",
    ]) {
      assert.deepEqual(copiesIn(s), [], s);
    }
  });

  it(`no TypeScript file outside ${HOME} defines or inlines them`, () => {
    const files = tsFiles(REPO_ROOT);
    assert.ok(
      files.some((f) => path.relative(REPO_ROOT, f) === HOME),
      "the scan reaches its home",
    );
    assert.ok(files.length > 100, `the scan found only ${files.length} files`);
    const offenders = files
      .filter((f) => path.relative(REPO_ROOT, f) !== HOME && f !== __filename)
      .flatMap((f) =>
        copiesIn(fs.readFileSync(f, "utf8")).map((c) => `${path.relative(REPO_ROOT, f)} ${c}`),
      );
    assert.deepEqual(
      offenders,
      [],
      `import DNS_LABEL, REGION and RESERVED_NAMESPACES (or isDnsLabel, isAwsRegion, isReservedNamespace) from components/lib instead of redefining them:\n${offenders.join("\n")}`,
    );
  });
});
