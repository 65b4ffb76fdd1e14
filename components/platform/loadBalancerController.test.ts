import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { checkHelmValues } from "../../tools/checks/helmValues";
import type { Capture } from "../../tools/mocks";
import {
  type IamDecision,
  MOCK_ACCOUNT_ID,
  mockPlatform,
  ofType,
  pinnedChart,
  policyOf,
  simulateIam,
  single,
  TEST_REGION,
} from "../../tools/testing";
import { CHARTS } from "../lib";
import {
  LoadBalancerController,
  type LoadBalancerControllerArgs,
  validateLoadBalancerControllerArgs,
} from "./loadBalancerController";

const VPC = "vpc-0123456789abcdef0";
const OTHER_VPC = "vpc-0fedcba9876543210";
const CLUSTER = "acme-test";
const ELB = `arn:aws:elasticloadbalancing:${TEST_REGION}:${MOCK_ACCOUNT_ID}`;
const ROLE = `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/lbc`;

describe("LoadBalancerController", () => {
  let capture: Capture;
  let provider: k8s.Provider;
  let urn: string;

  const args = (
    overrides: Partial<LoadBalancerControllerArgs> = {},
  ): LoadBalancerControllerArgs => ({
    provider,
    clusterName: CLUSTER,
    vpcId: VPC,
    region: TEST_REGION,
    accountId: MOCK_ACCOUNT_ID,
    partition: "aws",
    highAvailability: false,
    ...overrides,
  });

  const expectedValues = (ha: boolean) => ({
    clusterName: CLUSTER,
    region: TEST_REGION,
    vpcId: VPC,
    serviceAccount: { create: true, name: "aws-load-balancer-controller" },
    replicaCount: 2,
    podDisruptionBudget: { maxUnavailable: 1 },
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
    enableServiceMutatorWebhook: false,
    keepTLSSecret: true,
    ...(ha
      ? {
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "topology.kubernetes.io/zone",
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: {
                matchLabels: { "app.kubernetes.io/name": "aws-load-balancer-controller" },
              },
            },
          ],
        }
      : {}),
  });

  /** The decision for the controller's role making one request. */
  async function decide(
    action: string,
    resource: string,
    context: Record<string, string | string[]> = {},
  ): Promise<IamDecision> {
    const identityPolicy = policyOf(single(capture, "aws:iam/rolePolicy:RolePolicy", "lbc"));
    return simulateIam({
      principal: ROLE,
      identityPolicies: { lbc: identityPolicy },
      action,
      resource,
      context,
    });
  }

  before(async () => {
    capture = await mockPlatform();
    provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    const lbc = new LoadBalancerController("lbc", args());
    new LoadBalancerController("lbc-ha", args({ highAvailability: true }));
    await capture.settle();
    urn = await new Promise<string>((resolve) => lbc.urn.apply(resolve));
  });

  it("installs the chart as pinned in components/lib/charts.ts, highly available or not", () => {
    for (const name of ["lbc", "lbc-ha"]) {
      const { chart, version, repositoryOpts } = single(
        capture,
        "kubernetes:helm.sh/v3:Release",
        name,
      ).inputs;
      assert.deepEqual(
        { chart, version, repositoryOpts },
        pinnedChart(CHARTS.loadBalancerController),
      );
    }
  });

  it("installs one release in kube-system through the cluster's provider, after its identity", () => {
    const releases = ofType(capture, "kubernetes:helm.sh/v3:Release", urn);
    assert.equal(releases.length, 1);
    const release = releases[0];
    const { values, ...rest } = release.inputs;
    assert.deepEqual(rest, {
      compat: "true",
      name: "aws-load-balancer-controller",
      ...pinnedChart(CHARTS.loadBalancerController),
      namespace: "kube-system",
    });
    assert.deepEqual(values, expectedValues(false));
    const [k8sProvider] = ofType(capture, "pulumi:providers:kubernetes");
    assert.equal(release.provider, `${k8sProvider.urn}::${k8sProvider.id}`);
    const association = single(
      capture,
      "aws:eks/podIdentityAssociation:PodIdentityAssociation",
      "lbc",
    );
    const policy = single(capture, "aws:iam/rolePolicy:RolePolicy", "lbc");
    assert.ok(release.dependencies.includes(association.urn), "release waits for the association");
    assert.ok(release.dependencies.includes(policy.urn), "release waits for the policy");
  });

  it("spreads the replicas over zones when highly available", () => {
    const release = single(capture, "kubernetes:helm.sh/v3:Release", "lbc-ha");
    assert.deepEqual(release.inputs.values, expectedValues(true));
  });

  it("sets only keys the pinned chart has", () => {
    for (const name of ["lbc", "lbc-ha"]) {
      const release = single(capture, "kubernetes:helm.sh/v3:Release", name);
      assert.deepEqual(
        checkHelmValues(
          CHARTS.loadBalancerController.name,
          CHARTS.loadBalancerController.version,
          release.inputs.values as Record<string, unknown>,
        ),
        [],
      );
    }
  });

  it("reports a key the chart does not have", () => {
    assert.deepEqual(
      checkHelmValues(CHARTS.loadBalancerController.name, CHARTS.loadBalancerController.version, {
        replicas: 2,
      }),
      [
        {
          chart: "aws-load-balancer-controller",
          path: "replicas",
          message: 'the chart has no value "replicas"; did you mean replicaCount?',
        },
      ],
    );
  });

  it("trusts Pod Identity for the chart's service account of this cluster only, and associates it", () => {
    const role = single(capture, "aws:iam/role:Role", "lbc");
    // Without the session tags' conditions any Pod Identity association in the account could
    // assume the controller's role (issue 9, finding 15).
    assert.deepEqual(policyOf(role, "assumeRolePolicy").Statement, [
      {
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
          StringEquals: {
            "aws:SourceAccount": MOCK_ACCOUNT_ID,
            "aws:RequestTag/eks-cluster-name": CLUSTER,
            "aws:RequestTag/kubernetes-namespace": "kube-system",
            "aws:RequestTag/kubernetes-service-account": "aws-load-balancer-controller",
          },
        },
      },
    ]);
    const association = single(
      capture,
      "aws:eks/podIdentityAssociation:PodIdentityAssociation",
      "lbc",
    );
    assert.deepEqual(association.inputs, {
      clusterName: CLUSTER,
      namespace: "kube-system",
      serviceAccount: "aws-load-balancer-controller",
      roleArn: role.outputs.arn,
    });
  });

  it("grants the upstream policy's statements, each named by purpose", () => {
    const policy = single(capture, "aws:iam/rolePolicy:RolePolicy", "lbc");
    const statements = policyOf(policy).Statement;
    assert.deepEqual(
      statements.map((s) => s.Sid),
      [
        "CreateElbServiceLinkedRole",
        "Describe",
        "IngressIntegrations",
        "AllowLoadBalancerTrafficInVpc",
        "CreateSecurityGroups",
        "TagSecurityGroupsOnCreate",
        "RetagOwnedSecurityGroups",
        "ManageOwnedSecurityGroups",
        "CreateTaggedLoadBalancers",
        "TagLoadBalancersOnCreate",
        "RetagOwnedLoadBalancers",
        "ManageOwnedLoadBalancers",
        "RegisterTargets",
        "CreateListenersAndRules",
        "TagListenersAndRules",
        "ModifyListenersAndRules",
      ],
    );
    assert.ok(statements.every((s) => s.Effect === "Allow"));
    // The same 80 distinct actions as v3.5.0's docs/install/iam_policy.json.
    const actions = new Set(statements.flatMap((s) => s.Action as string | string[]));
    assert.equal(actions.size, 80);
    // Role inline policies share a 10,240-character quota.
    assert.ok((policy.inputs.policy as string).length < 10_240);
    const bySid = new Map(statements.map((s) => [s.Sid, s]));
    const owned = { StringEquals: { "aws:ResourceTag/elbv2.k8s.aws/cluster": CLUSTER } };
    assert.deepEqual(bySid.get("ManageOwnedLoadBalancers")?.Condition, owned);
    assert.deepEqual(bySid.get("ManageOwnedSecurityGroups")?.Condition, owned);
    assert.deepEqual(bySid.get("CreateTaggedLoadBalancers")?.Condition, {
      StringEquals: { "aws:RequestTag/elbv2.k8s.aws/cluster": CLUSTER },
    });
    assert.deepEqual(bySid.get("RetagOwnedLoadBalancers")?.Condition, {
      Null: { "aws:RequestTag/elbv2.k8s.aws/cluster": "true" },
      ...owned,
    });
    assert.deepEqual(bySid.get("AllowLoadBalancerTrafficInVpc")?.Condition, {
      ArnEquals: { "ec2:Vpc": `arn:aws:ec2:${TEST_REGION}:${MOCK_ACCOUNT_ID}:vpc/${VPC}` },
    });
    assert.deepEqual(bySid.get("RegisterTargets")?.Resource, `${ELB}:targetgroup/*/*`);
  });

  it("lets the controller change only load balancers tagged with its own cluster", async () => {
    const lb = `${ELB}:loadbalancer/app/k8s-web/50dc6c495c0c9188`;
    const tag = "aws:ResourceTag/elbv2.k8s.aws/cluster";
    assert.equal(
      await decide("elasticloadbalancing:DeleteLoadBalancer", lb, { [tag]: CLUSTER }),
      "Allowed",
    );
    assert.equal(
      await decide("elasticloadbalancing:DeleteLoadBalancer", lb, { [tag]: "acme-other" }),
      "ImplicitlyDenied",
    );
    assert.equal(await decide("elasticloadbalancing:DeleteLoadBalancer", lb), "ImplicitlyDenied");
    const request = "aws:RequestTag/elbv2.k8s.aws/cluster";
    assert.equal(
      await decide("elasticloadbalancing:CreateLoadBalancer", lb, {
        [request]: CLUSTER,
        "aws:TagKeys": ["elbv2.k8s.aws/cluster"],
      }),
      "Allowed",
    );
    assert.equal(
      await decide("elasticloadbalancing:CreateLoadBalancer", lb),
      "ImplicitlyDenied",
      "an untagged load balancer would be unowned",
    );
  });

  it("lets the controller open security groups only in the cluster's VPC", async () => {
    const sg = `arn:aws:ec2:${TEST_REGION}:${MOCK_ACCOUNT_ID}:security-group/sg-0123456789abcdef0`;
    const vpc = (id: string) => `arn:aws:ec2:${TEST_REGION}:${MOCK_ACCOUNT_ID}:vpc/${id}`;
    assert.equal(
      await decide("ec2:AuthorizeSecurityGroupIngress", sg, { "ec2:Vpc": vpc(VPC) }),
      "Allowed",
    );
    assert.equal(
      await decide("ec2:AuthorizeSecurityGroupIngress", sg, { "ec2:Vpc": vpc(OTHER_VPC) }),
      "ImplicitlyDenied",
    );
    assert.equal(
      await decide("ec2:DeleteSecurityGroup", sg, { "ec2:Vpc": vpc(VPC) }),
      "ImplicitlyDenied",
      "only groups the controller created may be deleted",
    );
  });

  it("rejects bad arguments with every problem named and registers nothing", async () => {
    const bad = args({
      clusterName: " ",
      vpcId: "vpc-xyz",
      region: "Ireland",
      highAvailability: "yes" as unknown as boolean,
      provider: {} as k8s.Provider,
    });
    assert.deepEqual(
      validateLoadBalancerControllerArgs(bad).map((e) => e.propertyPath),
      ["provider", "clusterName", "vpcId", "region", "highAvailability"],
    );
    const before = capture.resources.size;
    assert.throws(
      () => new LoadBalancerController("bad", bad),
      (e: Error) =>
        pulumi.InputPropertiesError.isInstance(e) &&
        /LoadBalancerController: 5 invalid arguments/.test(e.message) &&
        /region: "Ireland" is not an AWS Region code/.test(e.message),
    );
    await capture.settle();
    assert.equal(capture.resources.size, before);
  });
});
