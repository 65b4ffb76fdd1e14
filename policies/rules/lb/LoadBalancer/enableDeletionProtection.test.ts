import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadBalancer } from "../../../fixtures/lb";
import { evaluateProps, violationMessages } from "../../../lib/testing";
import { acmeLbLoadbalancerEnableDeletionProtection as policy } from "./enableDeletionProtection";

function stackConfig(stack: string): Record<string, unknown> {
  const file = path.join(__dirname, "..", "..", "..", "config", `${stack}.json`);
  return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
}

describe(policy.name, () => {
  test("passes a load balancer with deletion protection", async () => {
    assert.deepEqual(await violationMessages(policy, loadBalancer()), []);
  });

  test("reports one without it, Network Load Balancers included", async () => {
    const props = {
      ...loadBalancer(),
      loadBalancerType: "network",
      enableDeletionProtection: false,
    };
    assert.deepEqual(await violationMessages(policy, props), [
      "enableDeletionProtection is false; set it to true.",
    ]);
  });

  test("is mandatory in prod and advisory in the stacks that are torn down", async () => {
    const props = { ...loadBalancer(), enableDeletionProtection: undefined };
    const levels: Record<string, string[]> = {};
    for (const stack of ["prod", "staging", "dev"]) {
      const entry = stackConfig(stack)[policy.name] as Record<string, unknown> | undefined;
      const result = await evaluateProps(policy, props, entry);
      levels[stack] = result.violations.map((v) => v.enforcementLevel);
    }
    assert.deepEqual(levels, { prod: ["mandatory"], staging: ["advisory"], dev: ["advisory"] });
  });
});
