import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { evaluateMixedStack, type MixedMember } from "../../../fixtures/observability";
import {
  appNamespace,
  K8S_NAMESPACE,
  K8S_SERVICE,
  platformNamespace,
  service,
} from "../../../fixtures/workloads";
import { testUrn } from "../../../lib/testing";
import { acmeKubernetesServiceDisallowLoadBalancer as policy } from "./disallowLoadBalancer";

const CLUSTER_A = "urn:pulumi:test::acme-platform::pulumi:providers:kubernetes::cluster-a";
const CLUSTER_B = "urn:pulumi:test::acme-platform::pulumi:providers:kubernetes::cluster-b";
const FIX =
  "make it a ClusterIP Service and reach it through the platform's front door and the mesh.";

const member = (
  type: string,
  name: string,
  outputs: object,
  provider = CLUSTER_A,
): MixedMember => ({
  type,
  name,
  outputs,
  provider,
});

/** A platform namespace `edge` and an application namespace `requests`, on cluster A. */
const namespaces = (): MixedMember[] => [
  member(K8S_NAMESPACE, "edge", platformNamespace("edge")),
  member(K8S_NAMESPACE, "requests", appNamespace("requests")),
];

async function violations(members: MixedMember[]): Promise<[string | undefined, string][]> {
  return (await evaluateMixedStack(policy, members)).violations.map((v) => [v.urn, v.message]);
}

describe(policy.name, () => {
  test("passes a LoadBalancer in a platform namespace and ClusterIP Services anywhere", async () => {
    assert.deepEqual(
      await violations([
        ...namespaces(),
        member(K8S_SERVICE, "gateway", service("gateway", "LoadBalancer", "edge")),
        member(K8S_SERVICE, "service-a", service("service-a", "ClusterIP", "requests")),
        member(K8S_SERVICE, "plain", service("plain", "ClusterIP")),
      ]),
      [],
    );
  });

  test("reports a LoadBalancer in an application namespace", async () => {
    assert.deepEqual(
      await violations([
        ...namespaces(),
        member(K8S_SERVICE, "service-a", service("service-a", "LoadBalancer", "requests")),
      ]),
      [
        [
          testUrn(K8S_SERVICE, "service-a"),
          'Service service-a is of type LoadBalancer in namespace "requests", an application ' +
            `namespace (acme.io/app-namespace=true); ${FIX}`,
        ],
      ],
    );
  });

  test("reports a LoadBalancer in the default namespace, which no platform component declares", async () => {
    assert.deepEqual(
      await violations([...namespaces(), member(K8S_SERVICE, "lb", service("lb", "LoadBalancer"))]),
      [
        [
          testUrn(K8S_SERVICE, "lb"),
          'Service lb is of type LoadBalancer in namespace "default", which no platform ' +
            `component declares in this stack; ${FIX}`,
        ],
      ],
    );
  });

  test("reports a LoadBalancer whose platform namespace belongs to another cluster", async () => {
    assert.deepEqual(
      await violations([
        ...namespaces(),
        member(K8S_SERVICE, "gateway", service("gateway", "LoadBalancer", "edge"), CLUSTER_B),
      ]),
      [
        [
          testUrn(K8S_SERVICE, "gateway"),
          'Service gateway is of type LoadBalancer in namespace "edge", which no platform ' +
            `component declares in this stack; ${FIX}`,
        ],
      ],
    );
  });
});
