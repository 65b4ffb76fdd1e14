/**
 * An Amazon MSK provisioned cluster that only speaks TLS and authenticates every client with IAM,
 * with its data encrypted by the platform's data key, broker logs in a KMS-encrypted log group,
 * Prometheus exporters on, and broker storage that grows on its own.
 *
 * MSK Serverless is not an option: it has no input for a customer-managed key
 * (https://docs.aws.amazon.com/msk/latest/developerguide/serverless.html).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type AwsContext, LOG_RETENTION_DAYS, throwIfInvalid, ValidationError } from "../lib";

/**
 * The Kafka version new clusters should run: the newest MSK offers on Standard brokers (4.2.x is
 * Express-only) and a KRaft one. A cluster keeps the metadata mode it was created with, and
 * Kafka 4 has no ZooKeeper mode, so a cluster created on a ZooKeeper version (`3.9.x`) can never
 * reach 4.x; KRaft also puts no ZooKeeper endpoint on the network.
 * See https://docs.aws.amazon.com/msk/latest/developerguide/supported-kafka-versions.html and
 * https://docs.aws.amazon.com/msk/latest/developerguide/kraft-intro.html
 */
export const RECOMMENDED_KAFKA_VERSION = "4.1.x.kraft";

/**
 * Broker ports the security group opens: https://docs.aws.amazon.com/msk/latest/developerguide/port-info.html
 * and https://docs.aws.amazon.com/msk/latest/developerguide/open-monitoring.html
 */
export const KAFKA_PORTS = {
  /** SASL/IAM over TLS, inside the VPC. */
  saslIam: 9098,
  /** Prometheus JMX exporter (open monitoring). */
  jmxExporter: 11001,
  /** Prometheus node exporter (open monitoring). */
  nodeExporter: 11002,
} as const;

/** The host names of a bootstrap broker string (`host:port,host:port`), sorted and unique. */
export function brokerHosts(bootstrapBrokers: string): string[] {
  const hosts = bootstrapBrokers
    .split(",")
    .map((b) => b.trim())
    .filter((b) => b !== "")
    .map((b) => b.replace(/:\d+$/, ""));
  return [...new Set(hosts)].sort();
}

/**
 * Prometheus scrape jobs for MSK open monitoring (Prometheus `scrape_config` objects): each
 * broker host on the JMX exporter's and the node exporter's port. `Monitoring` adds them to
 * Prometheus' additional scrape configs.
 */
export function mskScrapeConfigs(hosts: string[]): Record<string, unknown>[] {
  const job = (name: string, port: number) => ({
    job_name: name,
    static_configs: [{ targets: hosts.map((h) => `${h}:${port}`) }],
    // Label each series with the broker host rather than host:port.
    relabel_configs: [
      { source_labels: ["__address__"], regex: "([^:]+):\\d+", target_label: "instance" },
    ],
  });
  return [
    job("msk-jmx-exporter", KAFKA_PORTS.jmxExporter),
    job("msk-node-exporter", KAFKA_PORTS.nodeExporter),
  ];
}

/** MSK's CloudWatch metric levels. */
export const EnhancedMonitoring = {
  Default: "DEFAULT",
  PerBroker: "PER_BROKER",
  PerTopicPerBroker: "PER_TOPIC_PER_BROKER",
  PerTopicPerPartition: "PER_TOPIC_PER_PARTITION",
} as const;
export type EnhancedMonitoring = (typeof EnhancedMonitoring)[keyof typeof EnhancedMonitoring];

/** MSK's storage limits per broker, and its autoscaling target range. */
const MAX_VOLUME_GIB = 16384;
const TARGET_UTILIZATION = { min: 10, max: 80 };

/** Broker EBS storage. */
export interface KafkaStorageArgs {
  /**
   * Volume size per broker at creation, 1 to 16384 GiB. Only the creation uses it: autoscaling owns
   * the size afterwards (the cluster ignores changes to it), and MSK cannot shrink a volume.
   */
  initialGiB: number;
  /** The most autoscaling may grow each broker's volume to, `initialGiB` to 16384 GiB. */
  maxGiB: number;
  /**
   * Disk utilization, 10 to 80 percent, above which MSK adds the larger of 10 GiB and 10% (at most
   * once every six hours). AWS recommends 50 to 60.
   * See https://docs.aws.amazon.com/msk/latest/developerguide/msk-autoexpand-details.html
   */
  targetUtilizationPercent: number;
}

/** Cluster-wide replication defaults, written to the MSK configuration. */
export interface KafkaReplicationArgs {
  /**
   * `default.replication.factor`, and the replication of the consumer-offset and transaction
   * topics: 2 or more, at most the broker count. Production: 3.
   */
  defaultReplicationFactor: number;
  /**
   * `min.insync.replicas` (and `transaction.state.log.min.isr`): replicas that must have a write
   * before an `acks=all` producer gets its acknowledgement. At least 1 and below the replication
   * factor, so one broker can be down without stopping writes. Production: 2.
   */
  minInsyncReplicas: number;
}

/** Arguments of {@link KafkaCluster}. */
export interface KafkaClusterArgs extends AwsContext {
  /** The MSK cluster name (physical): 1 to 64 letters, digits and hyphens, starting alphanumeric. */
  clusterName: string;
  /**
   * The MSK Kafka version string, e.g. {@link RECOMMENDED_KAFKA_VERSION}. A service-owned value,
   * so there is no default: pin it per stack. It cannot be changed between ZooKeeper and KRaft
   * versions after creation.
   */
  kafkaVersion: string;
  /** The VPC of the broker security group. */
  vpcId: pulumi.Input<string>;
  /** Private subnets for the broker network interfaces, one per AZ, `azCount` of them. */
  subnetIds: pulumi.Input<string>[];
  /** Availability Zones the brokers span: 2 or 3 (MSK's choices). Plain: it sizes the cluster. */
  azCount: number;
  /**
   * Brokers in each AZ; the cluster has `azCount * brokersPerAz` brokers, a multiple of the AZ
   * count as MSK requires. Plain: it sizes the cluster.
   */
  brokersPerAz: number;
  /** Broker instance type, a `kafka.*` Standard broker type such as `kafka.m7g.large`. */
  instanceType: string;
  /** Broker storage and its autoscaling. */
  storage: KafkaStorageArgs;
  /** The customer-managed key that encrypts broker volumes (the platform's data key); fixed at creation. */
  dataKeyArn: pulumi.Input<string>;
  /** The key of the broker log group (the platform's logs key). */
  logsKeyArn: pulumi.Input<string>;
  /** Retention of the broker log group, one of the values CloudWatch Logs accepts. */
  logRetentionInDays: number;
  /**
   * Security groups whose members may reach the brokers (the EKS cluster and node groups): they
   * are the only sources the broker security group admits, on 9098 and on the exporter ports.
   */
  clientSecurityGroupIds: pulumi.Input<string>[];
  /**
   * Security groups admitted on 9098 only (SASL/IAM), for administrative clients that manage
   * topics through the Kafka admin API but scrape nothing (the in-VPC deployer).
   * @default []
   */
  adminClientSecurityGroupIds?: pulumi.Input<string>[];
  /** Replication defaults of the cluster configuration. */
  replication: KafkaReplicationArgs;
  /**
   * CloudWatch metric level (MSK.2 asks for a per-topic level).
   * @default "PER_TOPIC_PER_BROKER"
   * See https://docs.aws.amazon.com/msk/latest/developerguide/monitoring.html
   */
  enhancedMonitoring?: EnhancedMonitoring;
  /** Protect the cluster and its log group from `pulumi destroy` (deleting the cluster deletes every topic). */
  protect?: boolean;
  /**
   * Lets an EventBridge pipe consume topics with IAM (see ArgoEvents): the pipe's network
   * interfaces carry the brokers' security group, so the group admits itself on 9098 and may
   * reach itself and the VPC's interface endpoints (STS, for IAM) over HTTPS.
   * @default undefined (no pipe: the group admits only the client security groups)
   */
  pipeAccess?: { vpcCidrBlock: pulumi.Input<string> };
}

/** What topic management and grants need to know about a cluster; {@link KafkaCluster} is one. */
export interface KafkaClusterRef extends AwsContext {
  /** The cluster ARN, the resource of `kafka-cluster:Connect` and of the MSK topic API. */
  clusterArn: pulumi.Input<string>;
  /** The cluster name, part of topic and group ARNs. */
  clusterName: pulumi.Input<string>;
  /** The cluster UUID (the last part of its ARN), part of topic and group ARNs. */
  clusterUuid: pulumi.Input<string>;
  /** Comma-separated `host:9098` list, as MSK reports it. */
  bootstrapBrokersSaslIam: pulumi.Input<string>;
}

const CLUSTER_NAME = /^[0-9A-Za-z][0-9A-Za-z-]{0,63}$/;
const KAFKA_VERSION = /^\d+\.\d+\.(\d+|x)(\.[0-9a-z]+)*$/;
const INSTANCE_TYPE = /^kafka\.[a-z0-9]+\.[a-z0-9]+$/;

function isIntegerIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

/** Validates {@link KafkaClusterArgs}; returns every problem. */
export function validateKafkaClusterArgs(args: KafkaClusterArgs): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });

  if (!CLUSTER_NAME.test(args.clusterName)) {
    add(
      "clusterName",
      `"${args.clusterName}" is not an MSK cluster name; use 1 to 64 letters, digits and hyphens, starting with a letter or digit`,
    );
  }
  if (!KAFKA_VERSION.test(args.kafkaVersion)) {
    add(
      "kafkaVersion",
      `"${args.kafkaVersion}" is not an MSK Kafka version; pin one such as "${RECOMMENDED_KAFKA_VERSION}" (aws kafka list-kafka-versions)`,
    );
  }
  const azValid = args.azCount === 2 || args.azCount === 3;
  if (!azValid) {
    add("azCount", `must be 2 or 3 (got ${args.azCount}); MSK spreads brokers over 2 or 3 AZs`);
  }
  if (args.subnetIds.length !== args.azCount) {
    add(
      "subnetIds",
      `lists ${args.subnetIds.length} subnet(s) but azCount is ${args.azCount}; give one private subnet per AZ`,
    );
  }
  const perAzValid = isIntegerIn(args.brokersPerAz, 1, Number.MAX_SAFE_INTEGER);
  if (!perAzValid) {
    add("brokersPerAz", `must be a whole number of at least 1 (got ${args.brokersPerAz})`);
  }
  if (!INSTANCE_TYPE.test(args.instanceType)) {
    add(
      "instanceType",
      `"${args.instanceType}" is not a Standard broker type; use kafka.<family>.<size>, e.g. kafka.m7g.large`,
    );
  }

  const { initialGiB, maxGiB, targetUtilizationPercent } = args.storage;
  if (!isIntegerIn(initialGiB, 1, MAX_VOLUME_GIB)) {
    add(
      "storage.initialGiB",
      `must be a whole number from 1 to ${MAX_VOLUME_GIB} (got ${initialGiB})`,
    );
  }
  if (!isIntegerIn(maxGiB, Math.max(initialGiB, 1), MAX_VOLUME_GIB)) {
    add(
      "storage.maxGiB",
      `must be a whole number from storage.initialGiB (${initialGiB}) to ${MAX_VOLUME_GIB} (got ${maxGiB})`,
    );
  }
  if (!isIntegerIn(targetUtilizationPercent, TARGET_UTILIZATION.min, TARGET_UTILIZATION.max)) {
    add(
      "storage.targetUtilizationPercent",
      `must be a whole number from ${TARGET_UTILIZATION.min} to ${TARGET_UTILIZATION.max} (got ${targetUtilizationPercent}); AWS recommends 50 to 60`,
    );
  }

  if (!LOG_RETENTION_DAYS.includes(args.logRetentionInDays)) {
    add(
      "logRetentionInDays",
      `${args.logRetentionInDays} is not a CloudWatch Logs retention; use one of ${LOG_RETENTION_DAYS.join(", ")}`,
    );
  }
  if (args.clientSecurityGroupIds.length === 0) {
    add(
      "clientSecurityGroupIds",
      "needs at least one security group; without one no client can reach the brokers",
    );
  }

  const brokers = azValid && perAzValid ? args.azCount * args.brokersPerAz : undefined;
  const { defaultReplicationFactor: rf, minInsyncReplicas: minIsr } = args.replication;
  if (!Number.isInteger(rf) || rf < 2 || (brokers !== undefined && rf > brokers)) {
    add(
      "replication.defaultReplicationFactor",
      `must be a whole number from 2 to the broker count${brokers === undefined ? "" : ` (${brokers})`} (got ${rf}); one copy cannot survive a broker loss`,
    );
  }
  if (!Number.isInteger(minIsr) || minIsr < 1 || minIsr >= rf) {
    add(
      "replication.minInsyncReplicas",
      `must be a whole number from 1 to replication.defaultReplicationFactor - 1 (got ${minIsr} with a factor of ${rf}); otherwise one broker down stops acks=all writes`,
    );
  }

  const monitoring = args.enhancedMonitoring ?? EnhancedMonitoring.PerTopicPerBroker;
  if (!(Object.values(EnhancedMonitoring) as string[]).includes(monitoring)) {
    add(
      "enhancedMonitoring",
      `"${monitoring}" is not a monitoring level; use one of ${Object.values(EnhancedMonitoring).join(", ")}`,
    );
  }
  return errors;
}

/**
 * The broker properties of the cluster configuration. Topics are created only as code, so
 * auto-creation is off; a replica that fell behind never becomes leader (it would drop
 * acknowledged writes); and the internal consumer-offset and transaction topics get the same
 * durability as data topics, since losing committed offsets replays or skips messages.
 */
export function brokerProperties(replication: KafkaReplicationArgs): Record<string, string> {
  const rf = String(replication.defaultReplicationFactor);
  const minIsr = String(replication.minInsyncReplicas);
  return {
    "auto.create.topics.enable": "false",
    "default.replication.factor": rf,
    "min.insync.replicas": minIsr,
    "unclean.leader.election.enable": "false",
    "offsets.topic.replication.factor": rf,
    "transaction.state.log.replication.factor": rf,
    "transaction.state.log.min.isr": minIsr,
  };
}

/** Renders properties as a `server.properties` text, one `key=value` line each. */
export function renderServerProperties(properties: Record<string, string>): string {
  return Object.entries(properties)
    .map(([key, value]) => `${key}=${value}`)
    .join("\n")
    .concat("\n");
}

/**
 * An MSK provisioned cluster (`acme:messaging:KafkaCluster`).
 *
 * Network: a security group of its own with no inline rules. It admits the client security
 * groups on 9098 (SASL/IAM over TLS) and 11001-11002 (Prometheus exporters) and nothing else. It
 * has no self-referencing rule: replication runs between the brokers inside MSK's service VPC,
 * and the interfaces in our subnets carry only client traffic
 * (https://docs.aws.amazon.com/msk/1.0/apireference/clusters.html#clusters-prop-brokernodegroupinfo-clientsubnets).
 * It has no egress rule either: brokers never open connections into our VPC, and replies to
 * admitted connections pass because security groups are stateful.
 */
export class KafkaCluster extends pulumi.ComponentResource implements KafkaClusterRef {
  public readonly cluster: aws.msk.Cluster;
  public readonly clusterArn: pulumi.Output<string>;
  public readonly clusterName: pulumi.Output<string>;
  public readonly clusterUuid: pulumi.Output<string>;
  /** Comma-separated `host:9098` list for SASL/IAM clients inside the VPC. */
  public readonly bootstrapBrokersSaslIam: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly configurationArn: pulumi.Output<string>;
  public readonly brokerLogGroupName: pulumi.Output<string>;
  public readonly region: string;
  public readonly accountId: pulumi.Output<string>;
  public readonly partition: pulumi.Output<string>;

  constructor(name: string, args: KafkaClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): a bad argument must fail before anything, the component included, registers.
    throwIfInvalid("KafkaCluster", validateKafkaClusterArgs(args));
    super("acme:messaging:KafkaCluster", name, {}, opts);

    const protect = args.protect ?? false;

    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-brokers`,
      {
        vpcId: args.vpcId,
        description: `MSK brokers of ${args.clusterName}: SASL/IAM and Prometheus exporters from client security groups`,
      },
      { parent: this },
    );
    args.clientSecurityGroupIds.forEach((source, i) => {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-iam-from-${i}`,
        {
          securityGroupId: securityGroup.id,
          description: "Kafka SASL/IAM over TLS from a client security group",
          ipProtocol: "tcp",
          fromPort: KAFKA_PORTS.saslIam,
          toPort: KAFKA_PORTS.saslIam,
          referencedSecurityGroupId: source,
        },
        { parent: this },
      );
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-exporters-from-${i}`,
        {
          securityGroupId: securityGroup.id,
          description: "Prometheus JMX and node exporters from a client security group",
          ipProtocol: "tcp",
          fromPort: KAFKA_PORTS.jmxExporter,
          toPort: KAFKA_PORTS.nodeExporter,
          referencedSecurityGroupId: source,
        },
        { parent: this },
      );
    });

    (args.adminClientSecurityGroupIds ?? []).forEach((source, i) => {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-iam-from-admin-${i}`,
        {
          securityGroupId: securityGroup.id,
          description: "Kafka SASL/IAM over TLS from an administrative client (topics)",
          ipProtocol: "tcp",
          fromPort: KAFKA_PORTS.saslIam,
          toPort: KAFKA_PORTS.saslIam,
          referencedSecurityGroupId: source,
        },
        { parent: this },
      );
    });

    if (args.pipeAccess) {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-iam-from-pipe`,
        {
          securityGroupId: securityGroup.id,
          description: "Kafka SASL/IAM over TLS from an EventBridge pipe carrying this group",
          ipProtocol: "tcp",
          fromPort: KAFKA_PORTS.saslIam,
          toPort: KAFKA_PORTS.saslIam,
          referencedSecurityGroupId: securityGroup.id,
        },
        { parent: this },
      );
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-pipe-to-brokers`,
        {
          securityGroupId: securityGroup.id,
          description: "EventBridge pipe to the brokers over SASL/IAM",
          ipProtocol: "tcp",
          fromPort: KAFKA_PORTS.saslIam,
          toPort: KAFKA_PORTS.saslIam,
          referencedSecurityGroupId: securityGroup.id,
        },
        { parent: this },
      );
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-pipe-to-endpoints`,
        {
          securityGroupId: securityGroup.id,
          description: "EventBridge pipe to the VPC's interface endpoints (STS) over HTTPS",
          ipProtocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrIpv4: args.pipeAccess.vpcCidrBlock,
        },
        { parent: this },
      );
    }

    // Auto-named, so a replacement (a new Kafka version) can be created before the old one goes.
    const configuration = new aws.msk.Configuration(
      `${name}-brokers`,
      {
        description: `Broker properties of ${args.clusterName}`,
        kafkaVersions: [args.kafkaVersion],
        serverProperties: renderServerProperties(brokerProperties(args.replication)),
      },
      { parent: this },
    );

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-broker-logs`,
      {
        name: `/aws/msk/${args.clusterName}/broker`,
        kmsKeyId: args.logsKeyArn,
        retentionInDays: args.logRetentionInDays,
      },
      { parent: this, protect },
    );

    this.cluster = new aws.msk.Cluster(
      `${name}-cluster`,
      {
        clusterName: args.clusterName,
        kafkaVersion: args.kafkaVersion,
        numberOfBrokerNodes: args.azCount * args.brokersPerAz,
        brokerNodeGroupInfo: {
          instanceType: args.instanceType,
          clientSubnets: args.subnetIds,
          securityGroups: [securityGroup.id],
          storageInfo: { ebsStorageInfo: { volumeSize: args.storage.initialGiB } },
          connectivityInfo: { publicAccess: { type: "DISABLED" } },
        },
        encryptionInfo: {
          encryptionAtRestKmsKeyArn: args.dataKeyArn,
          encryptionInTransit: { clientBroker: "TLS", inCluster: true },
        },
        clientAuthentication: { sasl: { iam: true, scram: false }, unauthenticated: false },
        configurationInfo: { arn: configuration.arn, revision: configuration.latestRevision },
        openMonitoring: {
          prometheus: {
            jmxExporter: { enabledInBroker: true },
            nodeExporter: { enabledInBroker: true },
          },
        },
        loggingInfo: {
          brokerLogs: { cloudwatchLogs: { enabled: true, logGroup: logGroup.name } },
        },
        enhancedMonitoring: args.enhancedMonitoring ?? EnhancedMonitoring.PerTopicPerBroker,
      },
      {
        parent: this,
        protect,
        // Autoscaling grows the volumes; applying the initial size again would ask MSK to shrink them.
        ignoreChanges: ["brokerNodeGroupInfo.storageInfo.ebsStorageInfo.volumeSize"],
      },
    );

    const storageTarget = new aws.appautoscaling.Target(
      `${name}-storage`,
      {
        serviceNamespace: "kafka",
        scalableDimension: "kafka:broker-storage:VolumeSize",
        resourceId: this.cluster.arn,
        minCapacity: 1,
        maxCapacity: args.storage.maxGiB,
      },
      { parent: this },
    );
    new aws.appautoscaling.Policy(
      `${name}-storage`,
      {
        name: `${args.clusterName}-broker-storage`,
        policyType: "TargetTrackingScaling",
        serviceNamespace: storageTarget.serviceNamespace,
        scalableDimension: storageTarget.scalableDimension,
        resourceId: storageTarget.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: { predefinedMetricType: "KafkaBrokerStorageUtilization" },
          targetValue: args.storage.targetUtilizationPercent,
          // MSK never shrinks a volume; say so rather than rely on the service ignoring scale-in.
          disableScaleIn: true,
        },
      },
      { parent: this },
    );

    this.clusterArn = this.cluster.arn;
    this.clusterName = this.cluster.clusterName;
    this.clusterUuid = this.cluster.clusterUuid;
    this.bootstrapBrokersSaslIam = this.cluster.bootstrapBrokersSaslIam;
    this.securityGroupId = securityGroup.id;
    this.configurationArn = configuration.arn;
    this.brokerLogGroupName = logGroup.name;
    this.region = args.region;
    this.accountId = pulumi.output(args.accountId);
    this.partition = pulumi.output(args.partition);
    this.registerOutputs({
      clusterArn: this.clusterArn,
      clusterName: this.clusterName,
      clusterUuid: this.clusterUuid,
      bootstrapBrokersSaslIam: this.bootstrapBrokersSaslIam,
      securityGroupId: this.securityGroupId,
      configurationArn: this.configurationArn,
      brokerLogGroupName: this.brokerLogGroupName,
    });
  }
}
