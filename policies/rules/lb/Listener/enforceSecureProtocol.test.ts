import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { httpsListener, redirectListener, TARGET_GROUP_ARN } from "../../../fixtures/lb";
import { violationMessages } from "../../../lib/testing";
import { acmeLbListenerEnforceSecureProtocol as policy } from "./enforceSecureProtocol";

const PLAIN = (protocol: string) =>
  `protocol is ${protocol}; use "HTTPS" (Application Load Balancer) or "TLS" (Network Load ` +
  'Balancer) with an ACM certificate, or make an "HTTP" listener\'s only default action a ' +
  'redirect to protocol "HTTPS" on port "443".';

describe(policy.name, () => {
  test("passes HTTPS with a certificate and an HTTP listener that only redirects", async () => {
    assert.deepEqual(await violationMessages(policy, httpsListener()), []);
    assert.deepEqual(await violationMessages(policy, redirectListener()), []);
  });

  test("reports an HTTP listener that forwards", async () => {
    const props = {
      ...redirectListener(),
      defaultActions: [{ type: "forward", targetGroupArn: TARGET_GROUP_ARN }],
    };
    assert.deepEqual(await violationMessages(policy, props), [PLAIN('"HTTP"')]);
  });

  test("reports a redirect to HTTPS on another port, which ELB.1 does not accept", async () => {
    const props = {
      ...redirectListener(),
      defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "8443" } }],
    };
    assert.deepEqual(await violationMessages(policy, props), [PLAIN('"HTTP"')]);
  });

  test("reports TCP, and an unset protocol that forwards", async () => {
    assert.deepEqual(await violationMessages(policy, { ...httpsListener(), protocol: "TCP" }), [
      PLAIN('"TCP"'),
    ]);
    assert.deepEqual(await violationMessages(policy, { ...httpsListener(), protocol: undefined }), [
      PLAIN("not set"),
    ]);
  });

  test("reports HTTPS without a certificate", async () => {
    const props = { ...httpsListener(), certificateArn: undefined };
    assert.deepEqual(await violationMessages(policy, props), [
      'protocol is "HTTPS" but certificateArn is not set; set it to an ACM certificate\'s ARN.',
    ]);
  });
});
