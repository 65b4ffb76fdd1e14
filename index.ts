/**
 * The stack program: read the typed configuration, create the components, export their outputs.
 * Nothing else lives here; every resource belongs to a component under components/.
 */
import * as aws from "@pulumi/aws";
import { ApiGateway, contractApi, PrivateIngress } from "./components/api";
import {
  DEFAULT_STORAGE_CLASS,
  Deployer,
  deployerProjectName,
  EksCluster,
} from "./components/cluster";
import { type AwsContext, baseTags } from "./components/lib";
import { KafkaCluster, KafkaTopics, Queue } from "./components/messaging";
import { AppNamespace, CertManager, Linkerd } from "./components/mesh";
import { Network } from "./components/network";
import {
  AlertRules,
  alertmanagerConfigYaml,
  alertmanagerCredentials,
  alertmanagerSnsTopicArns,
  CloudWatchAlarms,
  RequestPathAlarms,
  ElasticsearchExporter,
  KUBE_PROMETHEUS_STACK_RELEASE,
  Logging,
  meshTracingTarget,
  Monitoring,
  Tracing,
  withAlertThresholdOverrides,
} from "./components/observability";
import { Keda, LoadBalancerController } from "./components/platform";
import { PlatformKeys, ServerAccessLogBucket } from "./components/security";
import {
  AutoscalingSignal,
  Microservice,
  PROBES,
  RequestTable,
  requestTableAccess,
  serviceAArgoStatus,
  serviceAStepFunctionsStatus,
  servingAfterTerminationSeconds,
  TLS_PORT_NAME,
} from "./components/services";
import {
  ARGO_WORKFLOW_SERVICE_ACCOUNT,
  ArgoEvents,
  ArgoWorkflows,
  ArtifactBucket,
  aslDefinition,
  compileArgo,
  compileStepFunctions,
  EngineName,
  fargateRunStatements,
  FargateSteps,
  REQUEST_WORKFLOW,
  referenceWorkflow,
  RequestWorkflowTemplate,
  StepFunctionsEngine,
  StepRunner,
} from "./components/workflows";
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
/** Account, partition and Region: every component that writes ARNs or policies takes these. */
const awsContext: AwsContext = { accountId: identity.accountId, partition, region: config.region };
const clusterName = `acme-${config.environment}`;
const protect = config.protectStatefulResources;

const keys = new PlatformKeys(
  "platform",
  {
    aliasPrefix: `acme/${config.environment}`,
    ...awsContext,
    deletionWindowInDays: config.keys.deletionWindowInDays,
    // The Step Functions engine's state machine and pipe, encrypted with the data key, deliver
    // vended logs: log delivery must decrypt with it.
    dataKeyLogDelivery: config.platform.workflows.engine === EngineName.StepFunctions,
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
    ...awsContext,
    clusterName,
    flowLogs: {
      kmsKeyArn: keys.logsKeyArn,
      retentionInDays: config.network.flowLogRetentionInDays,
    },
    protect,
  },
  { providers: [aws_] },
);

// The in-VPC deployer (staging, prod): `pulumi up` runs on it, where the private API endpoint and
// the brokers are reachable (docs/first-deployment.md). Dev is deployed from a laptop instead.
const kafkaClusterName = `acme-${config.environment}-events`;
const deployer = config.deployer
  ? new Deployer(
      "platform",
      {
        projectName: deployerProjectName(config.environment),
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        vpcCidrBlock: network.vpcCidrBlock,
        repository: config.deployer.repository,
        clusterName,
        kafkaClusterName,
        logsKeyArn: keys.logsKeyArn,
        logRetentionInDays: config.deployer.logRetentionInDays,
        computeType: config.deployer.computeType,
        buildTimeoutMinutes: config.deployer.buildTimeoutMinutes,
        ...awsContext,
        protect,
      },
      { providers: [aws_] },
    )
  : undefined;

const cluster = new EksCluster(
  "platform",
  {
    clusterName,
    version: config.cluster.version,
    supportType: config.cluster.supportType,
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    ...awsContext,
    secretsKeyArn: keys.clusterSecretsKeyArn,
    logsKeyArn: keys.logsKeyArn,
    volumesKeyArn: keys.volumesKeyArn,
    logRetentionInDays: config.cluster.logRetentionInDays,
    endpointPublicAccess: config.cluster.endpointPublicAccess,
    publicAccessCidrs: config.cluster.publicAccessCidrs,
    adminRoleArns: config.cluster.adminRoleArns,
    deployer: deployer && {
      roleArn: deployer.roleArn,
      securityGroupId: deployer.securityGroupId,
    },
    awsOnly: config.deployer?.bootstrap,
    addonVersions: config.cluster.addons,
    nodeGroups: config.cluster.nodeGroups,
    metadataHopLimit: config.cluster.metadataHopLimit,
    protect,
  },
  { providers: [aws_], dependsOn: [network] },
);

const {
  workQueue: workQueueConfig,
  taskQueue: taskQueueConfig,
  kafka: kafkaConfig,
  domainEvents,
} = config.messaging;

/** A queue with its dead-letter queue, on the data key, configured by its `messaging` entry. */
const queue = (name: string, contract: string, q: typeof workQueueConfig) =>
  new Queue(
    name,
    {
      contract,
      kmsKeyArn: keys.dataKeyArn,
      visibilityTimeoutSeconds: q.visibilityTimeoutSeconds,
      consumerProcessingTimeoutSeconds: q.consumerProcessingTimeoutSeconds,
      messageRetentionSeconds: q.messageRetentionSeconds,
      deadLetter: {
        maxReceiveCount: q.maxReceiveCount,
        messageRetentionSeconds: q.deadLetterRetentionSeconds,
      },
      region: awsContext.region,
      protect,
    },
    { providers: [aws_] },
  );
// Service A puts workflow requests here; the engine (the Argo Events sensor, or the Step Functions
// engine's pipe) turns each into a workflow.
const workQueue = queue("workflow-requests", "workflow-request", workQueueConfig);
// Workflow steps hand work to the worker here (work-task messages); the worker consumes it.
const taskQueue = queue("worker-tasks", "work-task", taskQueueConfig);

// Service A's idempotency records and request status (services/service-a/src/requestStore.ts).
const requestTable = new RequestTable(
  "service-a-requests",
  { kmsKeyArn: keys.dataKeyArn, region: awsContext.region, protect },
  { providers: [aws_] },
);

const kafka = new KafkaCluster(
  "events",
  {
    clusterName: kafkaClusterName,
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
    // The deployer manages topics through the Kafka admin API (kafka-provider mode).
    adminClientSecurityGroupIds: deployer ? [deployer.securityGroupId] : [],
    // The domain-event pipe (ArgoEvents) reaches the brokers through interfaces carrying the
    // brokers' group: it admits itself on 9098 and reaches STS's interface endpoint on 443.
    pipeAccess: { vpcCidrBlock: network.vpcCidrBlock },
    replication: {
      defaultReplicationFactor: kafkaConfig.defaultReplicationFactor,
      minInsyncReplicas: kafkaConfig.minInsyncReplicas,
    },
    protect,
    ...awsContext,
  },
  { providers: [aws_] },
);

// The first run from outside the VPC (`deployer.bootstrap`) registers only AWS resources: the
// private API endpoint and the brokers are unreachable from there (docs/first-deployment.md).
const bootstrap = config.deployer?.bootstrap === true;

// Topics through the Kafka admin API need the brokers; in a bootstrap run only "msk-api" topics
// (AWS API calls) are created.
const topics =
  bootstrap && kafkaConfig.topicManagement === "kafka-provider"
    ? undefined
    : new KafkaTopics(
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

const { platform } = config;
/** Whether the stack runs Argo Workflows (docs/workflow-engines.md, "What each stack creates"). */
const runsArgoWorkflows =
  platform.workflows.engine === EngineName.Argo || platform.workflows.stepRunner === StepRunner.Eks;
// Every bucket of the stack delivers its S3 server access logs here (S3.9), kept as long as the
// stack keeps its other network audit logs (the VPC flow logs).
const serverAccessLogs = new ServerAccessLogBucket(
  "s3-access-logs",
  {
    accountId: awsContext.accountId,
    retentionDays: config.network.flowLogRetentionInDays,
    forceDestroy: !protect,
    protect,
  },
  { providers: [aws_] },
);
// Argo Workflows' artifact repository.
const artifacts = runsArgoWorkflows
  ? new ArtifactBucket(
      "workflow-artifacts",
      {
        kmsKeyArn: keys.dataKeyArn,
        region: awsContext.region,
        artifactExpirationDays: platform.workflows.artifactExpirationDays,
        noncurrentVersionExpirationDays: platform.workflows.noncurrentVersionExpirationDays,
        protect,
        serverAccessLogs,
      },
      { providers: [aws_] },
    )
  : undefined;

/** Everything that goes through the Kubernetes API (and what only it uses): the second run on. */
function inClusterPlatform(topics: KafkaTopics) {
  // ---- In-cluster platform: every Kubernetes object goes through the cluster's own provider.
  const k8sProvider = cluster.kubernetesProvider;
  const highAvailability = platform.highAvailability;

  const certManager = new CertManager("platform", { provider: k8sProvider, highAvailability });
  const linkerd = new Linkerd("platform", {
    provider: k8sProvider,
    certManager,
    highAvailability,
    proxyResources: platform.linkerd.proxy,
    // The proxies add their spans to sampled requests' traces; the collector (Tracing, below, in
    // the default namespace) comes up after the control plane, and spans sent before are dropped.
    tracing: meshTracingTarget(),
  });
  const appNamespaces = new Map<string, AppNamespace>();
  for (const namespace of platform.appNamespaces) {
    appNamespaces.set(
      namespace,
      new AppNamespace(namespace, {
        provider: k8sProvider,
        linkerd,
        namespace,
        vpcCidrBlock: network.vpcCidrBlock,
      }),
    );
  }

  const loadBalancerController = new LoadBalancerController(
    "platform",
    {
      provider: k8sProvider,
      clusterName: cluster.clusterName,
      vpcId: network.vpcId,
      ...awsContext,
      highAvailability,
    },
    { providers: [aws_] },
  );
  // Scales the services that consume a queue on its depth (their ScaledObjects need its CRDs).
  const keda = new Keda(
    "platform",
    {
      provider: k8sProvider,
      clusterName: cluster.clusterName,
      ...awsContext,
      highAvailability,
      scaledQueues: [taskQueue],
    },
    { providers: [aws_] },
  );

  // ---- Observability: logs and traces in Elasticsearch, metrics and alerts in Prometheus, and
  // CloudWatch alarms for what must page even when the cluster's monitoring is down.
  const { observability } = config;
  const logging = new Logging(
    "platform",
    {
      provider: k8sProvider,
      nodeCount: observability.logs.elasticsearchNodes,
      highAvailability,
      storageClassName: DEFAULT_STORAGE_CLASS,
      storageGiB: observability.logs.storageGiB,
      retentionDays: observability.logs.retentionDays,
    },
    { dependsOn: [cluster] },
  );
  const tracing = new Tracing(
    "platform",
    {
      provider: k8sProvider,
      samplingPercentage: observability.traces.samplingPercent,
      highAvailability,
      traceRetentionDays: observability.logs.traceRetentionDays,
      elasticsearch: {
        namespace: logging.namespace,
        url: logging.elasticsearchUrl,
        credentialsSecretName: logging.users.jaeger.secretName,
        cleanerCredentialsSecretName: logging.users.traceCleaner.secretName,
        caSecretName: logging.elasticsearchCaSecretName,
        indexReplicas: logging.indexReplicas,
      },
    },
    { dependsOn: [logging, linkerd] },
  );

  const receivers = observability.alerting;
  // For what must page even when the cluster's monitoring is down, including its own silence:
  // Alertmanager beats on the heartbeat topic, and the alarm fires when the beats stop.
  const alarms = new CloudWatchAlarms(
    "platform",
    {
      alertsKeyArn: keys.alertsKeyArn,
      ...awsContext,
      deadLetterQueues: [
        { name: "workflow-requests", queueName: workQueue.deadLetterQueueName },
        { name: "worker-tasks", queueName: taskQueue.deadLetterQueueName },
      ],
      kafka: {
        clusterName: kafka.clusterName,
        brokerIds: Array.from(
          { length: config.network.azCount * kafkaConfig.brokersPerAz },
          (_, i) => i + 1,
        ),
        diskUsedPercentThreshold: receivers.kafkaDiskUsedPercent,
      },
      subscriptions: receivers.alarmEmails.map((endpoint) => ({
        protocol: "email" as const,
        endpoint,
      })),
      protect,
    },
    { providers: [aws_] },
  );

  const heartbeatTopicArn = alarms.heartbeatTopicArn;
  const monitoring = new Monitoring(
    "platform",
    {
      provider: k8sProvider,
      highAvailability,
      argoEvents: platform.workflows.engine === EngineName.Argo,
      loggingNamespace: logging.namespace,
      prometheus: observability.prometheus,
      storageClassName: DEFAULT_STORAGE_CLASS,
      // The config names its receivers' credentials by file only; their values come from the
      // stack's secret config and become Secrets the component creates before Alertmanager starts.
      alertmanagerConfig: {
        yaml: heartbeatTopicArn.apply((topicArn) =>
          alertmanagerConfigYaml(receivers, { topicArn, region: awsContext.region }),
        ),
      },
      alertmanagerCredentials: alertmanagerCredentials(receivers, {
        pagerdutyRoutingKey: config.pagerdutyRoutingKey,
        slackWebhookUrl: config.slackWebhookUrl,
      }),
      alertmanagerSns: {
        topicArns: alertmanagerSnsTopicArns(receivers, heartbeatTopicArn),
        kmsKeyArn: keys.alertsKeyArn,
      },
      elasticsearchUrl: logging.elasticsearchUrl,
      elasticsearchAuth: {
        username: logging.grafanaUser.username,
        password: logging.grafanaUser.password,
        caPem: logging.elasticsearchCaPem,
      },
      tracingQueryUrl: tracing.jaegerQueryUrl,
      mskBrokers: { bootstrapBrokers: kafka.bootstrapBrokersSaslIam },
      clusterName: cluster.clusterName,
      ...awsContext,
    },
    { providers: [aws_], dependsOn: [cluster] },
  );
  // Elasticsearch's health for ElasticsearchClusterNotGreen; its ServiceMonitor needs the stack's CRDs.
  new ElasticsearchExporter(
    "platform",
    {
      provider: k8sProvider,
      namespace: logging.namespace,
      elasticsearchUrl: logging.elasticsearchUrl,
      credentialsSecretName: logging.users.metrics.secretName,
      caSecretName: logging.elasticsearchCaSecretName,
      scrapeNamespace: monitoring.namespace,
    },
    { dependsOn: [logging, monitoring] },
  );
  new AlertRules(
    "platform",
    {
      provider: k8sProvider,
      // The namespace kube-prometheus-stack runs in (its rule selector matches the release label).
      namespace: "monitoring",
      releaseName: KUBE_PROMETHEUS_STACK_RELEASE,
      thresholds: withAlertThresholdOverrides(receivers.thresholds),
      trustAnchorNotAfterSeconds: linkerd.trustAnchorNotAfter.apply((t) => Date.parse(t) / 1000),
    },
    { dependsOn: [monitoring] },
  );

  // The reference step sends work-tasks to the worker's task queue, whoever runs it.
  const workflowGrants = taskQueue.grantProducer();
  // Argo Workflows runs the steps on the argo engine, and creates the workflow namespace and
  // service account the Step Functions engine's eks runner uses; Fargate steps need neither.
  const argoWorkflows = artifacts
    ? new ArgoWorkflows(
        "platform",
        {
          provider: k8sProvider,
          namespace: platform.workflows.namespace,
          clusterName: cluster.clusterName,
          accountId: awsContext.accountId,
          artifactBucket: artifacts,
          sso: platform.workflows.sso,
          highAvailability,
          serviceMonitor: platform.workflows.serviceMonitor,
          workflowGrants,
          // Meshed: the namespace's pods need the Linkerd control plane to start; the chart renders
          // its ServiceMonitor only once the Prometheus operator's CRDs are served.
        },
        { providers: [aws_], dependsOn: [linkerd, monitoring] },
      )
    : undefined;

  // ---- The request path's services (services/): built from their Dockerfiles, meshed, scaled.
  const { services } = config;
  // config.ts guarantees services.namespace is one of platform.appNamespaces.
  const servicesNamespace = appNamespaces.get(services.namespace) as AppNamespace;
  const common = {
    provider: k8sProvider,
    clusterName: cluster.clusterName,
    namespace: services.namespace,
    ecrKeyArn: keys.dataKeyArn,
    otlpEndpoint: tracing.otlpEndpoint,
    podNetworkCidrs: [config.network.cidr],
    ...awsContext,
  };
  const SERVICE_A_IDEMPOTENCY_TTL_HOURS = 24;
  const resources = (s: typeof services.serviceA) => ({
    requests: { cpu: s.cpu, memory: s.memory },
    limits: { memory: s.memory },
  });
  const worker = new Microservice(
    "worker",
    {
      ...common,
      build: { context: ".", dockerfile: "services/worker/Dockerfile" },
      replicas: { min: services.worker.minReplicas, max: services.worker.maxReplicas },
      autoscaling: { on: AutoscalingSignal.Queue, queue: taskQueue, messagesPerReplica: 10 },
      resources: resources(services.worker),
      access: {
        consumesFrom: [taskQueue],
        rejectsTo: [taskQueue],
        kafka: {
          cluster: kafka,
          produces: ["domain-events"],
          consumes: ["domain-events"],
          group: "worker",
        },
      },
      env: {
        WORKER_TRANSPORT: "sqs",
        EVENT_BUS: "kafka",
        KAFKA_AUTH: "iam",
        KAFKA_TOPIC: "domain-events",
        KAFKA_GROUP_ID: "worker",
      },
      resourceEnv: {
        TASK_QUEUE_URL: taskQueue.queueUrl,
        DEAD_LETTER_QUEUE_URL: taskQueue.deadLetterQueueUrl,
        KAFKA_BROKERS: kafka.bootstrapBrokersSaslIam,
      },
      callers: [],
      slo: {
        availabilityTarget: 0.999,
        latencyThresholdSeconds: 0.5,
        latencyTarget: 0.99,
        messageSuccessTarget: 0.999,
      },
    },
    {
      providers: [aws_],
      dependsOn: [servicesNamespace, tracing, monitoring, topics, keda],
    },
  );

  // ---- The request workflow: defined once (definition.ts), its step the worker's handoff to the
  // task queue, compiled to the stack's engine (docs/workflow-engines.md).
  const template = platform.workflows.requestTemplate;
  const requestWorkflow = referenceWorkflow({
    name: REQUEST_WORKFLOW,
    // The worker's image, by digest: the step is its handoff entry point.
    image: worker.imageRef,
    serviceAccountName: ARGO_WORKFLOW_SERVICE_ACCOUNT,
    handoff: {
      taskQueueUrl: taskQueue.queueUrl,
      region: awsContext.region,
      otlpEndpoint: tracing.otlpEndpoint,
    },
    resources: { cpu: template.cpu, memory: template.memory },
    timeoutSeconds: template.activeDeadlineSeconds,
    // maxInterval is the longest wait between two attempts (Argo `backoff.cap`).
    retry: { limit: template.retryLimit, initialInterval: "10s", factor: 2, maxInterval: "5m" },
  });
  let stepFunctions: StepFunctionsEngine | undefined;
  if (platform.workflows.engine === EngineName.StepFunctions) {
    // A state machine started by an EventBridge pipe from the work queue. Its step runs as a
    // Fargate task whose task role holds the workflow service account's grants (the default), or
    // as a Job in the workflow namespace run as ARGO_WORKFLOW_SERVICE_ACCOUNT (runner eks, public
    // endpoint only: ArgoWorkflows creates the namespace and that account). Each execution records
    // its name on the request, for Service A. No WorkflowTemplate, no Argo Events.
    const fargate =
      platform.workflows.stepRunner === StepRunner.Fargate
        ? new FargateSteps(
            REQUEST_WORKFLOW,
            {
              ...awsContext,
              workflow: requestWorkflow,
              vpcId: network.vpcId,
              subnetIds: network.privateSubnetIds,
              taskRoleStatements: { [ARGO_WORKFLOW_SERVICE_ACCOUNT]: workflowGrants },
              logsKeyArn: keys.logsKeyArn,
              logRetentionInDays: config.cluster.logRetentionInDays,
              protect,
              // The step runs the worker's image: the same architecture.
              platform: worker.platform,
            },
            { providers: [aws_] },
          )
        : undefined;
    const recordExecution = {
      tableName: requestTable.tableName,
      // An item the execution creates lives as long as Service A keeps a request's answer.
      ttlSeconds: SERVICE_A_IDEMPOTENCY_TTL_HOURS * 3600,
    };
    stepFunctions = new StepFunctionsEngine(
      REQUEST_WORKFLOW,
      {
        ...awsContext,
        definition: aslDefinition(
          compileStepFunctions(requestWorkflow, {
            ...(fargate
              ? fargate.target
              : {
                  cluster: {
                    name: cluster.clusterName,
                    endpoint: cluster.endpoint,
                    certificateAuthority: cluster.cluster.certificateAuthority.data,
                  },
                  namespace: platform.workflows.namespace,
                  jobTtlSecondsAfterFinished: 3600,
                }),
            recordExecution,
          }),
        ),
        runner: fargate
          ? { kind: "fargate", statements: fargateRunStatements(fargate, awsContext) }
          : {
              kind: "eks",
              clusterName: cluster.clusterName,
              namespace: platform.workflows.namespace,
            },
        recordExecution: { tableArn: requestTable.tableArn, keyArn: requestTable.keyArn },
        alarmTopicArn: alarms.topicArn,
        workQueue,
        dataKeyArn: keys.dataKeyArn,
        logsKeyArn: keys.logsKeyArn,
        // The CloudWatch retention the stack sets for its cluster's logs.
        logRetentionInDays: config.cluster.logRetentionInDays,
        protect,
      },
      { providers: [aws_], dependsOn: [cluster, ...(argoWorkflows ? [argoWorkflows] : [])] },
    );
  } else {
    const requestTemplate = new RequestWorkflowTemplate(
      REQUEST_WORKFLOW,
      {
        provider: k8sProvider,
        manifest: compileArgo(requestWorkflow, {
          namespace: platform.workflows.namespace,
          ttl: { secondsAfterSuccess: 3600, secondsAfterFailure: 604800 },
        }),
      },
      { dependsOn: argoWorkflows ? [argoWorkflows] : [] },
    );

    new ArgoEvents(
      "platform",
      {
        provider: k8sProvider,
        namespace: platform.workflows.namespace,
        clusterName: cluster.clusterName,
        ...awsContext,
        workQueue,
        // Domain events start workflows only for the types the stack lists; none: no bridge.
        ...(platform.workflows.eventTriggers.length > 0
          ? {
              events: {
                clusterArn: kafka.clusterArn,
                topic: "domain-events",
                consumerGroup: "argo-events",
                grantConsumer: topics.grantConsumer("domain-events", "argo-events"),
                bridgeKmsKeyArn: keys.dataKeyArn,
                eventTypes: platform.workflows.eventTriggers.map((t) => t.type),
              },
            }
          : {}),
        workflowTemplateName: requestTemplate.templateName,
        highAvailability,
        storageClassName: DEFAULT_STORAGE_CLASS,
      },
      {
        providers: [aws_],
        dependsOn: [cluster, requestTemplate, ...(argoWorkflows ? [argoWorkflows] : [])],
      },
    );
  }

  // Service A reads each request's status from the engine the stack selects (its README, "Request
  // status"): on Argo its Workflow through the Kubernetes API, on Step Functions DescribeExecution.
  const status = stepFunctions
    ? { ...serviceAStepFunctionsStatus(stepFunctions.stateMachineArn), kubernetesApi: undefined }
    : {
        ...serviceAArgoStatus({
          namespace: platform.workflows.namespace,
          workflowTemplate: REQUEST_WORKFLOW,
          serviceIpv4Cidr: cluster.cluster.kubernetesNetworkConfig.serviceIpv4Cidr,
        }),
        resourceEnv: {},
        executionReads: [],
      };
  const serviceAEnv = {
    SUBMITTER: "sqs",
    REQUEST_STORE: "dynamodb",
    // How long a request's answer and status are kept (also the expiry of a status item a Step
    // Functions execution creates first).
    IDEMPOTENCY_TTL_HOURS: String(SERVICE_A_IDEMPOTENCY_TTL_HOURS),
    // The front door's private integration sends its stage in the path (docs/api-hops.md).
    STRIP_PATH_PREFIX: `/${config.api.stageName}`,
    ...status.env,
  };
  const serviceA = new Microservice(
    "service-a",
    {
      ...common,
      build: { context: ".", dockerfile: "services/service-a/Dockerfile" },
      contract: "service-a",
      replicas: { min: services.serviceA.minReplicas, max: services.serviceA.maxReplicas },
      autoscaling: { on: AutoscalingSignal.Cpu },
      resources: resources(services.serviceA),
      access: {
        sendsTo: [workQueue],
        tables: [{ tableArn: requestTable.tableArn, keyArn: requestTable.keyArn }],
        extraStatements: requestTableAccess(requestTable),
        executionReads: status.executionReads,
      },
      env: serviceAEnv,
      resourceEnv: {
        WORK_QUEUE_URL: workQueue.queueUrl,
        REQUEST_TABLE: requestTable.tableName,
        ...status.resourceEnv,
      },
      kubernetesApi: status.kubernetesApi,
      // No meshed caller: the front door's load balancer reaches the TLS port below, admitted by
      // network (it has no mesh identity); the plain port serves the probes and Prometheus only.
      callers: [],
      tls: { loadBalancerCidrs: network.privateCidrBlocks },
      slo: { availabilityTarget: 0.999, latencyThresholdSeconds: 0.5, latencyTarget: 0.99 },
    },
    {
      providers: [aws_],
      // cert-manager issues its serving certificate; its Role lives in the workflows namespace.
      dependsOn: [
        servicesNamespace,
        tracing,
        monitoring,
        certManager,
        ...(status.kubernetesApi && argoWorkflows ? [argoWorkflows] : []),
      ],
    },
  );

  // ---- The front door (docs/api.md, docs/api-hops.md): API Gateway built from Service A's
  // contract -> VPC link v2 -> the internal load balancer -> Service A's TLS port. Both are named
  // "api": the flow table (tools/checks/flowTable.ts) knows their security groups by that name.
  const { api } = config;
  const ingress = new PrivateIngress(
    "api",
    {
      ...awsContext,
      vpcId: network.vpcId,
      privateSubnetIds: network.privateSubnetIds,
      podSecurityGroupId: cluster.clusterSecurityGroupId,
      hostedZoneId: api.hostedZone.id,
      hostName: `service-a.internal.${api.hostedZone.name}`,
      targetPort: serviceA.tlsPort as number,
      healthCheckPath: PROBES.readiness,
      drainSeconds: servingAfterTerminationSeconds(serviceAEnv),
      deletionProtection: protect,
      accessLogRetentionDays: api.logRetentionInDays,
      accessLogForceDestroy: !protect,
      serverAccessLogs,
      protect,
      targets: {
        provider: k8sProvider,
        namespace: serviceA.namespace,
        serviceName: serviceA.serviceName,
        servicePort: TLS_PORT_NAME,
      },
    },
    // The TargetGroupBinding's CRD comes with the controller's chart.
    { providers: [aws_], dependsOn: [loadBalancerController, serviceA] },
  );
  const gateway = new ApiGateway(
    "api",
    {
      ...awsContext,
      api: contractApi("service-a"),
      stageName: api.stageName,
      loadBalancerArn: ingress.loadBalancerArn,
      backendBaseUrl: ingress.backendBaseUrl,
      vpcLink: {
        vpcId: network.vpcId,
        subnetIds: network.privateSubnetIdList,
        loadBalancerSecurityGroupId: ingress.securityGroupId,
        listenerPort: ingress.listenerPort,
      },
      logs: {
        kmsKeyArn: keys.logsKeyArn,
        retentionInDays: api.logRetentionInDays,
        executionLoggingLevel: api.executionLoggingLevel,
      },
      throttle: api.throttle,
      ...(api.cache ? { cache: api.cache } : {}),
      waf: api.waf,
      cognito: {
        domainPrefix: api.cognitoDomainPrefix,
        accessTokenValidityMinutes: api.accessTokenValidityMinutes,
      },
      ...(api.customDomain
        ? { customDomain: { domainName: api.customDomain, hostedZoneId: api.hostedZone.id } }
        : {}),
      manageAccountCloudWatchRole: api.manageAccountCloudWatchRole,
      protect,
    },
    { providers: [aws_] },
  );
  ingress.admitVpcLink(gateway.vpcLinkSecurityGroupId);
  // The AWS-managed hops of the request path, on the alert topic: the gateway and the pipe.
  new RequestPathAlarms(
    "platform",
    {
      topicArn: alarms.topicArn,
      api: { apiName: gateway.restApi.name, stageName: gateway.stage.stageName },
      ...(stepFunctions ? { workflowPipeName: stepFunctions.pipeName } : {}),
    },
    { providers: [aws_] },
  );

  return { linkerd, logging, tracing, monitoring, gateway };
}
const inCluster = bootstrap || !topics ? undefined : inClusterPlatform(topics);

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
/** Where CI runs `pulumi up` for this stack (issue #15): the runner label and the deployer's role. */
export const deployerRunner = deployer && {
  projectName: deployer.projectName,
  runsOn: deployer.runnerLabel,
  roleArn: deployer.roleArn,
};
export const defaultStorageClass = cluster.defaultStorageClassName;
export const workQueueUrl = workQueue.queueUrl;
export const workQueueArn = workQueue.queueArn;
export const workDeadLetterQueueUrl = workQueue.deadLetterQueueUrl;
export const taskQueueUrl = taskQueue.queueUrl;
export const taskQueueArn = taskQueue.queueArn;
export const taskDeadLetterQueueUrl = taskQueue.deadLetterQueueUrl;
export const requestTableName = requestTable.tableName;
export const kafkaClusterArn = kafka.clusterArn;
export const kafkaBootstrapBrokersSaslIam = kafka.bootstrapBrokersSaslIam;
export const kafkaTopics = topics?.topicNames;
export const linkerdTrustAnchorNotAfter = inCluster?.linkerd.trustAnchorNotAfter;
export const workflowArtifactBucket = artifacts?.bucketName;
export const elasticsearchUrl = inCluster?.logging.elasticsearchUrl;
export const jaegerQueryUrl = inCluster?.tracing.jaegerQueryUrl;
export const otlpEndpoint = inCluster?.tracing.otlpEndpoint;
export const grafanaAdminSecret = inCluster?.monitoring.grafanaAdminSecretName;
/** The front door: where clients call, and how they get a token (docs/api-gateway.md). */
export const apiUrl = inCluster?.gateway.invokeUrl;
export const apiTokenEndpoint = inCluster?.gateway.tokenEndpoint;
export const apiUserPoolId = inCluster?.gateway.userPoolId;
export const apiClientId = inCluster?.gateway.clientId;
/** A Pulumi secret: `pulumi stack output apiClientSecret --show-secrets`. */
export const apiClientSecret = inCluster?.gateway.clientSecret;
export const apiWebAclArn = inCluster?.gateway.webAclArn;
