import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { CheckedResource } from "./graph";
import { checkFlows, cidrContains } from "./flows";
import { APP_NAMESPACES, FARGATE_STEPS, FLOWS, type Flow } from "./flowTable";
import { CROSS_CHECKS } from "./crossResource";
import { cachedPlan } from "../planCache";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const SG_IN = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const SG_OUT = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const urn = (type: string, name: string) => `urn:pulumi:t::p::${type}::${name}`;

const vpc: CheckedResource = {
  urn: urn("aws:ec2/vpc:Vpc", "vpc"),
  type: "aws:ec2/vpc:Vpc",
  inputs: { cidrBlock: "10.0.0.0/16" },
};
const cluster: CheckedResource = {
  urn: urn("aws:eks/cluster:Cluster", "cluster"),
  type: "aws:eks/cluster:Cluster",
  inputs: {},
  outputs: { vpcConfig: { clusterSecurityGroupId: "sg-cluster" } },
};
const group = (
  name: string,
  id: string,
  inputs: Record<string, unknown> = {},
): CheckedResource => ({
  urn: urn(SG, name),
  type: SG,
  inputs,
  id,
  outputs: { id },
});
const ingress = (name: string, inputs: Record<string, unknown>): CheckedResource => ({
  urn: urn(SG_IN, name),
  type: SG_IN,
  inputs: { ipProtocol: "tcp", ...inputs },
});
const ns = (name: string, labels: Record<string, string> = {}): CheckedResource => ({
  urn: urn("kubernetes:core/v1:Namespace", name),
  type: "kubernetes:core/v1:Namespace",
  inputs: { metadata: { name, labels } },
});
const policy = (
  name: string,
  namespace: string,
  spec: Record<string, unknown>,
): CheckedResource => ({
  urn: urn(NP, name),
  type: NP,
  inputs: { metadata: { name, namespace }, spec },
});

const brokersFlow: Flow = {
  name: "cluster -> brokers",
  from: { securityGroup: "eks-cluster" },
  to: { securityGroup: "brokers" },
  port: 9098,
  why: "t",
};
const brokers = group("brokers", "sg-b");
const brokersIn = ingress("brokers-in", {
  securityGroupId: "sg-b",
  referencedSecurityGroupId: "sg-cluster",
  fromPort: 9098,
  toPort: 9098,
});

describe("flows: an internal load balancer in the private subnets", () => {
  const subnet = (name: string, cidrBlock: string, tag: string): CheckedResource => ({
    urn: urn("aws:ec2/subnet:Subnet", name),
    type: "aws:ec2/subnet:Subnet",
    inputs: { cidrBlock, tags: { [tag]: "1" } },
  });
  const graph = (cidrs: string[]) => [
    vpc,
    cluster,
    subnet("private-0", "10.0.0.0/19", "kubernetes.io/role/internal-elb"),
    subnet("private-1", "10.0.32.0/19", "kubernetes.io/role/internal-elb"),
    subnet("public-0", "10.0.64.0/20", "kubernetes.io/role/elb"),
    group("lb", "sg-lb"),
    ns("apps", { "acme.io/app-namespace": "true" }),
    policy("deny", "apps", { podSelector: {}, policyTypes: ["Ingress"] }),
    policy("allow-lb", "apps", {
      podSelector: { matchLabels: { app: "a" } },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: cidrs.map((cidr) => ({ ipBlock: { cidr } })),
          ports: [{ protocol: "TCP", port: 8443 }],
        },
      ],
    }),
  ];
  const lbFlow: Flow = {
    name: "lb -> a",
    from: { securityGroup: "lb", inPrivateSubnets: true },
    to: { namespace: "apps", podLabels: { app: "a" } },
    port: 8443,
    why: "t",
  };

  it("admits it when the ipBlocks cover every private subnet", () => {
    assert.deepEqual(checkFlows(graph(["10.0.0.0/19", "10.0.32.0/19"]), [lbFlow]).errors, []);
  });

  it("blocks it when a private subnet is left out, or when the group is not said to be there", () => {
    const errors = checkFlows(graph(["10.0.0.0/19"]), [lbFlow]).errors;
    assert.match(errors[0], /^lb -> a: blocked by NetworkPolicy/);
    const anywhere = { ...lbFlow, from: { securityGroup: "lb" } };
    assert.match(
      checkFlows(graph(["10.0.0.0/19", "10.0.32.0/19"]), [anywhere]).errors[0],
      /^lb -> a: blocked by NetworkPolicy/,
    );
  });
});

describe("flows: security groups", () => {
  it("proves a flow admitted by the destination's ingress from the cluster group (EKS egress open)", () => {
    assert.deepEqual(checkFlows([vpc, cluster, brokers, brokersIn], [brokersFlow]), {
      checked: 1,
      errors: [],
    });
  });

  it("names the group whose ingress blocks, and reports the rule left undeclared", () => {
    const wrongPort = ingress("brokers-in", {
      securityGroupId: "sg-b",
      referencedSecurityGroupId: "sg-cluster",
      fromPort: 9092,
      toPort: 9092,
    });
    assert.deepEqual(checkFlows([vpc, cluster, brokers, wrongPort], [brokersFlow]).errors, [
      `cluster -> brokers: blocked by security group ${brokers.urn} (no ingress rule admits ${cluster.urn} on tcp/9098)`,
      `undeclared opening: security-group rule ${wrongPort.urn} (ingress tcp/9092-9092 sg-cluster); declare its flow in tools/checks/flowTable.ts or remove the rule`,
    ]);
  });

  it("a group the graph creates has only its declared egress (the provider drops AWS's default)", () => {
    const client = group("client", "sg-c");
    const flow: Flow = { ...brokersFlow, from: { securityGroup: "client" } };
    const fromClient = ingress("brokers-in", {
      securityGroupId: "sg-b",
      referencedSecurityGroupId: "sg-c",
      fromPort: 9098,
      toPort: 9098,
    });
    assert.deepEqual(checkFlows([vpc, brokers, client, fromClient], [flow]).errors, [
      `cluster -> brokers: blocked by security group ${client.urn} (no egress rule admits ${brokers.urn} on tcp/9098)`,
    ]);
    const egress: CheckedResource = {
      urn: urn(SG_OUT, "client-out"),
      type: SG_OUT,
      inputs: { securityGroupId: "sg-c", cidrIpv4: "10.0.0.0/8", ipProtocol: "-1" },
    };
    assert.deepEqual(checkFlows([vpc, brokers, client, fromClient, egress], [flow]).errors, []);
  });

  it("a VPC source needs an ingress CIDR containing the VPC, inline blocks count, tag Name resolves", () => {
    const endpoints = group("endpoints-sg", "sg-e", {
      tags: { Name: "endpoints" },
      ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.0.128.0/17"] }],
    });
    const flow: Flow = {
      name: "vpc -> endpoints",
      from: { cidr: "vpc" },
      to: { securityGroup: "endpoints" },
      port: 443,
      why: "t",
    };
    assert.deepEqual(checkFlows([vpc, endpoints], [flow]).errors, [
      `vpc -> endpoints: blocked by security group ${endpoints.urn} (no ingress rule admits the VPC on tcp/443)`,
      `undeclared opening: security-group rule ${endpoints.urn} ingress[0] (ingress tcp/443-443 10.0.128.0/17); declare its flow in tools/checks/flowTable.ts or remove the rule`,
    ]);
    assert.equal(cidrContains("10.0.0.0/8", "10.0.0.0/16"), true);
    assert.equal(cidrContains("10.0.128.0/17", "10.0.0.0/16"), false);
  });
});

describe("flows: NetworkPolicies", () => {
  const deny = policy("deny", "apps", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  const scrape: Flow = {
    name: "prom -> app 4191",
    from: { namespace: "monitoring", podLabels: { app: "prometheus" } },
    to: { namespace: "apps", podLabels: { app: "web" } },
    port: 4191,
    why: "t",
  };

  it("a namespace without policies is open; a selecting policy isolates", () => {
    assert.deepEqual(checkFlows([ns("apps"), ns("monitoring")], [scrape]).errors, []);
    assert.deepEqual(checkFlows([ns("apps"), ns("monitoring"), deny], [scrape]).errors, [
      `prom -> app 4191: blocked by NetworkPolicy ${deny.urn} (pods {"app":"web"} in namespace apps isolated for Ingress; no rule admits pods {"app":"prometheus"} in namespace monitoring on tcp/4191)`,
    ]);
  });

  it("a policy whose podSelector does not select the pod does not isolate it", () => {
    const other = policy("other", "apps", {
      podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["db"] }] },
      policyTypes: ["Ingress"],
    });
    assert.deepEqual(checkFlows([ns("apps"), ns("monitoring"), other], [scrape]).errors, []);
  });

  it("namespaceSelector AND podSelector in one peer; ports with endPort", () => {
    const allow = (peer: Record<string, unknown>, ports: unknown[]) =>
      policy("allow", "apps", {
        podSelector: {},
        policyTypes: ["Ingress"],
        ingress: [{ from: [peer], ports }],
      });
    const both = {
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
      podSelector: { matchLabels: { app: "prometheus" } },
    };
    const base = [ns("apps"), ns("monitoring"), deny];
    assert.deepEqual(
      checkFlows([...base, allow(both, [{ port: 4190, endPort: 4191 }])], [scrape]).errors,
      [],
    );
    const wrongPod = { ...both, podSelector: { matchLabels: { app: "grafana" } } };
    const blocked = checkFlows([...base, allow(wrongPod, [{ port: 4191 }])], [scrape]).errors;
    assert.equal(blocked.length, 2);
    assert.match(blocked[0], /^prom -> app 4191: blocked by NetworkPolicy /);
    assert.equal(
      blocked[1],
      `undeclared opening: NetworkPolicy ${urn(NP, "allow")} ingress[0]; declare its flow in tools/checks/flowTable.ts or remove the rule`,
    );
    // A podSelector alone selects in the policy's own namespace only.
    assert.equal(checkFlows([...base, allow({ podSelector: {} }, [])], [scrape]).errors.length, 2);
    // Namespace labels come from the Namespace object in the graph.
    const byLabel = { namespaceSelector: { matchLabels: { team: "obs" } } };
    assert.deepEqual(
      checkFlows(
        [ns("apps"), ns("monitoring", { team: "obs" }), deny, allow(byLabel, [{ port: 4191 }])],
        [scrape],
      ).errors,
      [],
    );
    // A named port does not match the numeric flow port.
    assert.equal(
      checkFlows([...base, allow(both, [{ port: "linkerd-admin" }])], [scrape]).errors.length,
      2,
    );
  });

  it("egress to a security group needs an ipBlock containing the VPC, without except", () => {
    const flow: Flow = {
      ...brokersFlow,
      name: "app -> brokers",
      from: { namespace: "apps", podLabels: {} },
    };
    const out = (ipBlock: Record<string, unknown>) =>
      policy("out", "apps", {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [{ to: [{ ipBlock }], ports: [{ port: 9098 }] }],
      });
    const base = [vpc, cluster, brokers, brokersIn, ns("apps"), deny];
    assert.deepEqual(checkFlows([...base, out({ cidr: "10.0.0.0/16" })], [flow]).errors, []);
    assert.deepEqual(
      checkFlows([...base, out({ cidr: "10.0.0.0/16", except: ["10.0.1.0/24"] })], [flow]).errors,
      [
        `app -> brokers: blocked by NetworkPolicy ${deny.urn}, ${urn(NP, "out")} (pods {} in namespace apps isolated for Egress; no rule admits security group ${brokers.urn} on tcp/9098)`,
        `undeclared opening: NetworkPolicy ${urn(NP, "out")} egress[0]; declare its flow in tools/checks/flowTable.ts or remove the rule`,
      ],
    );
  });
});

describe("flows: the Kubernetes API", () => {
  const deny = policy("deny", "apps", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  const flow: Flow = {
    name: "reader -> Kubernetes API",
    from: { namespace: "apps", podLabels: { app: "reader" } },
    to: { kubernetesApi: true },
    port: 443,
    why: "t",
    onlyWhere: "reader is bound",
    onlyWhereRoleBoundTo: "reader",
  };
  const withServiceCidr: CheckedResource = {
    ...cluster,
    outputs: { ...cluster.outputs, kubernetesNetworkConfig: { serviceIpv4Cidr: "172.20.0.0/16" } },
  };
  const binding: CheckedResource = {
    urn: urn("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "reader"),
    type: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    inputs: { subjects: [{ kind: "ServiceAccount", name: "reader", namespace: "apps" }] },
  };
  const toApi = (cidr: string) =>
    policy("api", "apps", {
      podSelector: { matchLabels: { app: "reader" } },
      policyTypes: ["Egress"],
      egress: [{ to: [{ ipBlock: { cidr } }], ports: [{ protocol: "TCP", port: 443 }] }],
    });
  const base = [vpc, withServiceCidr, ns("apps"), deny, binding];

  it("admits the pods by an ipBlock holding the kubernetes Service's ClusterIP, not by the VPC's", () => {
    const open = checkFlows([...base, toApi("172.20.0.1/32")], [flow]);
    assert.deepEqual(open, { checked: 1, errors: [] });
    assert.deepEqual(checkFlows([...base, toApi("10.0.0.0/16")], [flow]).errors, [
      `reader -> Kubernetes API: blocked by NetworkPolicy ${deny.urn}, ${urn(NP, "api")} (pods {"app":"reader"} in namespace apps isolated for Egress; no rule admits the Kubernetes API (the kubernetes Service's ClusterIP) on tcp/443)`,
      `undeclared opening: NetworkPolicy ${urn(NP, "api")} egress[0]; declare its flow in tools/checks/flowTable.ts or remove the rule`,
    ]);
  });

  it("checks the flow only where the Role is bound, and reports an unknown Service CIDR", () => {
    assert.equal(checkFlows([vpc, withServiceCidr, ns("apps"), deny], [flow]).checked, 0);
    assert.deepEqual(
      checkFlows([vpc, cluster, ns("apps"), binding, toApi("172.20.0.1/32")], [flow]).errors,
      [
        "reader -> Kubernetes API: blocked by no EKS cluster with kubernetesNetworkConfig.serviceIpv4Cidr in the graph (the kubernetes Service's ClusterIP is unknown)",
        `reader -> Kubernetes API: blocked by NetworkPolicy ${urn(NP, "api")} (pods {"app":"reader"} in namespace apps isolated for Egress; no rule admits the Kubernetes API (the kubernetes Service's ClusterIP) on tcp/443)`,
        `undeclared opening: NetworkPolicy ${urn(NP, "api")} egress[0]; declare its flow in tools/checks/flowTable.ts or remove the rule`,
      ],
    );
  });
});

/** Prod's findings: every declared flow is open and nothing undeclared is (issue 9 findings 5, 7, 9 fixed). */
const EXPECTED_PROD_FLOW_ERRORS: string[] = [];

describe("flows: the prod program", () => {
  it("is registered with the plan's cross-checks", () => {
    assert.deepEqual(
      CROSS_CHECKS.map((c) => c.name).filter((n) => n === "flows"),
      ["flows"],
    );
  });

  it("proves prod's flows open, and names the flow when an SG rule or a NetworkPolicy port breaks", async () => {
    const run = cachedPlan("prod");
    const result = checkFlows(run.checkable);
    // Every flow but those of the Step Functions engine's Fargate steps, which prod (on Argo)
    // does not run; stepFunctionsStack.plan.test.ts checks them on prod with that engine.
    const fargate = FLOWS.filter((f) =>
      [f.from, f.to].some(
        (e) => "securityGroup" in e && e.securityGroup === FARGATE_STEPS.securityGroup,
      ),
    );
    assert.equal(fargate.length, 1);
    assert.equal(result.checked, FLOWS.length - fargate.length);
    assert.deepEqual(result.errors, EXPECTED_PROD_FLOW_ERRORS);

    const deleted = run.checkable.filter(
      (r) =>
        !(
          r.type === SG_IN &&
          (r.inputs as { fromPort?: number }).fromPort === 9098 &&
          r.urn.endsWith("::events-iam-from-0")
        ),
    );
    assert.equal(deleted.length, run.checkable.length - 1);
    const brokersUrn = run.checkable.find(
      (r) => r.type === SG && r.urn.endsWith("::events-brokers"),
    )!.urn;
    const clusterUrn = run.checkable.find((r) => r.type === "aws:eks/cluster:Cluster")!.urn;
    const extra = checkFlows(deleted).errors.filter((e) => !EXPECTED_PROD_FLOW_ERRORS.includes(e));
    // Both flows through the cluster group to the brokers lose their only ingress rule.
    assert.deepEqual(extra, [
      `cluster -> brokers 9098: blocked by security group ${brokersUrn} (no ingress rule admits ${clusterUrn} on tcp/9098)`,
      `app pods -> brokers 9098: blocked by security group ${brokersUrn} (no ingress rule admits ${clusterUrn} on tcp/9098)`,
    ]);

    // A NetworkPolicy port changed by mistake: Prometheus loses the proxies, and the policy's new
    // opening is declared by no flow.
    const shifted = run.checkable.map((r) =>
      r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" &&
      r.urn.endsWith("::services-allow-prometheus")
        ? {
            ...r,
            inputs: JSON.parse(JSON.stringify(r.inputs).replace(/"port":4191/g, '"port":4192')),
          }
        : r,
    );
    const broken = checkFlows(shifted).errors;
    assert.equal(broken.length, 2, broken.join("\n"));
    assert.match(broken[0], /^prometheus -> app proxies 4191: blocked by NetworkPolicy /);
    assert.match(
      broken[1],
      /^undeclared opening: NetworkPolicy .*services-allow-prometheus ingress\[0\]/,
    );

    // Linkerd: without the AuthorizationPolicy for the cluster's Prometheus, the proxies' admin
    // Server refuses it (unmeshed, it has no identity).
    const unauthorized = checkFlows(
      run.checkable.filter((r) => !r.urn.endsWith("::services-cluster-prometheus-scrape-policy")),
    ).errors;
    assert.equal(unauthorized.length, 1, unauthorized.join("\n"));
    assert.match(
      unauthorized[0],
      /^prometheus -> app proxies 4191: blocked by Linkerd Server \S+ \(no AuthorizationPolicy admits pods \{"app.kubernetes.io\/name":"prometheus"\} in namespace monitoring \(unmeshed: only a NetworkAuthentication can\)\)$/,
    );
    // A NetworkAuthentication that no longer covers the pod network refuses it too.
    const narrowed = run.checkable.map((r) =>
      r.urn.endsWith("::services-pod-network-authn")
        ? { ...r, inputs: { ...r.inputs, spec: { networks: [{ cidr: "192.168.0.0/16" }] } } }
        : r,
    );
    assert.match(
      checkFlows(narrowed).errors.join("\n"),
      /^prometheus -> app proxies 4191: blocked by Linkerd Server/,
    );
    // An app port with no Server falls to the namespace's `deny` default.
    const toApp = checkFlows(run.checkable, [
      {
        name: "viz -> app 8080",
        from: { namespace: "linkerd-viz", podLabels: {}, serviceAccount: "web", meshed: true },
        to: { namespace: APP_NAMESPACES, podLabels: {} },
        port: 8080,
        why: "test",
      },
    ]).errors.filter((e) => e.startsWith("viz -> app 8080"));
    assert.ok(
      toApp.some((e) =>
        /Linkerd \(no Server for .* port 8080; namespace default inbound policy "deny"/.test(e),
      ),
      toApp.join("\n"),
    );
  });
});
