import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { checkHelmValues } from "../../tools/checks/helmValues";
import type { Capture } from "../../tools/mocks";
import {
  assertChartHasValues,
  type IamDecision,
  MOCK_ACCOUNT_ID,
  mockPlatform,
  ofType,
  pinnedChart,
  policyOf,
  simulateIam,
  single,
  TEST_REGION,
  testQueueArgs,
  valueOf,
} from "../../tools/testing";
import { CHARTS } from "../lib";
import { Queue } from "../messaging/queue";
import { validateManifest } from "../../tools/checks/manifests";
import {
  Keda,
  KEDA_AWS_AUTHENTICATION,
  type KedaArgs,
  kedaPodMonitor,
  kedaValues,
  validateKedaArgs,
} from "./keda";

const CLUSTER = "acme-test";
const ROLE = `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/keda-operator`;
const KEY_ARN = `arn:aws:kms:${TEST_REGION}:${MOCK_ACCOUNT_ID}:key/11111111-2222-3333-4444-555555555555`;
const RELEASE = "kubernetes:helm.sh/v3:Release";

describe("Keda", () => {
  let capture: Capture;
  let provider: k8s.Provider;
  let tasks: Queue;
  let other: Queue;
  let urn: string;

  const args = (overrides: Partial<KedaArgs> = {}): KedaArgs => ({
    provider,
    clusterName: CLUSTER,
    region: TEST_REGION,
    accountId: MOCK_ACCOUNT_ID,
    partition: "aws",
    scaledQueues: [tasks],
    highAvailability: false,
    ...overrides,
  });

  /** The decision for the operator's role making one request. */
  async function decide(action: string, resource: string): Promise<IamDecision> {
    const policy = policyOf(single(capture, "aws:iam/rolePolicy:RolePolicy", "keda-operator"));
    return simulateIam({ principal: ROLE, identityPolicies: { keda: policy }, action, resource });
  }

  before(async () => {
    capture = await mockPlatform();
    provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    tasks = new Queue("tasks", testQueueArgs(KEY_ARN));
    other = new Queue("other", testQueueArgs(KEY_ARN));
    const keda = new Keda("keda", args());
    new Keda("keda-ha", args({ highAvailability: true }));
    await capture.settle();
    urn = await valueOf(keda.urn);
  });

  it("installs the chart as pinned in components/lib/charts.ts, highly available or not", () => {
    for (const name of ["keda-release", "keda-ha-release"]) {
      const { chart, version, repositoryOpts } = single(capture, RELEASE, name).inputs;
      assert.deepEqual({ chart, version, repositoryOpts }, pinnedChart(CHARTS.keda));
    }
  });

  it("installs one release in an unmeshed keda namespace, after the namespace and its identity", () => {
    const releases = ofType(capture, RELEASE, urn);
    assert.equal(releases.length, 1);
    const release = releases[0];
    const { values, ...rest } = release.inputs;
    assert.deepEqual(rest, {
      compat: "true",
      name: "keda",
      ...pinnedChart(CHARTS.keda),
      namespace: "keda",
      createNamespace: false,
      atomic: true,
      cleanupOnFail: true,
    });
    assert.deepEqual(values, {
      serviceAccount: { operator: { create: true, name: "keda-operator" } },
      operator: { replicaCount: 1 },
      metricsServer: { replicaCount: 1 },
      webhooks: { replicaCount: 1 },
      prometheus: {
        operator: { enabled: true },
        metricServer: { enabled: true },
        webhooks: { enabled: true },
      },
    });
    const namespace = single(capture, "kubernetes:core/v1:Namespace", "keda-namespace");
    assert.deepEqual(namespace.inputs.metadata, {
      name: "keda",
      annotations: { "linkerd.io/inject": "disabled" },
    });
    const [k8sProvider] = ofType(capture, "pulumi:providers:kubernetes");
    assert.equal(release.provider, `${k8sProvider.urn}::${k8sProvider.id}`);
    const association = single(
      capture,
      "aws:eks/podIdentityAssociation:PodIdentityAssociation",
      "keda-operator",
    );
    const policy = single(capture, "aws:iam/rolePolicy:RolePolicy", "keda-operator");
    for (const [what, dep] of [
      ["namespace", namespace],
      ["association", association],
      ["policy", policy],
    ] as const) {
      assert.ok(release.dependencies.includes(dep.urn), `release waits for the ${what}`);
    }
  });

  it("runs two of each workload with a budget and zone spread when highly available", () => {
    const values = single(capture, RELEASE, "keda-ha-release").inputs.values;
    assert.deepEqual(values, kedaValues({ highAvailability: true }));
    const spread = (app: string) => [
      {
        maxSkew: 1,
        topologyKey: "topology.kubernetes.io/zone",
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: { app } },
      },
    ];
    assert.deepEqual(values, {
      serviceAccount: { operator: { create: true, name: "keda-operator" } },
      operator: { replicaCount: 2 },
      metricsServer: { replicaCount: 2 },
      webhooks: { replicaCount: 2 },
      prometheus: {
        operator: { enabled: true },
        metricServer: { enabled: true },
        webhooks: { enabled: true },
      },
      podDisruptionBudget: {
        operator: { maxUnavailable: 1 },
        metricServer: { maxUnavailable: 1 },
        webhooks: { maxUnavailable: 1 },
      },
      topologySpreadConstraints: {
        operator: spread("keda-operator"),
        metricsServer: spread("keda-operator-metrics-apiserver"),
        webhooks: spread("keda-admission-webhooks"),
      },
    });
  });

  it("lets scalers read AWS with the operator's Pod Identity, through a valid ClusterTriggerAuthentication", () => {
    const auths = ofType(capture, "kubernetes:keda.sh/v1alpha1:ClusterTriggerAuthentication", urn);
    assert.equal(auths.length, 1);
    assert.deepEqual(auths[0].inputs.metadata, { name: KEDA_AWS_AUTHENTICATION });
    assert.deepEqual(auths[0].inputs.spec, {
      podIdentity: { provider: "aws", identityOwner: "keda" },
    });
    assert.deepEqual(validateManifest(auths[0].inputs), []);
  });

  it("has every workload's metrics scraped by one valid PodMonitor that keeps KEDA's namespace label", () => {
    const monitor = kedaPodMonitor("monitoring");
    assert.deepEqual(validateManifest(monitor), []);
    assert.deepEqual(monitor.spec, {
      namespaceSelector: { matchNames: ["keda"] },
      selector: {
        matchExpressions: [
          {
            key: "app",
            operator: "In",
            values: ["keda-operator", "keda-operator-metrics-apiserver", "keda-admission-webhooks"],
          },
        ],
      },
      podMetricsEndpoints: [
        { port: "metrics", path: "/metrics", interval: "60s", honorLabels: true },
      ],
    });
  });

  it("sets only keys the pinned chart has", () => {
    assertChartHasValues(capture, CHARTS.keda, ["keda-release", "keda-ha-release"]);
  });

  it("reports a key the chart does not have", () => {
    assert.deepEqual(
      checkHelmValues(CHARTS.keda.name, CHARTS.keda.version, { operator: { replicas: 2 } }),
      [
        {
          chart: "keda",
          path: "operator.replicas",
          message:
            'the chart has no value "operator.replicas"; did you mean operator.replicaCount?',
        },
      ],
    );
  });

  it("trusts Pod Identity for the operator's service account of this cluster only, and associates it", () => {
    const role = single(capture, "aws:iam/role:Role", "keda-operator");
    assert.deepEqual(policyOf(role, "assumeRolePolicy").Statement, [
      {
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
          StringEquals: {
            "aws:SourceAccount": MOCK_ACCOUNT_ID,
            "aws:RequestTag/eks-cluster-name": CLUSTER,
            "aws:RequestTag/kubernetes-namespace": "keda",
            "aws:RequestTag/kubernetes-service-account": "keda-operator",
          },
        },
      },
    ]);
    const association = single(
      capture,
      "aws:eks/podIdentityAssociation:PodIdentityAssociation",
      "keda-operator",
    );
    assert.deepEqual(association.inputs, {
      clusterName: CLUSTER,
      namespace: "keda",
      serviceAccount: "keda-operator",
      roleArn: role.outputs.arn,
    });
  });

  it("grants exactly sqs:GetQueueAttributes on the scaled queues, in one policy", async () => {
    const policies = ofType(capture, "aws:iam/rolePolicy:RolePolicy", urn);
    assert.equal(policies.length, 1);
    assert.equal(
      ofType(capture, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", urn).length,
      0,
    );
    assert.deepEqual(policyOf(policies[0]).Statement, [
      {
        Sid: "ReadScaledQueueDepth",
        Effect: "Allow",
        Action: ["sqs:GetQueueAttributes"],
        Resource: [await valueOf(tasks.queueArn)],
      },
    ]);
  });

  it("lets IAM allow reading the scaled queue's depth and deny everything else", async () => {
    const tasksArn = await valueOf(tasks.queueArn);
    const rows: Array<[string, string, IamDecision]> = [
      ["sqs:GetQueueAttributes", tasksArn, "Allowed"],
      ["sqs:GetQueueAttributes", await valueOf(other.queueArn), "ImplicitlyDenied"],
      ["sqs:GetQueueAttributes", await valueOf(tasks.deadLetterQueueArn), "ImplicitlyDenied"],
      ["sqs:ReceiveMessage", tasksArn, "ImplicitlyDenied"],
      ["sqs:SendMessage", tasksArn, "ImplicitlyDenied"],
      ["sqs:DeleteMessage", tasksArn, "ImplicitlyDenied"],
      ["kms:Decrypt", KEY_ARN, "ImplicitlyDenied"],
    ];
    const wrong: string[] = [];
    for (const [action, resource, expected] of rows) {
      const actual = await decide(action, resource);
      if (actual !== expected) wrong.push(`${action} ${resource}: ${actual}`);
    }
    assert.deepEqual(wrong, []);
  });

  it("rejects bad arguments with every problem named and registers nothing", async () => {
    const bad = args({
      clusterName: " ",
      region: "Ireland",
      scaledQueues: [],
      highAvailability: "yes" as unknown as boolean,
      provider: {} as k8s.Provider,
    });
    assert.deepEqual(
      validateKedaArgs(bad).map((e) => e.propertyPath),
      ["provider", "clusterName", "region", "scaledQueues", "highAvailability"],
    );
    assert.deepEqual(
      validateKedaArgs(args({ scaledQueues: [tasks, {} as Queue] })).map((e) => e.propertyPath),
      ["scaledQueues[1]"],
    );
    const before = capture.resources.size;
    assert.throws(
      () => new Keda("bad", bad),
      (e: Error) =>
        pulumi.InputPropertiesError.isInstance(e) &&
        /Keda: 5 invalid arguments/.test(e.message) &&
        /scaledQueues: must name at least one Queue/.test(e.message),
    );
    await capture.settle();
    assert.equal(capture.resources.size, before);
  });
});
