import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import type { Capture, CapturedResource } from "../../tools/mocks";
import { MOCK_ACCOUNT_ID, mockPlatform, ofType, single, TEST_REGION } from "../../tools/testing";
import {
  KafkaCluster,
  type KafkaClusterArgs,
  RECOMMENDED_KAFKA_VERSION,
  validateKafkaClusterArgs,
} from "./kafka";

const KEYS = {
  data: `arn:aws:kms:${TEST_REGION}:${MOCK_ACCOUNT_ID}:key/data`,
  logs: `arn:aws:kms:${TEST_REGION}:${MOCK_ACCOUNT_ID}:key/logs`,
};
const CLIENT_SGS = ["sg-0eks0cluster000001", "sg-0eks0nodes0000001"];

/** Two AZs, one broker each, replication 2/1: what the dev stack runs. */
function devArgs(overrides: Partial<KafkaClusterArgs> = {}): KafkaClusterArgs {
  return {
    clusterName: "acme-dev-events",
    kafkaVersion: RECOMMENDED_KAFKA_VERSION,
    vpcId: "vpc-0123456789abcdef0",
    subnetIds: ["subnet-a", "subnet-b"],
    azCount: 2,
    brokersPerAz: 1,
    instanceType: "kafka.t3.small",
    storage: { initialGiB: 20, maxGiB: 100, targetUtilizationPercent: 70 },
    dataKeyArn: KEYS.data,
    logsKeyArn: KEYS.logs,
    logRetentionInDays: 30,
    clientSecurityGroupIds: CLIENT_SGS,
    replication: { defaultReplicationFactor: 2, minInsyncReplicas: 1 },
    region: TEST_REGION,
    accountId: MOCK_ACCOUNT_ID,
    partition: "aws",
    ...overrides,
  };
}

/** Three AZs, two brokers each, replication 3/2, protected: what production runs. */
function prodArgs(): KafkaClusterArgs {
  return devArgs({
    clusterName: "acme-prod-events",
    subnetIds: ["subnet-a", "subnet-b", "subnet-c"],
    azCount: 3,
    brokersPerAz: 2,
    instanceType: "kafka.m7g.large",
    storage: { initialGiB: 500, maxGiB: 4000, targetUtilizationPercent: 60 },
    logRetentionInDays: 365,
    clientSecurityGroupIds: [CLIENT_SGS[1]],
    replication: { defaultReplicationFactor: 3, minInsyncReplicas: 2 },
    enhancedMonitoring: "PER_TOPIC_PER_PARTITION",
    protect: true,
  });
}

/** Parses `server.properties` text into a map (the format MSK takes). */
function parseProperties(text: unknown): Record<string, string> {
  assert.equal(typeof text, "string");
  const lines = (text as string).split("\n").filter((l) => l.trim() !== "");
  return Object.fromEntries(
    lines.map((l) => {
      const at = l.indexOf("=");
      return [l.slice(0, at), l.slice(at + 1)];
    }),
  );
}

const urnOf = (c: KafkaCluster) => new Promise<string>((resolve) => c.urn.apply(resolve));

describe("KafkaCluster", () => {
  let capture: Capture;
  let urns: { dev: string; prod: string };
  const inDev = (type: string) => ofType(capture, type, urns.dev);
  const inProd = (type: string) => ofType(capture, type, urns.prod);
  const outputs: Record<string, unknown> = {};

  before(async () => {
    capture = await mockPlatform();
    const dev = new KafkaCluster("dev", devArgs());
    const prod = new KafkaCluster("prod", prodArgs());
    await capture.settle();
    urns = { dev: await urnOf(dev), prod: await urnOf(prod) };
    const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
    Object.assign(outputs, {
      clusterArn: await value(dev.clusterArn),
      clusterName: await value(dev.clusterName),
      clusterUuid: await value(dev.clusterUuid),
      bootstrapBrokersSaslIam: await value(dev.bootstrapBrokersSaslIam),
      securityGroupId: await value(dev.securityGroupId),
      configurationArn: await value(dev.configurationArn),
      brokerLogGroupName: await value(dev.brokerLogGroupName),
    });
  });

  function expectedCluster(which: "dev" | "prod"): Record<string, unknown> {
    const inComponent = which === "dev" ? inDev : inProd;
    const [sg] = inComponent("aws:ec2/securityGroup:SecurityGroup");
    const [config] = inComponent("aws:msk/configuration:Configuration");
    const args = which === "dev" ? devArgs() : prodArgs();
    return {
      clusterName: args.clusterName,
      kafkaVersion: "4.1.x.kraft",
      numberOfBrokerNodes: which === "dev" ? 2 : 6,
      brokerNodeGroupInfo: {
        instanceType: args.instanceType,
        clientSubnets: args.subnetIds,
        securityGroups: [sg.id],
        storageInfo: { ebsStorageInfo: { volumeSize: args.storage.initialGiB } },
        connectivityInfo: { publicAccess: { type: "DISABLED" } },
      },
      encryptionInfo: {
        encryptionAtRestKmsKeyArn: KEYS.data,
        encryptionInTransit: { clientBroker: "TLS", inCluster: true },
      },
      clientAuthentication: { sasl: { iam: true, scram: false }, unauthenticated: false },
      configurationInfo: { arn: config.outputs.arn, revision: 1 },
      openMonitoring: {
        prometheus: {
          jmxExporter: { enabledInBroker: true },
          nodeExporter: { enabledInBroker: true },
        },
      },
      loggingInfo: {
        brokerLogs: {
          cloudwatchLogs: { enabled: true, logGroup: `/aws/msk/${args.clusterName}/broker` },
        },
      },
      enhancedMonitoring: which === "dev" ? "PER_TOPIC_PER_BROKER" : "PER_TOPIC_PER_PARTITION",
    };
  }

  it("creates a dev-like cluster: 2 brokers, TLS only, IAM only, data key, logs and exporters on", () => {
    const [cluster] = inDev("aws:msk/cluster:Cluster");
    assert.deepEqual(cluster.inputs, expectedCluster("dev"));
    assert.equal(cluster.protect, false);
    assert.deepEqual(cluster.ignoreChanges, [
      "brokerNodeGroupInfo.storageInfo.ebsStorageInfo.volumeSize",
    ]);
  });

  it("creates a prod-like cluster: 6 brokers over 3 AZs, protected, per-partition metrics", () => {
    const [cluster] = inProd("aws:msk/cluster:Cluster");
    assert.deepEqual(cluster.inputs, expectedCluster("prod"));
    assert.equal(cluster.protect, true);
  });

  it("writes the replication settings and disables auto-creation and unclean election", () => {
    const props = (inComponent: (t: string) => CapturedResource[]) => {
      const [config] = inComponent("aws:msk/configuration:Configuration");
      assert.deepEqual(config.inputs.kafkaVersions, ["4.1.x.kraft"]);
      return parseProperties(config.inputs.serverProperties);
    };
    assert.deepEqual(props(inDev), {
      "auto.create.topics.enable": "false",
      "default.replication.factor": "2",
      "min.insync.replicas": "1",
      "unclean.leader.election.enable": "false",
      "offsets.topic.replication.factor": "2",
      "transaction.state.log.replication.factor": "2",
      "transaction.state.log.min.isr": "1",
    });
    assert.deepEqual(props(inProd), {
      "auto.create.topics.enable": "false",
      "default.replication.factor": "3",
      "min.insync.replicas": "2",
      "unclean.leader.election.enable": "false",
      "offsets.topic.replication.factor": "3",
      "transaction.state.log.replication.factor": "3",
      "transaction.state.log.min.isr": "2",
    });
    const [config] = inDev("aws:msk/configuration:Configuration");
    assert.equal("name" in config.inputs, false, "auto-named, so a replacement can coexist");
  });

  it("sends broker logs to a log group encrypted with the logs key, created before the cluster", () => {
    for (const [inComponent, name, days, protect] of [
      [inDev, "acme-dev-events", 30, false],
      [inProd, "acme-prod-events", 365, true],
    ] as const) {
      const groups = inComponent("aws:cloudwatch/logGroup:LogGroup");
      assert.equal(groups.length, 1);
      assert.deepEqual(groups[0].inputs, {
        name: `/aws/msk/${name}/broker`,
        kmsKeyId: KEYS.logs,
        retentionInDays: days,
      });
      assert.equal(groups[0].protect, protect);
      const [cluster] = inComponent("aws:msk/cluster:Cluster");
      assert.ok(cluster.dependencies.includes(groups[0].urn));
    }
  });

  it("admits only the client security groups, on 9098 and the exporter ports, with no egress", () => {
    for (const [inComponent, sources] of [
      [inDev, CLIENT_SGS],
      [inProd, [CLIENT_SGS[1]]],
    ] as const) {
      const [sg] = inComponent("aws:ec2/securityGroup:SecurityGroup");
      assert.equal("ingress" in sg.inputs, false, "no inline rules");
      assert.equal("egress" in sg.inputs, false, "no inline rules");
      const rules = inComponent("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
      const seen = rules
        .map((r) => {
          assert.equal(r.inputs.securityGroupId, sg.id);
          assert.equal(r.inputs.ipProtocol, "tcp");
          assert.equal("cidrIpv4" in r.inputs || "cidrIpv6" in r.inputs, false);
          return `${String(r.inputs.referencedSecurityGroupId)}:${String(r.inputs.fromPort)}-${String(r.inputs.toPort)}`;
        })
        .sort();
      assert.deepEqual(seen, sources.flatMap((s) => [`${s}:11001-11002`, `${s}:9098-9098`]).sort());
      assert.equal(
        inComponent("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").length,
        0,
      );
    }
  });

  it("opens the group to itself on 9098 and HTTPS to the VPC only when a pipe consumes", async () => {
    new KafkaCluster("piped", {
      ...devArgs(),
      clusterName: "acme-piped",
      pipeAccess: { vpcCidrBlock: "10.10.0.0/16" },
    });
    await capture.settle();
    const under = (type: string) =>
      [...capture.resources.values()].filter((r) => r.type === type && r.name.startsWith("piped-"));
    const [sg] = under("aws:ec2/securityGroup:SecurityGroup");
    const self = under("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(
      (r) => r.inputs.referencedSecurityGroupId === sg.id,
    );
    assert.deepEqual(
      self.map((r) => [r.inputs.fromPort, r.inputs.toPort]),
      [[9098, 9098]],
    );
    const egress = under("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
      .map(
        (r) =>
          `${String(r.inputs.referencedSecurityGroupId ?? r.inputs.cidrIpv4)}:${String(r.inputs.fromPort)}`,
      )
      .sort();
    assert.deepEqual(egress, ["10.10.0.0/16:443", `${String(sg.id)}:9098`].sort());
  });

  it("scales broker storage on utilization up to maxGiB, never down", () => {
    for (const [inComponent, args] of [
      [inDev, devArgs()],
      [inProd, prodArgs()],
    ] as const) {
      const [cluster] = inComponent("aws:msk/cluster:Cluster");
      const [target] = inComponent("aws:appautoscaling/target:Target");
      assert.deepEqual(target.inputs, {
        serviceNamespace: "kafka",
        scalableDimension: "kafka:broker-storage:VolumeSize",
        resourceId: cluster.outputs.arn,
        minCapacity: 1,
        maxCapacity: args.storage.maxGiB,
      });
      const [policy] = inComponent("aws:appautoscaling/policy:Policy");
      assert.deepEqual(policy.inputs, {
        name: `${args.clusterName}-broker-storage`,
        policyType: "TargetTrackingScaling",
        serviceNamespace: "kafka",
        scalableDimension: "kafka:broker-storage:VolumeSize",
        resourceId: cluster.outputs.arn,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: { predefinedMetricType: "KafkaBrokerStorageUtilization" },
          targetValue: args.storage.targetUtilizationPercent,
          disableScaleIn: true,
        },
      });
      assert.ok(policy.dependencies.includes(target.urn));
    }
  });

  it("creates exactly these children and exposes the cluster's identifiers", () => {
    assert.deepEqual(
      [...capture.resources.values()]
        .filter((r) => r.parent === urns.dev)
        .map((r) => r.type)
        .sort(),
      [
        "aws:appautoscaling/policy:Policy",
        "aws:appautoscaling/target:Target",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:msk/cluster:Cluster",
        "aws:msk/configuration:Configuration",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      ],
    );
    const cluster = single(capture, "aws:msk/cluster:Cluster", "dev-cluster");
    const [sg] = inDev("aws:ec2/securityGroup:SecurityGroup");
    const [config] = inDev("aws:msk/configuration:Configuration");
    assert.deepEqual(outputs, {
      clusterArn: cluster.outputs.arn,
      clusterName: "acme-dev-events",
      clusterUuid: cluster.outputs.clusterUuid,
      bootstrapBrokersSaslIam: cluster.outputs.bootstrapBrokersSaslIam,
      securityGroupId: sg.id,
      configurationArn: config.outputs.arn,
      brokerLogGroupName: "/aws/msk/acme-dev-events/broker",
    });
    const component = capture.resources.get(urns.dev) as CapturedResource;
    assert.deepEqual(Object.keys(component.outputs).sort(), Object.keys(outputs).sort());
  });

  it("rejects bad arguments with every problem named and registers nothing", async () => {
    const bad = devArgs({
      clusterName: "-events",
      kafkaVersion: "latest",
      azCount: 4,
      brokersPerAz: 0,
      instanceType: "m7g.large",
      storage: { initialGiB: 0, maxGiB: 20000, targetUtilizationPercent: 90 },
      logRetentionInDays: 10,
      clientSecurityGroupIds: [],
      replication: { defaultReplicationFactor: 1, minInsyncReplicas: 1 },
      enhancedMonitoring: "EVERYTHING" as KafkaClusterArgs["enhancedMonitoring"],
    });
    assert.deepEqual(
      validateKafkaClusterArgs(bad).map((e) => e.propertyPath),
      [
        "clusterName",
        "kafkaVersion",
        "azCount",
        "subnetIds",
        "brokersPerAz",
        "instanceType",
        "storage.initialGiB",
        "storage.maxGiB",
        "storage.targetUtilizationPercent",
        "logRetentionInDays",
        "clientSecurityGroupIds",
        "replication.defaultReplicationFactor",
        "replication.minInsyncReplicas",
        "enhancedMonitoring",
      ],
    );
    const before = capture.resources.size;
    assert.throws(
      () => new KafkaCluster("bad", bad),
      (e: Error) =>
        pulumi.InputPropertiesError.isInstance(e) && /14 invalid arguments/.test(e.message),
    );
    // A replication factor above the broker count, and an ISR that leaves no room for a failure.
    assert.throws(
      () =>
        new KafkaCluster(
          "bad2",
          devArgs({ replication: { defaultReplicationFactor: 3, minInsyncReplicas: 3 } }),
        ),
      (e: Error) =>
        /replication\.defaultReplicationFactor: must be a whole number from 2 to the broker count \(2\) \(got 3\)/.test(
          e.message,
        ) &&
        /replication\.minInsyncReplicas: must be a whole number from 1 to replication\.defaultReplicationFactor - 1 \(got 3 with a factor of 3\)/.test(
          e.message,
        ),
    );
    await capture.settle();
    assert.equal(capture.resources.size, before);
  });
});
