/**
 * The coverage report's logic on small, made-up control sets and rules (which controls apply,
 * how rules, waivers and a disabled rule decide a status, the counts), and the reviewed waivers
 * against the real shared control set.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { WAIVERS } from "../waivers";
import {
  applicableControls,
  type Control,
  controlTypes,
  CoverageError,
  coverageOf,
  coverageSummary,
  formatCoverage,
  loadControls,
  stackOfExport,
  waiversFor,
} from "./coverage";
import type { AcmePolicy } from "./policy";

const control = (id: string, category: Control["category"], ...types: string[]): Control => ({
  id,
  title: `${id} title`,
  category,
  resourceType: types[0],
  altResourceTypes: types.slice(1),
  severity: "medium",
});

const CONTROLS = [
  control("KEY.1", "at-rest", "aws:kms/key:Key"),
  control("KEY.2", "resilience", "aws:kms/key:Key"),
  control(
    "LOG.1",
    "logging",
    "aws:s3/bucketLogging:BucketLogging",
    "aws:s3/bucket:Bucket.loggings (legacy)",
  ),
  control("VER.1", "resilience", "aws:s3/bucketVersioning:BucketVersioning"),
  control("SEARCH.1", "at-rest", "aws:opensearch/domain:Domain"),
];

const rule = (name: string, ...controls: string[]): AcmePolicy =>
  ({ name, controls, enforcementLevel: "mandatory" }) as unknown as AcmePolicy;

const RULES = [rule("acme-kms-key-rule", "KEY.1"), rule("acme-s3-bucket-rule", "LOG.1")];

describe("coverage", () => {
  test("reads a control's types without notes or a trailing property", () => {
    assert.deepEqual(controlTypes(CONTROLS[2]), [
      "aws:s3/bucketLogging:BucketLogging",
      "aws:s3/bucket:Bucket",
    ]);
  });

  test("applies a control on a bucket's side resource wherever a bucket is", () => {
    const ids = (types: string[]) => applicableControls(CONTROLS, new Set(types)).map((c) => c.id);
    assert.deepEqual(ids(["aws:s3/bucket:Bucket"]), ["LOG.1", "VER.1"]);
    assert.deepEqual(ids(["aws:kms/key:Key"]), ["KEY.1", "KEY.2"]);
    assert.deepEqual(ids(["aws:sqs/queue:Queue"]), []);
  });

  test("marks each applicable control enforced, waived or missing and counts by category", () => {
    const report = coverageOf(new Set(["aws:kms/key:Key", "aws:s3/bucket:Bucket"]), {
      stack: "dev",
      controls: CONTROLS,
      policies: RULES,
      waivers: [
        { control: "VER.1", reason: "log buckets only", stacks: ["dev"] },
        { control: "SEARCH.1", reason: "not applicable here" },
      ],
    });
    assert.deepEqual(
      report.entries.map((e) => [e.control, e.status, e.rules, e.reason]),
      [
        ["KEY.1", "enforced", ["acme-kms-key-rule (mandatory)"], undefined],
        ["KEY.2", "missing", [], undefined],
        ["LOG.1", "enforced", ["acme-s3-bucket-rule (mandatory)"], undefined],
        ["VER.1", "waived", [], "log buckets only"],
      ],
    );
    assert.deepEqual(report.total, { enforced: 2, waived: 1, missing: 1 });
    assert.deepEqual(report.byCategory.resilience, { enforced: 0, waived: 1, missing: 1 });
    assert.equal(coverageSummary(report), "4 applicable controls: 2 enforced, 1 waived, 1 missing");
    const lines = formatCoverage(report);
    assert.equal(
      lines[0],
      'Coverage of stack "dev": 4 applicable controls: 2 enforced, 1 waived, 1 missing',
    );
    assert.match(lines.join("\n"), /missing +KEY\.2 +resilience +no rule names it/);
  });

  test("a stack-scoped waiver holds for its stacks only", () => {
    const waivers = [{ control: "VER.1", reason: "dev only", stacks: ["dev"] }];
    assert.deepEqual([...waiversFor(waivers, CONTROLS, "dev").keys()], ["VER.1"]);
    assert.deepEqual([...waiversFor(waivers, CONTROLS, "prod").keys()], []);
  });

  test("a rule the stack's pack config disables enforces nothing", () => {
    const report = coverageOf(new Set(["aws:kms/key:Key"]), {
      stack: "dev",
      controls: CONTROLS,
      policies: RULES,
      waivers: [],
      config: { "acme-kms-key-rule": "disabled" },
    });
    assert.deepEqual(report.entries[0], {
      control: "KEY.1",
      category: "at-rest",
      title: "KEY.1 title",
      status: "missing",
      rules: [],
    });
    const advisory = coverageOf(new Set(["aws:kms/key:Key"]), {
      stack: "dev",
      controls: CONTROLS,
      policies: RULES,
      waivers: [],
      config: { "acme-kms-key-rule": { enforcementLevel: "advisory" } },
    });
    assert.deepEqual(advisory.entries[0].rules, ["acme-kms-key-rule (advisory)"]);
  });

  test("a waiver must name a control of the set, once per stack", () => {
    assert.throws(
      () => waiversFor([{ control: "KEY.9", reason: "typo" }], CONTROLS, "dev"),
      new CoverageError(
        'policies/waivers.ts waives "KEY.9", which is not a control of security-controls.json; ' +
          "use the control's id",
      ),
    );
    assert.throws(
      () =>
        waiversFor(
          [
            { control: "KEY.1", reason: "a" },
            { control: "KEY.1", reason: "b", stacks: ["dev"] },
          ],
          CONTROLS,
          "dev",
        ),
      /waives KEY\.1 twice for dev/,
    );
  });

  test("reads the stack from the export's URNs", () => {
    assert.equal(
      stackOfExport([{ urn: "urn:pulumi:staging::acme-platform::aws:kms/key:Key::k" }]),
      "staging",
    );
    assert.equal(stackOfExport([]), undefined);
  });

  test("names SHARED_DIR when the control set cannot be read", () => {
    assert.throws(() => loadControls("/nonexistent"), /set SHARED_DIR/);
  });
});

describe("the reviewed waivers", () => {
  const controls = loadControls();
  const repoRoot = path.resolve(__dirname, "..", "..");

  test("each names a control of the shared set, with a reason of substance", () => {
    const ids = new Set(controls.map((c) => c.id));
    for (const waiver of WAIVERS) {
      assert.ok(ids.has(waiver.control), `${waiver.control} is not a shared control`);
      assert.match(waiver.reason, /\w{4,}.{60,}/, `${waiver.control} needs a real reason`);
    }
  });

  test("each stack a waiver names has a stack file, here or in bootstrap/", () => {
    for (const stack of WAIVERS.flatMap((w) => w.stacks ?? [])) {
      const files = [`Pulumi.${stack}.yaml`, path.join("bootstrap", `Pulumi.${stack}.yaml`)];
      assert.ok(
        files.some((f) => fs.existsSync(path.join(repoRoot, f))),
        `waiver stack ${stack} has no Pulumi.${stack}.yaml`,
      );
    }
  });
});
