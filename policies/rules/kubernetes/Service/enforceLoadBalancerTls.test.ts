import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { service } from "../../../fixtures/workloads";
import { violationMessages } from "../../../lib/testing";
import { acmeKubernetesServiceEnforceLoadBalancerTls as policy } from "./enforceLoadBalancerTls";

const P = "service.beta.kubernetes.io/aws-load-balancer-";
const CERT = "arn:aws:acm:us-east-1:111122223333:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

function withAnnotations(annotations: Record<string, string>) {
  const props = service("edge", "LoadBalancer", "edge");
  return { ...props, metadata: { ...props.metadata, annotations } };
}

describe(policy.name, () => {
  test("passes TLS on every port with a recommended policy, and a ClusterIP Service", async () => {
    const tls = withAnnotations({
      [`${P}ssl-cert`]: CERT,
      [`${P}ssl-ports`]: "443",
      [`${P}ssl-negotiation-policy`]: "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    });
    assert.deepEqual(await violationMessages(policy, tls), []);
    assert.deepEqual(await violationMessages(policy, service("api", "ClusterIP", "app")), []);
  });

  test("reports a LoadBalancer Service without TLS annotations", async () => {
    assert.deepEqual(await violationMessages(policy, withAnnotations({})), [
      `annotation ${P}ssl-cert is not set; set it to an ACM certificate ARN.`,
      `annotation ${P}ssl-ports does not cover port(s) 443; list every port or use "*".`,
      `annotation ${P}ssl-negotiation-policy is not set; set it to one of ` +
        "ELBSecurityPolicy-TLS13-1-3-2021-06, ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04, " +
        "ELBSecurityPolicy-TLS13-1-2-Res-2021-06, ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04, " +
        "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09, ELBSecurityPolicy-TLS13-1-3-PQ-2025-09, " +
        "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09, ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09.",
    ]);
  });
});
