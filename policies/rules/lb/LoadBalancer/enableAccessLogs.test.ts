import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ACCESS_LOG_BUCKET, loadBalancer } from "../../../fixtures/lb";
import { violationMessages } from "../../../lib/testing";
import { acmeLbLoadbalancerEnableAccessLogs as policy } from "./enableAccessLogs";

const FIX = "set enabled to true and bucket to an SSE-S3 bucket in the load balancer's Region.";

describe(policy.name, () => {
  test("passes an ALB that delivers access logs", async () => {
    assert.deepEqual(await violationMessages(policy, loadBalancer()), []);
  });

  test("reports access logs that are configured but disabled", async () => {
    const props = { ...loadBalancer(), accessLogs: { bucket: ACCESS_LOG_BUCKET, enabled: false } };
    assert.deepEqual(await violationMessages(policy, props), [
      `accessLogs.enabled is false and accessLogs.bucket is "${ACCESS_LOG_BUCKET}"; ${FIX}`,
    ]);
  });

  test("reports an ALB without access logs, and ignores a Network Load Balancer", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...loadBalancer(), accessLogs: undefined }),
      [`accessLogs.enabled is not set and accessLogs.bucket is not set; ${FIX}`],
    );
    const nlb = { ...loadBalancer(), loadBalancerType: "network", accessLogs: undefined };
    assert.deepEqual(await violationMessages(policy, nlb), []);
  });
});
