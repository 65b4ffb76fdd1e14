import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { targetGroup } from "../../../fixtures/lb";
import { violationMessages } from "../../../lib/testing";
import { acmeLbTargetgroupEnforceEncryptedProtocol as policy } from "./enforceEncryptedProtocol";

describe(policy.name, () => {
  test("passes HTTPS traffic and HTTPS health checks", async () => {
    assert.deepEqual(await violationMessages(policy, targetGroup()), []);
  });

  test("reports HTTP traffic with default health checks", async () => {
    const props = { ...targetGroup(), protocol: "HTTP", healthCheck: undefined };
    assert.deepEqual(await violationMessages(policy, props), [
      'protocol is "HTTP"; set it to "HTTPS" (or "TLS" behind a Network Load Balancer) and ' +
        "serve TLS on the target port.",
      "healthCheck.protocol is not set (unset means HTTP, or TCP behind a Network Load " +
        'Balancer); set it to "HTTPS".',
    ]);
  });

  test("reports HTTP health checks of an HTTPS target group", async () => {
    const props = { ...targetGroup(), healthCheck: { protocol: "HTTP", path: "/healthz" } };
    assert.deepEqual(await violationMessages(policy, props), [
      'healthCheck.protocol is "HTTP" (unset means HTTP, or TCP behind a Network Load ' +
        'Balancer); set it to "HTTPS".',
    ]);
  });

  test("ignores Lambda targets", async () => {
    assert.deepEqual(await violationMessages(policy, { targetType: "lambda" }), []);
  });
});
