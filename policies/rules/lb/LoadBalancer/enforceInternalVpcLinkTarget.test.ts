import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { LB_LOAD_BALANCER, LOAD_BALANCER_ARN, lbStack } from "../../../fixtures/lb";
import { evaluateS3Stack, type StackResource } from "../../../fixtures/s3";
import { testUrn } from "../../../lib/testing";
import { acmeLbLoadbalancerEnforceInternalVpcLinkTarget as policy } from "./enforceInternalVpcLinkTarget";

/** A REST integration that reaches the load balancer through a VPC link. */
const integration: StackResource = {
  type: "aws:apigateway/integration:Integration",
  name: "submit",
  outputs: { connectionType: "VPC_LINK", integrationTarget: LOAD_BALANCER_ARN },
};

describe(policy.name, () => {
  test("passes an internal VPC link target, and an internet-facing ALB nothing links to", async () => {
    const internal = [...lbStack({ arn: LOAD_BALANCER_ARN }), integration];
    assert.deepEqual((await evaluateS3Stack(policy, internal)).violations, []);
    const unlinked = lbStack({ arn: LOAD_BALANCER_ARN, internal: false });
    assert.deepEqual((await evaluateS3Stack(policy, unlinked)).violations, []);
  });

  test("reports an internet-facing VPC link target", async () => {
    const stack = [...lbStack({ arn: LOAD_BALANCER_ARN, internal: false }), integration];
    const result = await evaluateS3Stack(policy, stack);
    assert.deepEqual(
      result.violations.map((v) => [v.urn, v.message]),
      [
        [
          testUrn(LB_LOAD_BALANCER, "front-door"),
          "Load balancer front-door is a VPC link target but internal is false; set it to true.",
        ],
      ],
    );
  });
});
