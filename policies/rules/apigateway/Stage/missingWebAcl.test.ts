import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  APIGATEWAY_STAGE,
  apiGatewayStack,
  stageArn,
  stageResource,
  webAclAssociationResource,
} from "../../../fixtures/apigateway";
import { LOAD_BALANCER_ARN } from "../../../fixtures/lb";
import { evaluateSqsStack, type StackResource } from "../../../fixtures/sqs";
import { testUrn } from "../../../lib/testing";
import { acmeApigatewayStageMissingWebAcl as policy } from "./missingWebAcl";

const MESSAGE = (name: string) =>
  `API Gateway stage ${name} is not associated with a WAF web ACL; add an ` +
  "aws.wafv2.WebAclAssociation whose resourceArn is the stage's ARN.";

async function violations(resources: StackResource[]): Promise<[string, string][]> {
  return (await evaluateSqsStack(policy, resources)).violations.map((v) => [v.urn, v.message]);
}

describe(policy.name, () => {
  test("passes a stage whose ARN is an association's resourceArn", async () => {
    assert.deepEqual(await violations(apiGatewayStack()), []);
  });

  test("reports a stage without an association", async () => {
    assert.deepEqual(await violations([stageResource()]), [
      [testUrn(APIGATEWAY_STAGE, "front-door"), MESSAGE("front-door")],
    ]);
  });

  test("reports a stage when the only association protects another stage or a load balancer", async () => {
    assert.deepEqual(
      await violations([
        stageResource(),
        webAclAssociationResource(stageArn("a1b2c3d4e5", "v2"), "other-stage"),
        webAclAssociationResource(LOAD_BALANCER_ARN, "alb"),
      ]),
      [[testUrn(APIGATEWAY_STAGE, "front-door"), MESSAGE("front-door")]],
    );
  });

  test("matches an ARN in another partition by API id and stage name", async () => {
    const arn = stageArn().replace("arn:aws:", "arn:aws-us-gov:");
    assert.deepEqual(await violations([stageResource(), webAclAssociationResource(arn)]), []);
  });
});
