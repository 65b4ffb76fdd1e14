import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ALB_LOAD_BALANCER, loadBalancer } from "../../../fixtures/lb";
import { evaluateSqsStack } from "../../../fixtures/sqs";
import { violationMessages } from "../../../lib/testing";
import { acmeLbLoadbalancerEnableDropInvalidHeaders as policy } from "./enableDropInvalidHeaders";

describe(policy.name, () => {
  test("passes an ALB that drops invalid headers", async () => {
    assert.deepEqual(await violationMessages(policy, loadBalancer()), []);
  });

  test("reports an ALB that leaves the setting unset", async () => {
    const props = { ...loadBalancer(), dropInvalidHeaderFields: undefined };
    assert.deepEqual(await violationMessages(policy, props), [
      "dropInvalidHeaderFields is not set; set it to true.",
    ]);
  });

  test("ignores a Network Load Balancer", async () => {
    const props = {
      ...loadBalancer(),
      loadBalancerType: "network",
      dropInvalidHeaderFields: false,
    };
    assert.deepEqual(await violationMessages(policy, props), []);
  });

  test("checks the aws.alb alias the same way", async () => {
    const result = await evaluateSqsStack(policy, [
      { type: ALB_LOAD_BALANCER, name: "legacy", outputs: { dropInvalidHeaderFields: false } },
    ]);
    assert.deepEqual(
      result.violations.map((v) => v.message),
      ["dropInvalidHeaderFields is false; set it to true."],
    );
  });
});
