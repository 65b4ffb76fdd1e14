import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadBalancer } from "../../../fixtures/lb";
import { violationMessages } from "../../../lib/testing";
import { acmeLbLoadbalancerEnableCrossZoneLoadBalancing as policy } from "./enableCrossZoneLoadBalancing";

describe(policy.name, () => {
  test("passes an ALB, which always balances across zones, and a cross-zone NLB", async () => {
    assert.deepEqual(await violationMessages(policy, loadBalancer()), []);
    const nlb = {
      ...loadBalancer(),
      loadBalancerType: "network",
      enableCrossZoneLoadBalancing: true,
    };
    assert.deepEqual(await violationMessages(policy, nlb), []);
  });

  test("reports an NLB without cross-zone load balancing", async () => {
    const nlb = { ...loadBalancer(), loadBalancerType: "network" };
    assert.deepEqual(await violationMessages(policy, nlb), [
      "enableCrossZoneLoadBalancing is not set on a network load balancer; set it to true.",
    ]);
  });
});
