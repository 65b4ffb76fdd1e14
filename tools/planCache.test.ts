import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { cachedPlan, planKey } from "./planCache";

const ROOT = path.resolve(__dirname, "..");

describe("the shared test plan cache", () => {
  it("serves one plan per source tree: the same directory twice, as the CLI wrote it", () => {
    const first = cachedPlan("dev");
    const second = cachedPlan("dev");
    assert.equal(second.dir, first.dir);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /Offline plan of stack "dev"/);
    for (const file of ["stack.json", "graph.mmd", "prometheus-rules.yaml", "alertmanager.yaml"])
      assert.ok(fs.existsSync(path.join(first.dir, file)), file);
    // The checked resources are the export's, with the mock provider's ids and outputs.
    const checked = new Map(first.checkable.map((r) => [r.urn, r]));
    const custom = first.export.deployment.resources.filter(
      (r) => r.custom && !r.type.startsWith("pulumi:providers:"),
    );
    assert.ok(custom.length > 100);
    for (const r of custom) {
      assert.equal(checked.get(r.urn)?.id, r.id, r.urn);
      assert.equal(checked.get(r.urn)?.type, r.type, r.urn);
    }
    assert.equal(first.region, "eu-west-1");
  });

  it("keys each plan by every input: a changed source, stack file or config gives another key", () => {
    const key = planKey("dev");
    assert.equal(planKey("dev"), key);
    assert.notEqual(planKey("prod"), key);
    // A scratch tree, not the repository: concurrent test processes hash the real one.
    const tree = fs.mkdtempSync(path.join(os.tmpdir(), "plan-cache-tree-"));
    fs.mkdirSync(path.join(tree, "components"));
    fs.writeFileSync(path.join(tree, "index.ts"), "export const a = 1;\n");
    const treeKey = planKey("dev", undefined, tree);
    fs.writeFileSync(path.join(tree, "components", "probe.ts"), "export const probe = 1;\n");
    assert.notEqual(planKey("dev", undefined, tree), treeKey, "a new source file changes the key");
    fs.writeFileSync(path.join(tree, "components", "probe.ts"), "export const probe = 2;\n");
    const changed = planKey("dev", undefined, tree);
    fs.writeFileSync(path.join(tree, "components", "probe.ts"), "export const probe = 1;\n");
    assert.notEqual(changed, planKey("dev", undefined, tree), "a changed source changes the key");
    // A test file or a document is not an input: the program never loads one.
    const before = planKey("dev", undefined, tree);
    fs.writeFileSync(path.join(tree, "components", "probe.test.ts"), "\n");
    fs.writeFileSync(path.join(tree, "components", "probe.md"), "\n");
    assert.equal(planKey("dev", undefined, tree), before);
    fs.rmSync(tree, { recursive: true, force: true });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-cache-"));
    const config = path.join(dir, "Pulumi.dev.yaml");
    const stackFile = parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    };
    fs.writeFileSync(config, stringify(stackFile));
    const withConfig = planKey("dev", config);
    assert.notEqual(withConfig, key);
    stackFile.config["acme-platform:protectStatefulResources"] = true;
    fs.writeFileSync(config, stringify(stackFile));
    assert.notEqual(planKey("dev", config), withConfig, "the config's content is in the key");
  });
});
