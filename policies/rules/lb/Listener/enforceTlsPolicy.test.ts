import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ALB_LISTENER, httpsListener, redirectListener } from "../../../fixtures/lb";
import { evaluateSqsStack } from "../../../fixtures/sqs";
import { violationMessages } from "../../../lib/testing";
import { acmeLbListenerEnforceTlsPolicy as policy } from "./enforceTlsPolicy";

const POLICIES =
  "ELBSecurityPolicy-TLS13-1-3-2021-06, ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04, " +
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06, ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04, " +
  "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09, ELBSecurityPolicy-TLS13-1-3-PQ-2025-09, " +
  "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09, ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09";

describe(policy.name, () => {
  test("passes an HTTPS listener with a recommended policy, and ignores the HTTP redirect", async () => {
    assert.deepEqual(await violationMessages(policy, httpsListener()), []);
    assert.deepEqual(await violationMessages(policy, redirectListener()), []);
  });

  test("reports the look-alike TLS13-1-2-2021-06 policy", async () => {
    const props = { ...httpsListener(), sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06" };
    assert.deepEqual(await violationMessages(policy, props), [
      `sslPolicy is "ELBSecurityPolicy-TLS13-1-2-2021-06"; set it to one of ${POLICIES}.`,
    ]);
  });

  test("reports an unset policy on a TLS listener of the aws.alb alias", async () => {
    const result = await evaluateSqsStack(policy, [
      { type: ALB_LISTENER, name: "nlb", outputs: { protocol: "TLS", port: 443 } },
    ]);
    assert.deepEqual(
      result.violations.map((v) => v.message),
      [
        "sslPolicy is not set (unset means ELBSecurityPolicy-2016-08, which allows TLS 1.0); set " +
          `it to one of ${POLICIES}.`,
      ],
    );
  });
});
