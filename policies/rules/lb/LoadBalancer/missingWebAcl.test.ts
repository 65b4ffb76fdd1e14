import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { webAclAssociationResource } from "../../../fixtures/apigateway";
import { LB_LOAD_BALANCER, LOAD_BALANCER_ARN, lbStack } from "../../../fixtures/lb";
import { evaluateS3Stack } from "../../../fixtures/s3";
import { testUrn } from "../../../lib/testing";
import { acmeLbLoadbalancerMissingWebAcl as policy } from "./missingWebAcl";

const internetFacing = { internal: false, arn: LOAD_BALANCER_ARN };

describe(policy.name, () => {
  test("passes an internal ALB, and an internet-facing one with a web ACL", async () => {
    assert.deepEqual((await evaluateS3Stack(policy, lbStack())).violations, []);
    const withAcl = [...lbStack(internetFacing), webAclAssociationResource(LOAD_BALANCER_ARN)];
    assert.deepEqual((await evaluateS3Stack(policy, withAcl)).violations, []);
  });

  test("reports an internet-facing ALB without a web ACL", async () => {
    const result = await evaluateS3Stack(policy, lbStack(internetFacing));
    assert.deepEqual(
      result.violations.map((v) => [v.urn, v.message]),
      [
        [
          testUrn(LB_LOAD_BALANCER, "front-door"),
          "Load balancer front-door is internet-facing and no WAF web ACL is associated with " +
            "it; add an aws.wafv2.WebAclAssociation with its ARN, or make it internal.",
        ],
      ],
    );
  });
});
