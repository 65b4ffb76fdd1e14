/**
 * Issue 16's acceptance: on the plan of every stack (dev, staging, prod, and prod with the Step
 * Functions engine) the coverage report finds no missing control, the plan summary prints the
 * counts, every waiver is used by some plan, and `npm run policy -- --coverage` exits 0 on a
 * covered plan and 1 when a resource type brings a control nothing covers.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import type { PolicyPackConfig } from "@pulumi/policy";
import { bootstrapPolicyConfig, runBootstrapProgram } from "../bootstrap/plan";
import type { CoverageReport } from "../policies/lib/coverage";
import { WAIVERS } from "../policies/waivers";
import { cachedPlan, type CachedPlan, stackFileWithStepFunctions } from "./planCache";
import { main, type Output, packCoverage, stackPolicyConfigFile } from "./policy";
import type { StackExport } from "./stackExport";

function packConfig(stack: string): PolicyPackConfig | undefined {
  const file = stackPolicyConfigFile(stack);
  return file ? (JSON.parse(fs.readFileSync(file, "utf8")) as PolicyPackConfig) : undefined;
}

/** What `npm run policy -- --coverage` computes for the plan's export. */
function coverage(stack: string, doc: StackExport, config = packConfig(stack)): CoverageReport {
  return packCoverage(stack, doc.deployment.resources, config);
}

const PLANS: Array<{ label: string; stack: string; plan: () => CachedPlan }> = [
  { label: "dev", stack: "dev", plan: () => cachedPlan("dev") },
  { label: "staging", stack: "staging", plan: () => cachedPlan("staging") },
  { label: "prod", stack: "prod", plan: () => cachedPlan("prod") },
  {
    label: "prod with step-functions",
    stack: "prod",
    plan: () => cachedPlan("prod", stackFileWithStepFunctions("prod")),
  },
];

function capture(): Output & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l), err: (l) => lines.push(l) };
}

describe("control coverage of every stack's plan", () => {
  const waived = new Set<string>();

  for (const { label, stack, plan } of PLANS) {
    it(`${label}: no applicable control is missing, and the plan prints the counts`, () => {
      const run = plan();
      assert.equal(run.status, 0, `plan failed:\n${run.stderr}\n${run.stdout}`);
      const report = coverage(stack, run.export);
      assert.deepEqual(
        report.entries.filter((e) => e.status === "missing").map((e) => e.control),
        [],
      );
      assert.ok(report.total.enforced >= 70, `only ${report.total.enforced} enforced`);
      const { enforced, waived: w } = report.total;
      assert.ok(
        run.stdout.includes(
          `Control coverage: ${report.entries.length} applicable controls: ${enforced} enforced, ${w} waived, 0 missing`,
        ),
        run.stdout,
      );
      report.entries
        .filter((e) => e.status === "waived")
        .forEach((e) => waived.add(`${stack}:${e.control}`));
    });
  }

  it("bootstrap main: its one waiver (the state bucket's access logging) and nothing missing", async () => {
    const run = await runBootstrapProgram({ stack: "main" });
    const report = coverage("main", run.export, bootstrapPolicyConfig());
    assert.deepEqual(
      report.entries.filter((e) => e.status !== "enforced").map((e) => [e.control, e.status]),
      [["S3.9", "waived"]],
    );
    waived.add("main:S3.9");
  });

  it("every waiver is used by the plan of a stack it names", () => {
    for (const w of WAIVERS) {
      const stacks = w.stacks ?? ["dev", "staging", "prod"];
      assert.ok(
        stacks.some((s) => waived.has(`${s}:${w.control}`)),
        `waiver of ${w.control} (${stacks.join(", ")}) applies to no plan: remove it`,
      );
    }
  });

  it("npm run policy -- --coverage exits 0 on prod's plan and 1 once a control is missing", async () => {
    const run = cachedPlan("prod");
    const ok = capture();
    assert.equal(await main(["--coverage", path.join(run.dir, "stack.json")], ok), 0);
    assert.match(
      ok.lines.join("\n"),
      /Coverage of stack "prod": \d+ applicable controls: \d+ enforced, \d+ waived, 0 missing/,
    );
    assert.match(
      ok.lines.join("\n"),
      /enforced S3\.9 +logging +acme-s3-bucket-enable-server-access-logging \(mandatory\)/,
    );

    // An OpenSearch domain brings controls no rule of the pack names.
    const doc = JSON.parse(
      fs.readFileSync(path.join(run.dir, "stack.json"), "utf8"),
    ) as StackExport;
    doc.deployment.resources.push({
      ...doc.deployment.resources.find((r) => r.custom)!,
      urn: "urn:pulumi:prod::acme-platform::aws:opensearch/domain:Domain::search",
      type: "aws:opensearch/domain:Domain",
    });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "coverage-")), "stack.json");
    fs.writeFileSync(file, JSON.stringify(doc));
    const missing = capture();
    assert.equal(await main(["--coverage", file], missing), 1);
    assert.match(
      missing.lines.join("\n"),
      /missing +Opensearch\.1 +at-rest +no rule names it and no waiver covers it/,
    );
  });
});
