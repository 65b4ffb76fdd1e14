/**
 * Checks every rule's naming and metadata: file path, export name and policy name agree; each
 * control exists in the shared control set and fits the rule's type; levels, severities and
 * descriptions follow the pack's conventions.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { controlTypes, type Control as SharedControl } from "../lib/coverage";
import type { AcmePolicy } from "../lib/policy";
import { allPolicies } from "./index";

const NAME_PATTERN =
  /^acme-[a-z0-9]+-[a-z0-9]+-(missing|disallow|enable|disable|configure|enforce)(-[a-z0-9]+)+$/;
const SEVERITIES = ["low", "medium", "high", "critical"];

type Control = SharedControl;

// The shared folder sits beside the checkout: <repo>/../shared.
const sharedDir = process.env.SHARED_DIR ?? path.resolve(__dirname, "../../../shared");
const controls = new Map(
  (
    JSON.parse(fs.readFileSync(path.join(sharedDir, "security-controls.json"), "utf8")) as Control[]
  ).map((c) => [c.id, c]),
);

interface RuleFile {
  file: string;
  service: string;
  resource: string;
  verbNoun: string;
}

function ruleFiles(dir = __dirname): RuleFile[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return ruleFiles(full);
    }
    const parts = path.relative(__dirname, full).split(path.sep);
    // rules/index.ts and each rules/<service>/index.ts are barrels, not rules.
    const barrel = entry.name === "index.ts" && parts.length <= 2;
    if (!entry.name.endsWith(".ts") || entry.name.endsWith(".test.ts") || barrel) {
      return [];
    }
    assert.equal(parts.length, 3, `${full} must sit at rules/<service>/<Resource>/<verbNoun>.ts`);
    return [
      { file: full, service: parts[0], resource: parts[1], verbNoun: path.basename(full, ".ts") },
    ];
  });
}

const kebab = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
const camel = (name: string) =>
  name.replace(/-([a-z0-9])/g, (_match: string, c: string) => c.toUpperCase());

/** `aws:kms/key:Key` -> kms/Key; `kubernetes:storage.k8s.io/v1:StorageClass` -> kubernetes/StorageClass. */
function folderOf(type: string): string {
  const [pkg, module, resource] = type.split(":");
  return `${pkg === "aws" ? module.split("/")[0] : pkg}/${resource}`;
}

/** A control's types, without notes such as "(AWSGuard only)" (the coverage report's reading). */
const typesOf = controlTypes;

describe("policy pack conventions", () => {
  const files = ruleFiles();

  test("every rule file exports one policy named after its path, and it is in allPolicies", async () => {
    for (const rule of files) {
      const exports = Object.entries((await import(rule.file)) as Record<string, unknown>);
      const policies = exports.filter(([, v]) => allPolicies.includes(v as AcmePolicy));
      assert.equal(policies.length, 1, `${rule.file} must export exactly one pack policy`);
      const [exportName, value] = policies[0];
      const policy = value as AcmePolicy;
      const expected = `acme-${rule.service}-${rule.resource.toLowerCase()}-${kebab(rule.verbNoun)}`;
      assert.equal(policy.name, expected, `${rule.file}: policy name`);
      assert.equal(exportName, camel(policy.name), `${rule.file}: export name`);
      assert.equal(folderOf(policy.resourceType), `${rule.service}/${rule.resource}`);
    }
    assert.equal(allPolicies.length, files.length, "allPolicies and rule files differ in number");
  });

  test("rule sources carry JSDoc with @severity and @link, and never import provider SDKs", () => {
    for (const rule of files) {
      const source = fs.readFileSync(rule.file, "utf8");
      assert.doesNotMatch(source, /from "@pulumi\/(aws|kubernetes)/, `${rule.file} imports an SDK`);
      const doc = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*export const (\w+)/.exec(source);
      assert.ok(doc, `${rule.file} has no JSDoc on its exported policy`);
      const policy = allPolicies.find((p) => camel(p.name) === doc[2]);
      assert.ok(policy, `${rule.file}: JSDoc is not on the policy export`);
      assert.match(doc[1], new RegExp(`@severity ${policy.severity}\\b`), `${rule.file} @severity`);
      assert.match(doc[1], /@link https:\/\/\S+/, `${rule.file} @link`);
      if (policy.enforcementLevel === "advisory") {
        // An advisory rule never stops an update, so its JSDoc must say why it is only advice.
        assert.match(doc[1], /\badvisory\b/i, `${rule.file}: say in the JSDoc why it is advisory`);
      }
    }
  });

  test("policy names match the naming pattern and are unique", () => {
    for (const policy of allPolicies) {
      assert.match(policy.name, NAME_PATTERN);
    }
    const names = allPolicies.map((p) => p.name);
    assert.equal(new Set(names).size, names.length);
  });

  test("policies on encryption or public exposure are mandatory, with a full-sentence description", () => {
    // Encryption at rest and in transit is always mandatory, and so is every access control the
    // pack does not list as hygiene; hygiene (logging, resilience and the listed access controls)
    // may be advisory.
    const hygiene = new Set(["apigateway-endpoint-type", "CKV2_AWS_71"]);
    // Rules outside the shared set that are hygiene (ECS.12's Container Insights: monitoring).
    const hygieneRules = new Set(["acme-ecs-cluster-enable-container-insights"]);
    for (const policy of allPolicies) {
      assert.match(policy.description, /^[A-Z].*\.$/, `${policy.name} description`);
      assert.ok(
        policy.enforcementLevel === "mandatory" || policy.enforcementLevel === "advisory",
        `${policy.name} level`,
      );
      const strict = policy.controls.some((id) => {
        const control = controls.get(id);
        return (
          control !== undefined &&
          control.category !== "logging" &&
          control.category !== "resilience" &&
          !hygiene.has(id)
        );
      });
      // A rule with no shared control is mandatory unless it is hygiene by name.
      if (strict || (policy.controls.length === 0 && !hygieneRules.has(policy.name))) {
        assert.equal(policy.enforcementLevel, "mandatory", policy.name);
      }
    }
  });

  test("every control exists, fits the policy's type and sets its severity", () => {
    for (const policy of allPolicies) {
      assert.ok(SEVERITIES.includes(policy.severity), `${policy.name} severity`);
      if (policy.controls.length === 0) {
        // A rule without a shared control must say why, so the gap is a decision, not an oversight.
        assert.match(
          policy.controlGap ?? "",
          /\w{10,}/,
          `${policy.name} lists no controls and no controlGap`,
        );
        continue;
      }
      assert.equal(policy.controlGap, undefined, `${policy.name} has controls and a controlGap`);
      const found = policy.controls.map((id) => {
        const control = controls.get(id);
        assert.ok(control, `${policy.name}: control ${id} is not in security-controls.json`);
        const types = typesOf(control);
        if (types.length > 0) {
          assert.ok(types.includes(policy.resourceType), `${policy.name}: ${id} is for ${types}`);
        }
        return control;
      });
      const highest = Math.max(...found.map((c) => SEVERITIES.indexOf(c.severity)));
      assert.equal(policy.severity, SEVERITIES[highest], `${policy.name} severity`);
    }
  });

  test("config schemas leave enforcementLevel to CrossGuard and default every property", () => {
    for (const policy of allPolicies) {
      for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
        assert.notEqual(key, "enforcementLevel", policy.name);
        assert.notEqual(schema.default, undefined, `${policy.name}.${key} has no default`);
      }
    }
  });

  test("the pack's README lists every policy", () => {
    const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
    for (const policy of allPolicies) {
      assert.ok(
        readme.includes(`\`${policy.name}\``),
        `policies/README.md does not list ${policy.name}`,
      );
    }
  });
});
