import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { LB_LOAD_BALANCER, lbStack, REGION, subnetResource, SUBNETS } from "../../../fixtures/lb";
import { evaluateSqsStack, type StackResource } from "../../../fixtures/sqs";
import { testUrn } from "../../../lib/testing";
import { acmeLbLoadbalancerEnforceMultiAz as policy } from "./enforceMultiAz";

const URN = testUrn(LB_LOAD_BALANCER, "front-door");

async function violations(resources: StackResource[]): Promise<[string, string][]> {
  return (await evaluateSqsStack(policy, resources)).violations.map((v) => [v.urn, v.message]);
}

describe(policy.name, () => {
  test("passes a load balancer over subnets in two zones", async () => {
    assert.deepEqual(await violations(lbStack()), []);
  });

  test("reports two subnets of the same zone", async () => {
    const stack = [...lbStack(), subnetResource("subnet-0ccc", `${REGION}a`)].map((r) =>
      r.type === LB_LOAD_BALANCER
        ? { ...r, outputs: { ...r.outputs, subnets: ["subnet-0aaa", "subnet-0ccc"] } }
        : r,
    );
    assert.deepEqual(await violations(stack), [
      [
        URN,
        `Load balancer front-door is placed in subnet-0aaa, subnet-0ccc, all in ${REGION}a; give ` +
          "it subnets in at least two Availability Zones.",
      ],
    ]);
  });

  test("reports a single subnet, given as a subnet mapping", async () => {
    const stack = lbStack({ subnets: undefined, subnetMappings: [{ subnetId: SUBNETS[0].id }] });
    assert.deepEqual(await violations(stack), [
      [
        URN,
        "Load balancer front-door is placed in one subnet, subnet-0aaa; give it subnets in at " +
          "least two Availability Zones.",
      ],
    ]);
  });

  test("counts subnets the stack does not declare as possibly distinct zones", async () => {
    const stack = lbStack({ subnets: ["subnet-0aaa", "subnet-external"] });
    assert.deepEqual(await violations(stack), []);
  });
});
