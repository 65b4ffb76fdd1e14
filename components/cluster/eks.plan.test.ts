/**
 * EksCluster as index.ts creates it: it takes the network as `opts.dependsOn` and hands it to the
 * cluster and its node groups (components/lib/options.ts), so nodes are created only after the
 * NAT gateways and routes they need to join exist.
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cachedPlan } from "../../tools/planCache";

describe("EksCluster in the prod plan", () => {
  it("creates the cluster and every node group after the network's NAT gateways", () => {
    const resources = cachedPlan("prod").export.deployment.resources;
    const nats = resources.filter((r) => r.type === "aws:ec2/natGateway:NatGateway");
    assert.equal(nats.length, 3);
    const waiting = resources.filter(
      (r) => r.type === "aws:eks/nodeGroup:NodeGroup" || r.type === "aws:eks/cluster:Cluster",
    );
    assert.ok(waiting.length >= 2);
    for (const r of waiting) {
      for (const nat of nats) {
        assert.ok((r.dependencies ?? []).includes(nat.urn), `${r.urn} waits for ${nat.urn}`);
      }
    }
  });
});
