import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { service } from "../../../fixtures/workloads";
import { violationMessages } from "../../../lib/testing";
import { acmeKubernetesServiceEnforceInternalLoadBalancer as policy } from "./enforceInternalLoadBalancer";

const SCHEME = "service.beta.kubernetes.io/aws-load-balancer-scheme";

function withAnnotations(annotations: Record<string, string>) {
  const props = service("edge", "LoadBalancer", "edge");
  return { ...props, metadata: { ...props.metadata, annotations } };
}

describe(policy.name, () => {
  test("passes an internal scheme, the legacy internal annotation and a ClusterIP Service", async () => {
    assert.deepEqual(
      await violationMessages(policy, withAnnotations({ [SCHEME]: "internal" })),
      [],
    );
    const legacy = withAnnotations({
      "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
    });
    assert.deepEqual(await violationMessages(policy, legacy), []);
    assert.deepEqual(await violationMessages(policy, service("api", "ClusterIP", "app")), []);
  });

  test("reports an internet-facing or unstated scheme", async () => {
    assert.deepEqual(
      await violationMessages(policy, withAnnotations({ [SCHEME]: "internet-facing" })),
      [`annotation ${SCHEME} is "internet-facing"; set it to "internal".`],
    );
    assert.deepEqual(await violationMessages(policy, withAnnotations({})), [
      `annotation ${SCHEME} is not set; set it to "internal".`,
    ]);
  });

  test("checks an Ingress's alb.ingress.kubernetes.io/scheme the same way", async () => {
    const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
    const ingress = (scheme: string) => ({
      metadata: { name: "edge", annotations: { "alb.ingress.kubernetes.io/scheme": scheme } },
      spec: { ingressClassName: "alb" },
    });
    assert.deepEqual(await violationMessages(policy, ingress("internal"), undefined, INGRESS), []);
    assert.deepEqual(
      await violationMessages(policy, ingress("internet-facing"), undefined, INGRESS),
      ['annotation alb.ingress.kubernetes.io/scheme is "internet-facing"; set it to "internal".'],
    );
  });
});
