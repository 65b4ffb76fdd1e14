/**
 * Argo Events in the workflow namespace: the controller (Helm, namespaced), a JetStream EventBus,
 * an SQS EventSource on the work queue, the domain events a stack lists bridged from MSK into SQS
 * (none by default: then no bridge), and a Sensor that submits a Workflow from a WorkflowTemplate
 * for each event. Every identity is scoped
 * to one source: one IAM role per event source (EKS Pod Identity), one role for the bridge, and a
 * Kubernetes Role for the sensor that can start workflows and nothing else.
 *
 * Why the Kafka side is a bridge and not a Kafka EventSource: argo-events v1.9.10 (the pinned
 * chart's appVersion) cannot authenticate to MSK with IAM, and the cluster accepts IAM only. See
 * docs/workflows-events.md ("Kafka: why a bridge") for the source references and the migration.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  type AwsContext,
  CHARTS,
  dependenciesOf,
  DNS_LABEL,
  podIdentityRole,
  policyDocument,
  PolicyStatement,
  REGION,
  throwIfInvalid,
  ValidationError,
} from "../lib";
import { MESSAGE_CONTRACTS_DIR } from "../lib/contracts";
import { EventsBridge, validateEventsBridgeArgs } from "../messaging/eventsBridge";
import type { Queue } from "../messaging/queue";
import { WORKFLOW_NAME_HASH_LENGTH, workflowNamePrefix } from "../../contracts/workflowNames";

/** Value paths the chart reads but only shows commented out in values.yaml (templates/…/pdb.yaml). */
export const ARGO_EVENTS_FREE_FORM_VALUES = ["controller.pdb.minAvailable"];

/**
 * JetStream version of the EventBus: an entry of `configs.jetstream.versions` in the chart's
 * values.yaml (the newest pinned one; `latest` is the same image today but moves with the chart).
 */
export const JETSTREAM_VERSION = "2.10.10";

/** CloudEvents `type` of a workflow request (contracts/messages/workflow-request.schema.json). */
export const WORKFLOW_REQUEST_TYPE = "com.acme.workflow.requested.v1";

/**
 * The CloudEvents `type` form of a domain event, read from its one definition: the `type` pattern
 * of contracts/messages/domain-event.schema.json (`com.acme.<context>.<event>.v<major>`).
 */
export const DOMAIN_EVENT_TYPE_PATTERN = new RegExp(
  (
    JSON.parse(
      fs.readFileSync(path.join(MESSAGE_CONTRACTS_DIR, "domain-event.schema.json"), "utf8"),
    ) as { properties: { type: { pattern: string } } }
  ).properties.type.pattern,
);

/**
 * The prefix of every type of the workflow bounded context (`com.acme.workflow.`), taken from
 * {@link WORKFLOW_REQUEST_TYPE}. Its events are the workflow system's own output: the worker
 * publishes `com.acme.workflow.task-completed.v1` for every task a workflow hands it, so a
 * workflow started by one would start the next, without end. None of them may start a workflow.
 */
export const WORKFLOW_CONTEXT_TYPE_PREFIX =
  WORKFLOW_REQUEST_TYPE.split(".").slice(0, 3).join(".") + ".";

/**
 * What is wrong with `type` as a domain-event type that starts workflows, or undefined. The one
 * check behind the stack configuration (`platform.workflows.eventTriggers[].type`) and
 * {@link validateArgoEventsArgs}.
 */
export function eventTriggerTypeProblem(type: string): string | undefined {
  if (!DOMAIN_EVENT_TYPE_PATTERN.test(type)) {
    return `"${type}" is not a domain-event type; valid form: com.acme.<bounded context>.<event name>.v<major> (the pattern ${DOMAIN_EVENT_TYPE_PATTERN.source} of contracts/messages/domain-event.schema.json), e.g. com.acme.orders.order-placed.v1`;
  }
  if (type.startsWith(WORKFLOW_CONTEXT_TYPE_PREFIX)) {
    return `"${type}" belongs to the workflow system itself (${WORKFLOW_CONTEXT_TYPE_PREFIX}*): the worker publishes such an event for every task, so a workflow it started would start another, in a loop; list events of other bounded contexts`;
  }
  return undefined;
}

/** Names of the sensor's dependencies; trigger conditions and parameters refer to them. */
export const SENSOR_DEPENDENCIES = {
  workflowRequest: "workflow-request",
  domainEvent: "domain-event",
} as const;

/**
 * UID/GID of the argo-events images: the chart's documented `global.securityContext` example. The
 * image is built FROM scratch with no USER, so without this the pods would run as root.
 */
const ARGO_EVENTS_UID = 9731;

/** Pod security of every argo-events pod (controller, event sources, sensor). */
const POD_SECURITY = {
  runAsNonRoot: true,
  runAsUser: ARGO_EVENTS_UID,
  runAsGroup: ARGO_EVENTS_UID,
  fsGroup: ARGO_EVENTS_UID,
  seccompProfile: { type: "RuntimeDefault" },
};

/**
 * Container security of every argo-events container. A read-only root is safe: the controller
 * mounts an emptyDir on /tmp in event-source and sensor pods, where the argo CLI writes.
 */
const CONTAINER_SECURITY = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
};

const SMALL_RESOURCES = {
  requests: { cpu: "50m", memory: "64Mi" },
  limits: { memory: "256Mi" },
};

/**
 * The work queue, structurally: a messaging `Queue` fits. Argo Events v1.9.10 resolves the queue
 * by name (`GetQueueUrl`), so the name is needed, not the URL.
 */
export interface WorkQueueRef {
  /** The queue name (the event source calls GetQueueUrl with it). */
  queueName: pulumi.Input<string>;
  /** Least-privilege statements to receive and delete (messaging `Queue.grantConsumer()`). */
  grantConsumer(): PolicyStatement[];
}

/**
 * The domain-event topic on MSK and what the bridge needs to consume it with IAM.
 */
export interface DomainEventsArgs {
  /** The MSK cluster ARN: the source of the EventBridge pipe. */
  clusterArn: pulumi.Input<string>;
  /** The topic to consume (declared `consumed: true` in `KafkaTopics`). */
  topic: string;
  /** The consumer group the pipe joins; a name, no wildcard. */
  consumerGroup: string;
  /**
   * IAM statements to consume `topic` as `consumerGroup`: `KafkaTopics.grantConsumer(topic,
   * consumerGroup)`. They go to the pipe's role, which is the only Kafka client.
   */
  grantConsumer: PolicyStatement[];
  /** The customer-managed key of the bridge queue (the platform's data key ARN). */
  bridgeKmsKeyArn: pulumi.Input<string>;
  /**
   * The domain-event types that start a workflow, at least one. The pipe forwards only records
   * whose JSON value has one of these `type`s and the sensor checks the type again; the workflow
   * context's own types are refused ({@link eventTriggerTypeProblem}).
   */
  eventTypes: string[];
}

/** Arguments of {@link ArgoEvents}. */
export interface ArgoEventsArgs extends AwsContext {
  /** The Kubernetes provider of the cluster. */
  provider: k8s.Provider;
  /**
   * The workflow namespace (created by the ArgoWorkflows component). The controller is installed
   * here in namespaced mode, next to the event sources, the sensor and the workflows.
   */
  namespace: string;
  /** The EKS cluster name, for the Pod Identity associations. */
  clusterName: pulumi.Input<string>;
  /** The SQS work queue Service A writes workflow requests to. */
  workQueue: WorkQueueRef;
  /**
   * The domain events that start workflows, bridged to SQS (see the module comment). Without it
   * no bridge, no domain-event source and no domain-event trigger exist: workflows start from
   * the work queue only.
   */
  events?: DomainEventsArgs;
  /**
   * The WorkflowTemplate the sensor submits from, in `namespace`. Requests naming another
   * template are filtered out: the trigger is an allow-list of one.
   */
  workflowTemplateName: string;
  /**
   * Two controller replicas with a PodDisruptionBudget, a three-node EventBus with three stream
   * replicas, two SQS event-source replicas (active-active) and three sensor replicas (an odd
   * count for the NATS-based leader election). Off: one of each.
   */
  highAvailability: boolean;
  /**
   * StorageClass of the EventBus volumes.
   * @default the cluster's default StorageClass
   */
  storageClassName?: string;
  /**
   * Size of each EventBus volume.
   * @default "10Gi"
   */
  eventBusVolumeSize?: string;
}

const QUANTITY = /^[0-9]+(Ki|Mi|Gi|Ti)$/;
/**
 * Longest component name: the pipe's `namePrefix` (`<name>-domain-events-` plus 26 generated
 * characters) must fit the 64 characters of a pipe name.
 */
const MAX_NAME = 24;

/** Validates {@link ArgoEventsArgs} and the component name; returns every problem. */
export function validateArgoEventsArgs(name: string, args: ArgoEventsArgs): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });
  const label = (path: string, value: string, max: number) => {
    if (!DNS_LABEL.test(value) || value.length > max) {
      add(path, `"${value}" must be a DNS-1123 label of at most ${max} characters`);
    }
  };
  label("name", name, MAX_NAME);
  label("namespace", args.namespace, 63);
  label("workflowTemplateName", args.workflowTemplateName, 63);
  if (!REGION.test(args.region)) {
    add("region", `"${args.region}" is not an AWS Region code; use the form eu-west-1`);
  }
  if (args.events) {
    // The bridge's own checks (topic, consumer group, grant, types), reported under `events`.
    for (const e of validateEventsBridgeArgs(args.events)) {
      add(`events.${e.propertyPath}`, e.reason);
    }
    args.events.eventTypes.forEach((type, i) => {
      const problem = eventTriggerTypeProblem(type);
      if (problem) add(`events.eventTypes[${i}]`, problem);
    });
  }
  if (args.storageClassName !== undefined && !DNS_LABEL.test(args.storageClassName)) {
    add("storageClassName", `"${args.storageClassName}" is not a StorageClass name`);
  }
  const size = args.eventBusVolumeSize ?? "10Gi";
  if (!QUANTITY.test(size)) {
    add("eventBusVolumeSize", `"${size}" must be a binary quantity such as 10Gi`);
  }
  return errors;
}

/** The chart values: namespaced controller, no webhook, non-root pods, resources, HA knobs. */
export function argoEventsValues(highAvailability: boolean): Record<string, unknown> {
  return {
    crds: { install: true, keep: true },
    global: { securityContext: POD_SECURITY },
    controller: {
      replicas: highAvailability ? 2 : 1,
      // A Role in the release namespace instead of a ClusterRole: the controller only sees the
      // workflow namespace, where every EventBus, EventSource and Sensor lives.
      rbac: { enabled: true, namespaced: true },
      containerSecurityContext: CONTAINER_SECURITY,
      resources: SMALL_RESOURCES,
      pdb: highAvailability ? { enabled: true, minAvailable: 1 } : { enabled: false },
      topologySpreadConstraints: highAvailability
        ? [
            {
              maxSkew: 1,
              topologyKey: "topology.kubernetes.io/zone",
              whenUnsatisfiable: "ScheduleAnyway",
            },
          ]
        : [],
      metrics: { enabled: true },
    },
    // The admission webhook only runs cluster-wide; in namespaced mode the chart skips it anyway.
    webhook: { enabled: false },
  };
}

/**
 * The PodMonitor of the event-source and sensor pods, in the monitoring namespace `namespace`.
 * They serve metrics on :7777 without a named port (Argo Events "Metrics" docs); the controller's
 * own metrics come from the chart's monitor (`controller.metrics`). `Monitoring` creates it once
 * its CRDs are served.
 */
export function argoEventsPodMonitor(namespace: string): Record<string, unknown> {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PodMonitor",
    metadata: { name: "argo-events-workloads", namespace },
    spec: {
      namespaceSelector: { any: true },
      selector: {
        matchExpressions: [
          {
            key: "controller",
            operator: "In",
            values: ["eventsource-controller", "sensor-controller"],
          },
        ],
      },
      podMetricsEndpoints: [{ portNumber: 7777, path: "/metrics", interval: "30s" }],
    },
  };
}

/** A string filter value that matches exactly `value` (argo-events treats it as a regex). */
export function exactFilterValue(value: string): string {
  return `^${value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`;
}

// The naming rule Service A's status adapter shares (contracts/workflowNames.ts).
export { workflowNamePrefix };

/** The Workflow object the sensor submits: a reference to the template plus its arguments. */
export function workflowFromTemplate(
  template: string,
  namespace: string,
  source: string,
): Record<string, unknown> {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Workflow",
    metadata: {
      generateName: `${workflowNamePrefix(template)}-`,
      namespace,
      labels: { "acme.io/event-source": source },
    },
    spec: {
      workflowTemplateRef: { name: template },
      arguments: {
        parameters: [
          { name: "requestId", value: "" },
          { name: "workflowTemplate", value: template },
          { name: "parameters", value: "{}" },
          { name: "traceparent", value: "" },
        ],
      },
    },
  };
}

/**
 * A Go-template pipeline naming one Kafka record as `<topic>/<partition>/<offset>` from the
 * record the pipe wrote to the bridge queue. JSON numbers arrive as floats, hence `%.0f`.
 */
const RECORD_ID =
  'printf "%s/%.0f/%.0f" .Input.body.topic .Input.body.partition .Input.body.offset';

/**
 * A Go-template pipeline reading `traceparent` from the domain event inside a bridged record
 * (`value` is the record's base64 JSON). argo-events v1.9.10 renders it with
 * `template.New("param").Funcs(sprig.FuncMap())` (pkg/sensors/triggers/params.go) and pins
 * Masterminds/sprig v3.3.0 (go.mod), whose FuncMap has `b64dec` and `fromJson` (functions.go).
 */
export const DOMAIN_EVENT_TRACEPARENT = "{{ (.Input.body.value | b64dec | fromJson).traceparent }}";

/**
 * A data-filter template reading the event's `type` from a bridged record's base64 `value` (the
 * filter's `.Input` is the string at its `path`).
 */
export const DOMAIN_EVENT_TYPE_TEMPLATE = "{{ (.Input | b64dec | fromJson).type }}";

/**
 * The workflow's `requestId` for a domain event: the SHA-256 of `<topic>/<partition>/<offset>`,
 * cut into the 8-4-4-4-12 form of a UUID (the form the contract's `format: uuid` checks), so one
 * record always gives the same id. sprig v3.3.0 has `sha256sum` (lower-case hex) and `substr`.
 */
export const DOMAIN_EVENT_REQUEST_ID = `{{ $h := ${RECORD_ID} | sha256sum }}{{ substr 0 8 $h }}-{{ substr 8 12 $h }}-{{ substr 12 16 $h }}-{{ substr 16 20 $h }}-{{ substr 20 32 $h }}`;

/**
 * The workflow's `parameters` for a domain event: a JSON object of strings, as the work-task
 * contract requires (`parameters`: names `^[A-Za-z][A-Za-z0-9_-]*$`, string values of at most 8192
 * characters). It names the event (envelope `id` and `type`, `aggregateType`, `aggregateId`,
 * `sequence`) and the record (`<topic>/<partition>/<offset>`), each bounded by the domain-event
 * contract; the event's `payload` is not copied, as its size has no bound. sprig's `dict` and
 * `toJson` (v3.3.0) write the object; JSON numbers arrive as floats, hence `%.0f`.
 */
export const DOMAIN_EVENT_PARAMETERS = `{{ $e := .Input.body.value | b64dec | fromJson }}{{ dict "eventId" $e.id "eventType" $e.type "aggregateType" $e.data.aggregateType "aggregateId" $e.data.aggregateId "sequence" (printf "%.0f" $e.data.sequence) "record" (${RECORD_ID}) | toJson }}`;

/** The parameter names {@link DOMAIN_EVENT_PARAMETERS} writes. */
export const DOMAIN_EVENT_PARAMETER_NAMES = [
  "eventId",
  "eventType",
  "aggregateType",
  "aggregateId",
  "sequence",
  "record",
] as const;

/** Trigger retries: three attempts 2 s, 4 s and 8 s apart (plus jitter). */
const TRIGGER_RETRY = { steps: 3, duration: "2s", factor: 2, jitter: 0.2 };

/**
 * Argo Events for the workflow namespace (`acme:workflows:ArgoEvents`).
 *
 * - Helm release `argo-events` 2.4.22 (controller v1.9.10) in `namespace`, namespaced RBAC.
 * - EventBus (JetStream) with persistent volumes.
 * - EventSource `<name>-work-queue`: SQS long polling on the work queue, with the pod's own
 *   credentials (EKS Pod Identity; aws-sdk-go v1.47.11 in v1.9.10 is the first v1 SDK with the
 *   Pod Identity container provider). The role holds exactly `workQueue.grantConsumer()`.
 * - With `events` only, the domain-event bridge: an EventBridge pipe reads `events.topic` with IAM
 *   (its role holds `events.grantConsumer`) and writes each record of a listed type to a bridge
 *   queue; EventSource `<name>-domain-events` polls that queue with its own Pod Identity role.
 * - Sensor `<name>-workflows`: one trigger per dependency, each submitting a Workflow from
 *   `workflowTemplateName` with a name derived from the event, so a redelivered event cannot
 *   start a second workflow. Its service account may create and list workflows and read that one
 *   template, which is what `argo submit` and the trigger's follow-up list need.
 */
export class ArgoEvents extends pulumi.ComponentResource {
  public readonly release: k8s.helm.v3.Release;
  public readonly eventBusName: string;
  public readonly workQueueEventSourceName: string;
  public readonly sensorName: string;
  public readonly sensorServiceAccountName: string;
  public readonly workQueueSourceRoleArn: pulumi.Output<string>;
  // The domain-event side exists only with `args.events`; each of these is undefined without it.
  public readonly domainEventsEventSourceName?: string;
  public readonly domainEventsSourceRoleArn?: pulumi.Output<string>;
  public readonly bridgeRoleArn?: pulumi.Output<string>;
  public readonly pipeArn?: pulumi.Output<string>;
  /** The bridge queue (with its dead-letter queue) between the pipe and the event source. */
  public readonly bridgeQueue?: Queue;

  constructor(name: string, args: ArgoEventsArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): a bad argument must fail before anything, the component included, registers.
    throwIfInvalid("ArgoEvents", validateArgoEventsArgs(name, args));
    super("acme:workflows:ArgoEvents", name, {}, opts);
    // Waits for opts.dependsOn (the convention in components/lib/options.ts).
    const deps = dependenciesOf(opts);

    const ha = args.highAvailability;
    const ns = args.namespace;
    const template = args.workflowTemplateName;
    const k8sOpts = { parent: this, provider: args.provider };

    this.eventBusName = name;
    this.workQueueEventSourceName = `${name}-work-queue`;
    this.sensorName = `${name}-workflows`;
    this.sensorServiceAccountName = `${name}-sensor`;

    this.release = new k8s.helm.v3.Release(
      `${name}-argo-events`,
      {
        name: `${name}-argo-events`,
        chart: CHARTS.argoEvents.name,
        version: CHARTS.argoEvents.version,
        repositoryOpts: { repo: CHARTS.argoEvents.repo },
        namespace: ns,
        createNamespace: false,
        values: argoEventsValues(ha),
        cleanupOnFail: true,
        timeout: 600,
      },
      { ...k8sOpts, dependsOn: deps },
    );
    const afterController = { ...k8sOpts, dependsOn: [this.release] };

    // --- EventBus --------------------------------------------------------------------------
    const busReplicas = ha ? 3 : 1;
    const eventBus = new k8s.apiextensions.CustomResource(
      `${name}-bus`,
      {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "EventBus",
        metadata: { name: this.eventBusName, namespace: ns },
        spec: {
          jetstream: {
            version: JETSTREAM_VERSION,
            // argo-events accepts 1 or at least 3 JetStream nodes.
            replicas: busReplicas,
            // Overrides the chart's stream default of 3 replicas, which one node cannot hold.
            streamConfig: `replicas: ${busReplicas}\nmaxAge: 72h\n`,
            persistence: {
              accessMode: "ReadWriteOnce",
              volumeSize: args.eventBusVolumeSize ?? "10Gi",
              ...(args.storageClassName ? { storageClassName: args.storageClassName } : {}),
            },
            containerTemplate: {
              resources: {
                requests: { cpu: "100m", memory: "256Mi" },
                limits: { memory: "1Gi" },
              },
            },
            // NATS speaks first on its client (4222) and cluster (6222) ports; a meshed client
            // would otherwise wait for Linkerd's protocol detection to time out.
            metadata: { annotations: { "config.linkerd.io/opaque-ports": "4222,6222" } },
            ...(ha
              ? {
                  affinity: {
                    podAntiAffinity: {
                      requiredDuringSchedulingIgnoredDuringExecution: [
                        {
                          labelSelector: {
                            matchLabels: {
                              controller: "eventbus-controller",
                              "eventbus-name": this.eventBusName,
                            },
                          },
                          topologyKey: "kubernetes.io/hostname",
                        },
                      ],
                    },
                  },
                }
              : {}),
          },
        },
      },
      afterController,
    );

    // --- Identities of the event sources ----------------------------------------------------
    const sourceIdentity = (
      source: string,
      description: string,
      statements: PolicyStatement[],
    ): { role: aws.iam.Role; serviceAccount: string; ready: pulumi.Resource[] } => {
      const serviceAccount = `${name}-${source}-source`;
      const sa = new k8s.core.v1.ServiceAccount(
        `${name}-${source}-source`,
        {
          metadata: { name: serviceAccount, namespace: ns },
          // The event source never calls the Kubernetes API; Pod Identity mounts its own token.
          automountServiceAccountToken: false,
        },
        { ...k8sOpts, dependsOn: deps },
      );
      const identity = podIdentityRole(
        `${name}-${source}-source`,
        {
          description,
          accountId: args.accountId,
          clusterName: args.clusterName,
          namespace: ns,
          serviceAccount,
          inlinePolicies: { [`${name}-${source}-source`]: policyDocument(statements) },
          associationDependsOn: [sa],
        },
        { parent: this },
      );
      return { role: identity.role, serviceAccount, ready: identity.ready };
    };

    const sqsEventSource = (
      resourceName: string,
      eventSourceName: string,
      eventName: string,
      serviceAccount: string,
      queueName: pulumi.Input<string>,
      ready: pulumi.Resource[],
    ) =>
      new k8s.apiextensions.CustomResource(
        resourceName,
        {
          apiVersion: "argoproj.io/v1alpha1",
          kind: "EventSource",
          metadata: { name: eventSourceName, namespace: ns },
          spec: {
            eventBusName: this.eventBusName,
            // SQS sources run active-active: every replica polls.
            replicas: ha ? 2 : 1,
            template: {
              serviceAccountName: serviceAccount,
              securityContext: POD_SECURITY,
              container: { resources: SMALL_RESOURCES, securityContext: CONTAINER_SECURITY },
            },
            sqs: {
              [eventName]: {
                region: args.region,
                queue: queueName,
                queueAccountId: args.accountId,
                // Long polling: fewer empty receives, lower cost.
                waitTimeSeconds: 20,
                jsonBody: true,
                // A body that is not JSON is left on the queue, so the redrive policy moves it
                // to the dead-letter queue instead of the source deleting it.
                dlq: true,
              },
            },
          },
        },
        { ...k8sOpts, dependsOn: [this.release, eventBus, ...ready] },
      );

    // --- The work queue ---------------------------------------------------------------------
    const workQueueSource = sourceIdentity(
      "work-queue",
      "Argo Events: receive workflow requests from the work queue",
      args.workQueue.grantConsumer(),
    );
    const workQueueEventSource = sqsEventSource(
      `${name}-work-queue`,
      this.workQueueEventSourceName,
      "workflow-requests",
      workQueueSource.serviceAccount,
      args.workQueue.queueName,
      workQueueSource.ready,
    );

    // --- The domain-event bridge: MSK (IAM) -> EventBridge pipe -> SQS ----------------------
    // Only when the stack lists event types: otherwise nothing reads the topic for workflows.
    let domainEvents:
      | { eventSource: pulumi.Resource; eventSourceName: string; events: DomainEventsArgs }
      | undefined;
    if (args.events) {
      const events = args.events;
      const bridge = new EventsBridge(
        `${name}-domain-events`,
        {
          clusterArn: events.clusterArn,
          topic: events.topic,
          consumerGroup: events.consumerGroup,
          grantConsumer: events.grantConsumer,
          kmsKeyArn: events.bridgeKmsKeyArn,
          eventTypes: events.eventTypes,
          // argo-events receives with a fixed visibility timeout of 120 s and deletes a message
          // as soon as the EventBus has it, so 120 s covers the whole of its processing.
          visibilityTimeoutSeconds: 120,
          consumer: "Argo Events",
          region: args.region,
          accountId: args.accountId,
          partition: args.partition,
          // The name the role had when this component created it (the URN is aliased).
          roleResourceName: `${name}-bridge`,
        },
        { parent: this },
      );
      const eventSourceName = `${name}-domain-events`;
      const domainEventsSource = sourceIdentity(
        "domain-events",
        "Argo Events: receive bridged domain events from the bridge queue",
        bridge.queue.grantConsumer(),
      );
      const eventSource = sqsEventSource(
        `${name}-domain-events`,
        eventSourceName,
        "domain-events",
        domainEventsSource.serviceAccount,
        bridge.queue.queueName,
        domainEventsSource.ready,
      );
      this.bridgeQueue = bridge.queue;
      this.domainEventsEventSourceName = eventSourceName;
      this.domainEventsSourceRoleArn = domainEventsSource.role.arn;
      this.bridgeRoleArn = bridge.roleArn;
      this.pipeArn = bridge.pipeArn;
      domainEvents = { eventSource, eventSourceName, events };
    }

    // --- The sensor -------------------------------------------------------------------------
    const sensorAccount = new k8s.core.v1.ServiceAccount(
      `${name}-sensor`,
      { metadata: { name: this.sensorServiceAccountName, namespace: ns } },
      { ...k8sOpts, dependsOn: deps },
    );
    const sensorRole = new k8s.rbac.v1.Role(
      `${name}-sensor`,
      {
        metadata: { name: this.sensorServiceAccountName, namespace: ns },
        rules: sensorRules(template),
      },
      { ...k8sOpts, dependsOn: deps },
    );
    const sensorBinding = new k8s.rbac.v1.RoleBinding(
      `${name}-sensor`,
      {
        metadata: { name: this.sensorServiceAccountName, namespace: ns },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "Role",
          name: this.sensorServiceAccountName,
        },
        subjects: [{ kind: "ServiceAccount", name: this.sensorServiceAccountName, namespace: ns }],
      },
      { ...k8sOpts, dependsOn: [sensorRole, sensorAccount] },
    );

    new k8s.apiextensions.CustomResource(
      `${name}-workflows`,
      sensorSpec({
        name: this.sensorName,
        namespace: ns,
        eventBusName: this.eventBusName,
        serviceAccountName: this.sensorServiceAccountName,
        workQueueEventSourceName: this.workQueueEventSourceName,
        ...(domainEvents
          ? {
              domainEvents: {
                eventSourceName: domainEvents.eventSourceName,
                topic: domainEvents.events.topic,
                eventTypes: domainEvents.events.eventTypes,
              },
            }
          : {}),
        workflowTemplateName: template,
        highAvailability: ha,
      }) as k8s.apiextensions.CustomResourceArgs,
      {
        ...k8sOpts,
        dependsOn: [
          this.release,
          eventBus,
          sensorBinding,
          workQueueEventSource,
          ...(domainEvents ? [domainEvents.eventSource] : []),
        ],
      },
    );

    this.workQueueSourceRoleArn = workQueueSource.role.arn;
    this.registerOutputs({
      eventBusName: this.eventBusName,
      workQueueEventSourceName: this.workQueueEventSourceName,
      domainEventsEventSourceName: this.domainEventsEventSourceName,
      sensorName: this.sensorName,
      sensorServiceAccountName: this.sensorServiceAccountName,
      workQueueSourceRoleArn: this.workQueueSourceRoleArn,
      domainEventsSourceRoleArn: this.domainEventsSourceRoleArn,
      bridgeRoleArn: this.bridgeRoleArn,
      pipeArn: this.pipeArn,
      bridgeQueueUrl: this.bridgeQueue?.queueUrl,
    });
  }
}

/** What {@link sensorSpec} needs: the names of the objects the sensor refers to. */
export interface SensorSpecInputs {
  /** The Sensor's name. */
  name: string;
  namespace: string;
  eventBusName: string;
  /** The sensor's service account (allowed to submit from the template, see {@link sensorRules}). */
  serviceAccountName: string;
  /** The SQS event source of the work queue. */
  workQueueEventSourceName: string;
  /**
   * The domain events that start workflows: the bridge queue's event source, the Kafka topic
   * (bridged records carry it in `body.topic`) and the event types. Without it the sensor has
   * the work-queue dependency and trigger only.
   */
  domainEvents?: { eventSourceName: string; topic: string; eventTypes: string[] };
  /** The one WorkflowTemplate every trigger submits from. */
  workflowTemplateName: string;
  /** Three replicas (active-passive) instead of one. */
  highAvailability: boolean;
}

/**
 * The Sensor manifest: a dependency on work-queue requests (filtered to this template and the
 * request type) and its trigger; with `domainEvents`, also a dependency on bridged records
 * (filtered to the topic and the listed event types) and its trigger. Each trigger submits a
 * Workflow from the template with a name derived from the event (the idempotency key, or
 * topic/partition/offset), so a redelivered event cannot start a second workflow.
 */
export function sensorSpec(v: SensorSpecInputs): Record<string, unknown> {
  const prefix = workflowNamePrefix(v.workflowTemplateName);
  const dependencies: Record<string, unknown>[] = [
    {
      name: SENSOR_DEPENDENCIES.workflowRequest,
      eventSourceName: v.workQueueEventSourceName,
      eventName: "workflow-requests",
      filters: {
        data: [
          {
            path: "body.type",
            type: "string",
            value: [exactFilterValue(WORKFLOW_REQUEST_TYPE)],
          },
          {
            path: "body.data.workflowTemplate",
            type: "string",
            value: [exactFilterValue(v.workflowTemplateName)],
          },
        ],
      },
    },
  ];
  const triggers: Record<string, unknown>[] = [
    {
      template: {
        name: "submit-from-work-queue",
        conditions: SENSOR_DEPENDENCIES.workflowRequest,
        argoWorkflow: {
          operation: "submit",
          source: {
            resource: workflowFromTemplate(v.workflowTemplateName, v.namespace, "work-queue"),
          },
          parameters: [
            {
              // Same idempotency key, same name: a second submit fails as AlreadyExists.
              src: {
                dependencyName: SENSOR_DEPENDENCIES.workflowRequest,
                dataTemplate: `${prefix}-{{ .Input.body.data.idempotencyKey | sha256sum | trunc ${WORKFLOW_NAME_HASH_LENGTH} }}`,
              },
              dest: "metadata.name",
            },
            {
              src: {
                dependencyName: SENSOR_DEPENDENCIES.workflowRequest,
                dataKey: "body.data.requestId",
              },
              dest: "spec.arguments.parameters.0.value",
            },
            {
              // A JSON object: the trigger writes its text, as parameters are strings.
              src: {
                dependencyName: SENSOR_DEPENDENCIES.workflowRequest,
                dataKey: "body.data.parameters",
              },
              dest: "spec.arguments.parameters.2.value",
            },
            {
              // The request's trace context, so the workflow's step continues it. A message
              // without one (the contract requires it) gets "" and the step starts a trace.
              src: {
                dependencyName: SENSOR_DEPENDENCIES.workflowRequest,
                dataKey: "body.traceparent",
                value: "",
              },
              dest: "spec.arguments.parameters.3.value",
            },
          ],
        },
      },
      retryStrategy: TRIGGER_RETRY,
      atLeastOnce: true,
    },
  ];
  if (v.domainEvents) {
    dependencies.push({
      name: SENSOR_DEPENDENCIES.domainEvent,
      eventSourceName: v.domainEvents.eventSourceName,
      eventName: "domain-events",
      filters: {
        data: [
          {
            path: "body.topic",
            type: "string",
            value: [exactFilterValue(v.domainEvents.topic)],
          },
          {
            // The pipe already forwards only these types; checked again here, so a record put
            // on the bridge queue by anything else cannot start a workflow of another type.
            // v1.9.10 renders a data filter's template with sprig over the value at `path`
            // (pkg/sensors/dependencies/filter.go) and compares what it renders.
            path: "body.value",
            type: "string",
            template: DOMAIN_EVENT_TYPE_TEMPLATE,
            value: v.domainEvents.eventTypes.map(exactFilterValue),
          },
        ],
      },
    });
    triggers.push({
      template: {
        name: "submit-from-domain-event",
        conditions: SENSOR_DEPENDENCIES.domainEvent,
        argoWorkflow: {
          operation: "submit",
          source: {
            resource: workflowFromTemplate(v.workflowTemplateName, v.namespace, "domain-events"),
          },
          parameters: [
            {
              // topic/partition/offset names one record, so a redelivery maps to the
              // same workflow name.
              src: {
                dependencyName: SENSOR_DEPENDENCIES.domainEvent,
                dataTemplate: `${prefix}-{{ ${RECORD_ID} | sha256sum | trunc ${WORKFLOW_NAME_HASH_LENGTH} }}`,
              },
              dest: "metadata.name",
            },
            {
              // A UUID-shaped id from the same record name (the contract's requestId is a
              // UUID): a retried step hands off the same request, and so the same task id.
              src: {
                dependencyName: SENSOR_DEPENDENCIES.domainEvent,
                dataTemplate: DOMAIN_EVENT_REQUEST_ID,
              },
              dest: "spec.arguments.parameters.0.value",
            },
            {
              // What identifies the event, as the string parameters the contract takes.
              src: {
                dependencyName: SENSOR_DEPENDENCIES.domainEvent,
                dataTemplate: DOMAIN_EVENT_PARAMETERS,
              },
              dest: "spec.arguments.parameters.2.value",
            },
            {
              // The event's own trace context, from inside the base64 value: v1.9.10 renders
              // dataTemplate with sprig v3.3.0, which has b64dec and fromJson. A value that is
              // not JSON or has no traceparent fails the template and falls back to "".
              src: {
                dependencyName: SENSOR_DEPENDENCIES.domainEvent,
                dataTemplate: DOMAIN_EVENT_TRACEPARENT,
                value: "",
              },
              dest: "spec.arguments.parameters.3.value",
            },
          ],
        },
      },
      retryStrategy: TRIGGER_RETRY,
      atLeastOnce: true,
    });
  }
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Sensor",
    metadata: { name: v.name, namespace: v.namespace },
    spec: {
      eventBusName: v.eventBusName,
      // Active-passive; an odd count lets the NATS-based election keep a majority.
      replicas: v.highAvailability ? 3 : 1,
      template: {
        serviceAccountName: v.serviceAccountName,
        securityContext: POD_SECURITY,
        container: { resources: SMALL_RESOURCES, securityContext: CONTAINER_SECURITY },
      },
      dependencies,
      triggers,
    },
  };
}

/**
 * The sensor's RBAC rules. The argoWorkflow trigger of v1.9.10 runs `argo submit` (argo CLI
 * v3.7.7 in the image), which reads the referenced WorkflowTemplate to validate the workflow and
 * then creates it; the trigger then lists workflows by label to report what it created. So:
 * create and list workflows, get one named template, nothing else (no update, delete or watch).
 */
export function sensorRules(template: string): k8s.types.input.rbac.v1.PolicyRule[] {
  return [
    { apiGroups: ["argoproj.io"], resources: ["workflows"], verbs: ["create", "list"] },
    {
      apiGroups: ["argoproj.io"],
      resources: ["workflowtemplates"],
      resourceNames: [template],
      verbs: ["get"],
    },
  ];
}
