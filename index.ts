/**
 * The stack program: read the typed configuration, create the components, export their outputs.
 * Nothing else lives here; every resource belongs to a component under components/.
 */
import * as aws from "@pulumi/aws";
import { EksCluster } from "./components/cluster";
import { baseTags } from "./components/lib";
import { KafkaCluster, KafkaTopics, Queue } from "./components/messaging";
import { Network } from "./components/network";
import { PlatformKeys } from "./components/security";
import { loadStackConfig, PROJECT } from "./config";

// Validated before anything registers: a bad value stops the program here with every problem.
const config = loadStackConfig();

// One explicit AWS provider, so the Region and the tags every resource carries are set in one place.
const aws_ = new aws.Provider("aws", {
  region: config.region,
  defaultTags: { tags: baseTags(PROJECT, config.environment, config.tags) },
});
const identity = aws.getCallerIdentityOutput({}, { provider: aws_ });
const partition = aws.getPartitionOutput({}, { provider: aws_ }).partition;
const clusterName = `acme-${config.environment}`;
const protect = config.protectStatefulResources;

const keys = new PlatformKeys(
  "platform",
  {
    aliasPrefix: `acme/${config.environment}`,
    accountId: identity.accountId,
    partition,
    region: config.region,
    deletionWindowInDays: config.keys.deletionWindowInDays,
    protect,
  },
  { providers: [aws_] },
);

const network = new Network(
  "platform",
  {
    cidrBlock: config.network.cidr,
    azCount: config.network.azCount,
    availabilityZoneNames: config.network.availabilityZones,
    natGateways: config.network.natGateways,
    region: config.region,
    accountId: identity.accountId,
    partition,
    clusterName,
    flowLogs: {
      kmsKeyArn: keys.logsKeyArn,
      retentionInDays: config.network.flowLogRetentionInDays,
    },
    protect,
  },
  { providers: [aws_] },
);

const cluster = new EksCluster(
  "platform",
  {
    clusterName,
    version: config.cluster.version,
    supportType: config.cluster.supportType,
    vpcId: network.vpcId,
    vpcCidrBlock: network.vpcCidrBlock,
    privateSubnetIds: network.privateSubnetIds,
    accountId: identity.accountId,
    partition,
    region: config.region,
    secretsKeyArn: keys.clusterSecretsKeyArn,
    logsKeyArn: keys.logsKeyArn,
    volumesKeyArn: keys.volumesKeyArn,
    logRetentionInDays: config.cluster.logRetentionInDays,
    endpointPublicAccess: config.cluster.endpointPublicAccess,
    publicAccessCidrs: config.cluster.publicAccessCidrs,
    adminRoleArns: config.cluster.adminRoleArns,
    addonVersions: config.cluster.addons,
    nodeGroups: config.cluster.nodeGroups,
    metadataHopLimit: config.cluster.metadataHopLimit,
    protect,
  },
  { providers: [aws_], dependsOn: [network] },
);

const { workQueue: workQueueConfig, kafka: kafkaConfig, domainEvents } = config.messaging;

// Service A puts workflow requests here; Argo Events turns each into a workflow.
const workQueue = new Queue(
  "workflow-requests",
  {
    contract: "workflow-request",
    kmsKeyArn: keys.dataKeyArn,
    visibilityTimeoutSeconds: workQueueConfig.visibilityTimeoutSeconds,
    consumerProcessingTimeoutSeconds: workQueueConfig.consumerProcessingTimeoutSeconds,
    messageRetentionSeconds: workQueueConfig.messageRetentionSeconds,
    deadLetter: {
      maxReceiveCount: workQueueConfig.maxReceiveCount,
      messageRetentionSeconds: workQueueConfig.deadLetterRetentionSeconds,
    },
    region: config.region,
    protect,
  },
  { providers: [aws_] },
);

const kafka = new KafkaCluster(
  "events",
  {
    clusterName: `acme-${config.environment}-events`,
    kafkaVersion: kafkaConfig.version,
    vpcId: network.vpcId,
    subnetIds: Array.from({ length: config.network.azCount }, (_, i) =>
      network.privateSubnetIds.apply((ids) => ids[i]),
    ),
    azCount: config.network.azCount,
    brokersPerAz: kafkaConfig.brokersPerAz,
    instanceType: kafkaConfig.instanceType,
    storage: kafkaConfig.storage,
    dataKeyArn: keys.dataKeyArn,
    logsKeyArn: keys.logsKeyArn,
    logRetentionInDays: kafkaConfig.logRetentionInDays,
    // Pods run on managed nodes, which carry the EKS cluster security group.
    clientSecurityGroupIds: [cluster.clusterSecurityGroupId],
    replication: {
      defaultReplicationFactor: kafkaConfig.defaultReplicationFactor,
      minInsyncReplicas: kafkaConfig.minInsyncReplicas,
    },
    protect,
    region: config.region,
    accountId: identity.accountId,
    partition,
  },
  { providers: [aws_] },
);

const topics = new KafkaTopics(
  "events",
  {
    cluster: kafka,
    mode: kafkaConfig.topicManagement,
    topics: {
      "domain-events": {
        partitions: domainEvents.partitions,
        replicationFactor: kafkaConfig.defaultReplicationFactor,
        retentionHours: domainEvents.retentionHours,
        cleanupPolicy: domainEvents.cleanupPolicy,
        minInsyncReplicas: kafkaConfig.minInsyncReplicas,
        contract: "domain-event",
        consumed: domainEvents.consumed,
      },
    },
    protect,
  },
  { providers: [aws_] },
);

export const vpcId = network.vpcId;
export const privateSubnetIds = network.privateSubnetIds;
export const publicSubnetIds = network.publicSubnetIds;
export const kmsKeyArns = {
  data: keys.dataKeyArn,
  logs: keys.logsKeyArn,
  clusterSecrets: keys.clusterSecretsKeyArn,
  volumes: keys.volumesKeyArn,
};
export const eksClusterName = cluster.clusterName;
export const eksClusterEndpoint = cluster.endpoint;
export const defaultStorageClass = cluster.defaultStorageClassName;
export const workQueueUrl = workQueue.queueUrl;
export const workQueueArn = workQueue.queueArn;
export const workDeadLetterQueueUrl = workQueue.deadLetterQueueUrl;
export const kafkaClusterArn = kafka.clusterArn;
export const kafkaBootstrapBrokersSaslIam = kafka.bootstrapBrokersSaslIam;
export const kafkaTopics = topics.topicNames;
