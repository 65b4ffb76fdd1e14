/**
 * ArgoEvents under the platform mocks: exact Helm values (checked against the pinned chart's
 * values.yaml), exact custom resources (checked against the CRD schemas and against argo-events'
 * own Go-type schemas, strictly), exact IAM and RBAC, and what the roles may do under an IAM
 * policy evaluator.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { createHash } from "node:crypto";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { validateCustomResource } from "../../tools/checks/crdSchemas";
import { checkHelmValues } from "../../tools/checks/helmValues";
import { validateManifest } from "../../tools/checks/manifests";
import { chartValuesPath, sharedDir } from "../../tools/checks/shared";
import type { Capture, CapturedResource } from "../../tools/mocks";
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
  testQueueArgs,
  valueOf,
} from "../../tools/testing";
import { CHARTS, policyDocument, type PolicyStatement } from "../lib";
import type { KafkaClusterRef } from "../messaging/kafka";
import { Queue } from "../messaging/queue";
import { KafkaTopics } from "../messaging/topics";
import {
  ArgoEvents,
  ARGO_EVENTS_FREE_FORM_VALUES,
  type ArgoEventsArgs,
  argoEventsValues,
  DOMAIN_EVENT_PARAMETER_NAMES,
  DOMAIN_EVENT_PARAMETERS,
  DOMAIN_EVENT_REQUEST_ID,
  exactFilterValue,
  JETSTREAM_VERSION,
  sensorSpec,
  type SensorSpecInputs,
  validateArgoEventsArgs,
} from "./argoEvents";
import { HandoffArgumentError, parseHandoffArgs } from "../../services/worker/src/handoffStep";
import { WORKFLOW_PARAMETERS } from "./definition";

const NS = "workflows";
const TEMPLATE = "service-a-request";
const TOPIC = "domain-events";
const GROUP = "argo-events";
const ORDER_PLACED = "com.acme.orders.order-placed.v1";
const DATA_KEY = `arn:aws:kms:${TEST_REGION}:${MOCK_ACCOUNT_ID}:key/0f1e2d3c-4b5a-4987-8877-665544332211`;
const UUID = "5c7a1e3b-2f4d-4e6a-9b8c-0d1e2f3a4b5c-2";
const CLUSTER: KafkaClusterRef = {
  clusterArn: `arn:aws:kafka:${TEST_REGION}:${MOCK_ACCOUNT_ID}:cluster/acme-test-events/${UUID}`,
  clusterName: "acme-test-events",
  clusterUuid: UUID,
  bootstrapBrokersSaslIam: `b-1.acme-test-events.abc123.c2.kafka.${TEST_REGION}.amazonaws.com:9098`,
  region: TEST_REGION,
  accountId: MOCK_ACCOUNT_ID,
  partition: "aws",
};
const OVER_TLS = { "aws:SecureTransport": "true" };
const KEY_POLICY = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${MOCK_ACCOUNT_ID}:root` },
      Action: "kms:*",
      Resource: "*",
    },
  ],
};
const VIA_SQS = { "kms:ViaService": `sqs.${TEST_REGION}.amazonaws.com` };

// ---- Schema checks -------------------------------------------------------------------------

/**
 * argo-events' Go-type schemas (shared/crds/argoproj.io/argo-events-types), made strict the way
 * the catalog makes CRD schemas strict: an object that declares properties rejects others. The
 * upstream file leaves unknown fields open, where argo-events would silently drop a misspelt one.
 */
const typeValidators = new Map<string, ValidateFunction>();
function argoEventsTypesValidator(kind: string): ValidateFunction {
  let validate = typeValidators.get(kind);
  if (!validate) {
    const file = path.join(sharedDir(), `crds/argoproj.io/argo-events-types/${kind}.v1alpha1.json`);
    const schema = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
    delete schema.$schema;
    const strict = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(strict);
      if (!node || typeof node !== "object") return;
      const o = node as Record<string, unknown>;
      if (o.properties && o.additionalProperties === undefined) o.additionalProperties = false;
      for (const [key, value] of Object.entries(o)) {
        if (!["allOf", "anyOf", "oneOf", "not"].includes(key)) strict(value);
      }
    };
    strict(schema);
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    for (const f of ["int32", "int64", "int-or-string", "int64-or-string", "byte", "double"]) {
      ajv.addFormat(f, true);
    }
    ajv.addVocabulary(["x-kubernetes-group-version-kind"]);
    validate = ajv.compile(schema);
    typeValidators.set(kind, validate);
  }
  return validate;
}

/** Errors of one rendered custom resource under the strict argo-events Go-type schema. */
function typeErrors(manifest: Record<string, unknown>): string[] {
  const validate = argoEventsTypesValidator(String(manifest.kind));
  return validate(manifest)
    ? []
    : (validate.errors ?? []).map(
        (e) =>
          `${e.instancePath || "(root)"}: ${e.keyword === "additionalProperties" ? `unknown field "${String(e.params.additionalProperty)}"` : e.message}`,
      );
}

/** The custom resource as the API server would receive it. */
const manifestOf = (r: CapturedResource) => r.inputs as Record<string, unknown>;
const specOf = (r: CapturedResource) => manifestOf(r).spec as Record<string, unknown>;

// ---- Fixtures --------------------------------------------------------------------------------

const POD_SECURITY = {
  runAsNonRoot: true,
  runAsUser: 9731,
  runAsGroup: 9731,
  fsGroup: 9731,
  seccompProfile: { type: "RuntimeDefault" },
};
const CONTAINER_SECURITY = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
};
const SMALL = { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } };

describe("ArgoEvents", () => {
  let capture: Capture;
  let provider: k8s.Provider;
  let workQueue: Queue;
  let topics: KafkaTopics;
  let dev: ArgoEvents;
  let ha: ArgoEvents;
  let plain: ArgoEvents;
  let devUrn: string;
  let plainUrn: string;
  let workQueueName: string;
  let workQueueArn: string;
  let bridgeQueueName: string;
  let bridgeQueueArn: string;
  let haBridgeQueueName: string;

  const args = (overrides: Partial<ArgoEventsArgs> = {}): ArgoEventsArgs => ({
    provider,
    namespace: NS,
    clusterName: "acme-test",
    region: TEST_REGION,
    accountId: MOCK_ACCOUNT_ID,
    partition: "aws",
    workQueue,
    events: {
      clusterArn: CLUSTER.clusterArn,
      topic: TOPIC,
      consumerGroup: GROUP,
      grantConsumer: topics.grantConsumer(TOPIC, GROUP),
      bridgeKmsKeyArn: DATA_KEY,
      eventTypes: [ORDER_PLACED],
    },
    workflowTemplateName: TEMPLATE,
    highAvailability: false,
    ...overrides,
  });
  const cr = (kind: string, name: string) =>
    single(capture, `kubernetes:argoproj.io/v1alpha1:${kind}`, name);

  before(async () => {
    capture = await mockPlatform();
    provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    workQueue = new Queue("workflow-requests", testQueueArgs(DATA_KEY));
    topics = new KafkaTopics("events", {
      cluster: CLUSTER,
      mode: "msk-api",
      topics: {
        [TOPIC]: {
          partitions: 3,
          replicationFactor: 3,
          retentionHours: 168,
          cleanupPolicy: "delete",
          minInsyncReplicas: 2,
          contract: "domain-event",
          consumed: true,
        },
      },
    });
    dev = new ArgoEvents("events", args());
    const namespace = new k8s.core.v1.Namespace(
      "workflows",
      { metadata: { name: NS } },
      { provider },
    );
    ha = new ArgoEvents(
      "events-ha",
      args({ highAvailability: true, storageClassName: "gp3-encrypted" }),
      { dependsOn: [namespace] },
    );
    new ArgoEvents("long", args({ workflowTemplateName: "a-very-long-template-name-for-reports" }));
    // A stack that lists no event triggers: the work queue only.
    plain = new ArgoEvents("plain", args({ events: undefined }));
    await capture.settle();
    [
      devUrn,
      plainUrn,
      workQueueName,
      workQueueArn,
      bridgeQueueName,
      bridgeQueueArn,
      haBridgeQueueName,
    ] = await Promise.all([
      valueOf(dev.urn),
      valueOf(plain.urn),
      valueOf(workQueue.queueName),
      valueOf(workQueue.queueArn),
      valueOf(dev.bridgeQueue!.queueName),
      valueOf(dev.bridgeQueue!.queueArn),
      valueOf(ha.bridgeQueue!.queueName),
    ]);
  });

  describe("the Helm release", () => {
    it("installs the pinned argo-events chart into the workflow namespace", () => {
      const release = single(capture, "kubernetes:helm.sh/v3:Release", "events-argo-events");
      const { values: _values, ...rest } = release.inputs;
      assert.deepEqual(rest, {
        name: "events-argo-events",
        ...pinnedChart(CHARTS.argoEvents),
        namespace: NS,
        createNamespace: false,
        cleanupOnFail: true,
        timeout: 600,
        // Set by @pulumi/kubernetes on every Release it registers.
        compat: "true",
      });
      assert.equal(release.parent, devUrn);
      const [k8sProvider] = ofType(capture, "pulumi:providers:kubernetes");
      assert.equal(release.provider, `${k8sProvider.urn}::${k8sProvider.id}`);
    });

    it("waits for the resources in dependsOn (the namespace) before installing", () => {
      const namespace = single(capture, "kubernetes:core/v1:Namespace", "workflows");
      for (const [type, name] of [
        ["kubernetes:helm.sh/v3:Release", "events-ha-argo-events"],
        ["kubernetes:core/v1:ServiceAccount", "events-ha-sensor"],
        ["kubernetes:core/v1:ServiceAccount", "events-ha-work-queue-source"],
        ["kubernetes:rbac.authorization.k8s.io/v1:Role", "events-ha-sensor"],
      ]) {
        assert.ok(single(capture, type, name).dependencies.includes(namespace.urn), name);
      }
    });

    it("runs one namespaced controller without the webhook in dev", () => {
      const release = single(capture, "kubernetes:helm.sh/v3:Release", "events-argo-events");
      assert.deepEqual(release.inputs.values, {
        crds: { install: true, keep: true },
        global: { securityContext: POD_SECURITY },
        controller: {
          replicas: 1,
          rbac: { enabled: true, namespaced: true },
          containerSecurityContext: CONTAINER_SECURITY,
          resources: SMALL,
          pdb: { enabled: false },
          topologySpreadConstraints: [],
          metrics: { enabled: true },
        },
        webhook: { enabled: false },
      });
    });

    it("runs two controllers with a disruption budget, spread over zones, in HA", () => {
      const release = single(capture, "kubernetes:helm.sh/v3:Release", "events-ha-argo-events");
      assert.deepEqual(release.inputs.values, {
        crds: { install: true, keep: true },
        global: { securityContext: POD_SECURITY },
        controller: {
          replicas: 2,
          rbac: { enabled: true, namespaced: true },
          containerSecurityContext: CONTAINER_SECURITY,
          resources: SMALL,
          pdb: { enabled: true, minAvailable: 1 },
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "topology.kubernetes.io/zone",
              whenUnsatisfiable: "ScheduleAnyway",
            },
          ],
          metrics: { enabled: true },
        },
        webhook: { enabled: false },
      });
    });

    it("uses only value keys the pinned chart has (pdb.minAvailable is read but not defaulted)", () => {
      for (const highAvailability of [false, true]) {
        assert.deepEqual(
          checkHelmValues(
            CHARTS.argoEvents.name,
            CHARTS.argoEvents.version,
            argoEventsValues(highAvailability),
            // templates/argo-events-controller/pdb.yaml reads it; values.yaml only comments it.
            ARGO_EVENTS_FREE_FORM_VALUES,
          ),
          [],
        );
      }
      // The check bites: a misspelt key is reported.
      assert.deepEqual(
        checkHelmValues(CHARTS.argoEvents.name, CHARTS.argoEvents.version, {
          controller: { rbac: { namespace: true } },
        }).map((e) => e.path),
        ["controller.rbac.namespace"],
      );
    });
  });

  it("creates every Kubernetes object through the given provider, as a child of the component", () => {
    const [k8sProvider] = ofType(capture, "pulumi:providers:kubernetes");
    const objects = [...capture.resources.values()].filter(
      (r) => r.type.startsWith("kubernetes:") && r.parent === devUrn,
    );
    assert.deepEqual(objects.map((r) => r.type).sort(), [
      "kubernetes:argoproj.io/v1alpha1:EventBus",
      "kubernetes:argoproj.io/v1alpha1:EventSource",
      "kubernetes:argoproj.io/v1alpha1:EventSource",
      "kubernetes:argoproj.io/v1alpha1:Sensor",
      "kubernetes:core/v1:ServiceAccount",
      "kubernetes:core/v1:ServiceAccount",
      "kubernetes:core/v1:ServiceAccount",
      "kubernetes:helm.sh/v3:Release",
      "kubernetes:rbac.authorization.k8s.io/v1:Role",
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    ]);
    for (const r of objects) {
      assert.equal(r.provider, `${k8sProvider.urn}::${k8sProvider.id}`, r.name);
    }
  });

  describe("the EventBus", () => {
    it("runs one JetStream node with one stream replica and a persistent volume in dev", () => {
      const bus = cr("EventBus", "events-bus");
      assert.deepEqual(manifestOf(bus), {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "EventBus",
        metadata: { name: "events", namespace: NS },
        spec: {
          jetstream: {
            version: "2.10.10",
            replicas: 1,
            streamConfig: "replicas: 1\nmaxAge: 72h\n",
            persistence: { accessMode: "ReadWriteOnce", volumeSize: "10Gi" },
            containerTemplate: {
              resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
            },
            metadata: { annotations: { "config.linkerd.io/opaque-ports": "4222,6222" } },
          },
        },
      });
      const release = single(capture, "kubernetes:helm.sh/v3:Release", "events-argo-events");
      assert.ok(bus.dependencies.includes(release.urn), "the CRDs and controller come first");
    });

    it("runs three JetStream nodes on distinct hosts with three stream replicas in HA", () => {
      assert.deepEqual(specOf(cr("EventBus", "events-ha-bus")), {
        jetstream: {
          version: "2.10.10",
          replicas: 3,
          streamConfig: "replicas: 3\nmaxAge: 72h\n",
          persistence: {
            accessMode: "ReadWriteOnce",
            volumeSize: "10Gi",
            storageClassName: "gp3-encrypted",
          },
          containerTemplate: {
            resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
          },
          metadata: { annotations: { "config.linkerd.io/opaque-ports": "4222,6222" } },
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                {
                  labelSelector: {
                    matchLabels: {
                      controller: "eventbus-controller",
                      "eventbus-name": "events-ha",
                    },
                  },
                  topologyKey: "kubernetes.io/hostname",
                },
              ],
            },
          },
        },
      });
    });

    it("uses a JetStream version the chart's controller config lists", () => {
      const values = parse(fs.readFileSync(chartValuesPath(CHARTS.argoEvents), "utf8")) as {
        configs: { jetstream: { versions: Array<{ version: string }> } };
      };
      const versions = values.configs.jetstream.versions.map((v) => v.version);
      assert.ok(versions.includes(JETSTREAM_VERSION), `${JETSTREAM_VERSION} in ${versions}`);
    });
  });

  describe("the event sources", () => {
    it("polls the work queue by name with the pod's own credentials (no access keys)", () => {
      const source = cr("EventSource", "events-work-queue");
      assert.deepEqual(manifestOf(source), {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "EventSource",
        metadata: { name: "events-work-queue", namespace: NS },
        spec: {
          eventBusName: "events",
          replicas: 1,
          template: {
            serviceAccountName: "events-work-queue-source",
            securityContext: POD_SECURITY,
            container: { resources: SMALL, securityContext: CONTAINER_SECURITY },
          },
          sqs: {
            "workflow-requests": {
              region: TEST_REGION,
              queue: workQueueName,
              queueAccountId: MOCK_ACCOUNT_ID,
              waitTimeSeconds: 20,
              jsonBody: true,
              dlq: true,
            },
          },
        },
      });
      const deps = source.dependencies;
      for (const [type, name] of [
        ["aws:iam/rolePolicy:RolePolicy", "events-work-queue-source"],
        ["aws:eks/podIdentityAssociation:PodIdentityAssociation", "events-work-queue-source"],
        ["kubernetes:argoproj.io/v1alpha1:EventBus", "events-bus"],
      ]) {
        assert.ok(deps.includes(single(capture, type, name).urn), `waits for ${name} (${type})`);
      }
    });

    it("polls the bridge queue for domain events the same way", () => {
      assert.deepEqual(specOf(cr("EventSource", "events-domain-events")).sqs, {
        "domain-events": {
          region: TEST_REGION,
          queue: bridgeQueueName,
          queueAccountId: MOCK_ACCOUNT_ID,
          waitTimeSeconds: 20,
          jsonBody: true,
          dlq: true,
        },
      });
      assert.equal(
        (specOf(cr("EventSource", "events-domain-events")).template as Record<string, unknown>)
          .serviceAccountName,
        "events-domain-events-source",
      );
    });

    it("runs two active-active SQS pollers per source in HA", () => {
      assert.equal(specOf(cr("EventSource", "events-ha-work-queue")).replicas, 2);
      const domain = specOf(cr("EventSource", "events-ha-domain-events"));
      assert.equal(domain.replicas, 2);
      assert.equal(
        (domain.sqs as Record<string, Record<string, unknown>>)["domain-events"].queue,
        haBridgeQueueName,
      );
    });

    it("gives each source a service account without an API token", () => {
      for (const source of ["work-queue", "domain-events"]) {
        const sa = single(capture, "kubernetes:core/v1:ServiceAccount", `events-${source}-source`);
        assert.deepEqual(sa.inputs, {
          apiVersion: "v1",
          kind: "ServiceAccount",
          metadata: { name: `events-${source}-source`, namespace: NS },
          automountServiceAccountToken: false,
        });
      }
    });
  });

  describe("the event-source identities", () => {
    it("trusts EKS Pod Identity for its own service account of this cluster only", () => {
      for (const source of ["work-queue", "domain-events"]) {
        const role = single(capture, "aws:iam/role:Role", `events-${source}-source`);
        assert.deepEqual(policyOf(role, "assumeRolePolicy"), {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "pods.eks.amazonaws.com" },
              Action: ["sts:AssumeRole", "sts:TagSession"],
              // Narrowed to the cluster, namespace and service account (issue 9, finding 15).
              Condition: {
                StringEquals: {
                  "aws:SourceAccount": MOCK_ACCOUNT_ID,
                  "aws:RequestTag/eks-cluster-name": "acme-test",
                  "aws:RequestTag/kubernetes-namespace": NS,
                  "aws:RequestTag/kubernetes-service-account": `events-${source}-source`,
                },
              },
            },
          ],
        });
      }
    });

    it("holds exactly the work queue's consumer grant", () => {
      const policy = policyOf(
        single(capture, "aws:iam/rolePolicy:RolePolicy", "events-work-queue-source"),
      );
      assert.deepEqual(policy, {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: [
              "sqs:ReceiveMessage",
              "sqs:DeleteMessage",
              "sqs:ChangeMessageVisibility",
              "sqs:GetQueueAttributes",
              "sqs:GetQueueUrl",
            ],
            Resource: workQueueArn,
          },
          {
            Effect: "Allow",
            Action: ["kms:Decrypt"],
            Resource: DATA_KEY,
            Condition: { StringEquals: VIA_SQS },
          },
        ],
      });
    });

    it("holds exactly the bridge queue's consumer grant for the domain-event source", async () => {
      const policy = policyOf(
        single(capture, "aws:iam/rolePolicy:RolePolicy", "events-domain-events-source"),
      );
      assert.deepEqual(
        policy,
        JSON.parse(await valueOf(policyDocument(dev.bridgeQueue!.grantConsumer()))),
      );
      assert.equal((policy.Statement[0] as { Resource: string }).Resource, bridgeQueueArn);
    });

    it("associates each role with its source's service account in the workflow namespace", async () => {
      for (const source of ["work-queue", "domain-events"]) {
        const assoc = single(
          capture,
          "aws:eks/podIdentityAssociation:PodIdentityAssociation",
          `events-${source}-source`,
        );
        const role = single(capture, "aws:iam/role:Role", `events-${source}-source`);
        assert.deepEqual(assoc.inputs, {
          clusterName: "acme-test",
          namespace: NS,
          serviceAccount: `events-${source}-source`,
          roleArn: role.outputs.arn,
        });
      }
      assert.equal(
        await valueOf(dev.workQueueSourceRoleArn),
        single(capture, "aws:iam/role:Role", "events-work-queue-source").outputs.arn,
      );
    });
  });

  describe("the domain-event bridge", () => {
    it("is messaging's EventsBridge, keeping the URNs its resources had under ArgoEvents", () => {
      const bridge = single(capture, "acme:messaging:EventsBridge", "events-domain-events");
      assert.equal(bridge.parent, devUrn);
      const prefix = devUrn.slice(0, devUrn.lastIndexOf("::"));
      for (const [type, name] of [
        ["acme:messaging:Queue", "events-domain-events"],
        ["aws:iam/role:Role", "events-bridge"],
        ["aws:iam/rolePolicy:RolePolicy", "events-bridge"],
        ["aws:pipes/pipe:Pipe", "events-domain-events"],
      ]) {
        const r = single(capture, type, name);
        assert.equal(r.parent, bridge.urn, `${name} is the bridge's`);
        assert.deepEqual(r.aliases, [`${prefix}$${type}::${name}`], `${name} keeps its URN`);
      }
      const pipe = single(capture, "aws:pipes/pipe:Pipe", "events-domain-events");
      assert.equal(pipe.inputs.namePrefix, "events-domain-events-");
      assert.equal(
        pipe.inputs.description,
        `Domain events from ${TOPIC} to Argo Events (MSK IAM bridge)`,
      );
      assert.equal(
        single(capture, "aws:iam/role:Role", "events-bridge").inputs.description,
        `EventBridge pipe: ${TOPIC} on MSK to the Argo Events bridge queue`,
      );
      // Only the listed types leave the topic.
      assert.deepEqual(
        (pipe.inputs.sourceParameters as { filterCriteria: unknown }).filterCriteria,
        {
          filters: [{ pattern: `{"value":{"type":["${ORDER_PLACED}"]}}` }],
        },
      );
      // argo-events receives with a fixed visibility timeout of 120 s.
      const queue = single(capture, "aws:sqs/queue:Queue", "events-domain-events");
      assert.equal(queue.inputs.visibilityTimeoutSeconds, 120);
    });
  });

  describe("the sensor", () => {
    const workflow = (source: string) => ({
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Workflow",
      metadata: {
        generateName: `${TEMPLATE}-`,
        namespace: NS,
        labels: { "acme.io/event-source": source },
      },
      spec: {
        workflowTemplateRef: { name: TEMPLATE },
        arguments: {
          parameters: [
            { name: "requestId", value: "" },
            { name: "workflowTemplate", value: TEMPLATE },
            { name: "parameters", value: "{}" },
            { name: "traceparent", value: "" },
          ],
        },
      },
    });
    const retry = { steps: 3, duration: "2s", factor: 2, jitter: 0.2 };
    const record =
      'printf "%s/%.0f/%.0f" .Input.body.topic .Input.body.partition .Input.body.offset';

    const inputs: SensorSpecInputs = {
      name: "events-workflows",
      namespace: NS,
      eventBusName: "events",
      serviceAccountName: "events-sensor",
      workQueueEventSourceName: "events-work-queue",
      domainEvents: {
        eventSourceName: "events-domain-events",
        topic: TOPIC,
        eventTypes: [ORDER_PLACED],
      },
      workflowTemplateName: TEMPLATE,
      highAvailability: false,
    };

    it("is sensorSpec of the component's names (a pure function)", () => {
      assert.deepEqual(manifestOf(cr("Sensor", "events-workflows")), sensorSpec(inputs));
      assert.deepEqual(sensorSpec(inputs), sensorSpec({ ...inputs }), "same inputs, same manifest");
    });

    it("sensorSpec filters on the exact topic and template, refers to its inputs' names", () => {
      const manifest = sensorSpec({
        ...inputs,
        name: "s",
        eventBusName: "bus",
        serviceAccountName: "sa",
        workQueueEventSourceName: "wq",
        domainEvents: {
          eventSourceName: "de",
          topic: "orders.v1",
          eventTypes: ["com.acme.orders.order-placed.v1", "com.acme.billing.invoice-paid.v2"],
        },
        workflowTemplateName: "nightly.report",
        highAvailability: true,
      }) as { metadata: unknown; spec: Record<string, unknown> };
      const spec = manifest.spec as {
        eventBusName: string;
        replicas: number;
        template: { serviceAccountName: string };
        dependencies: Array<{
          eventSourceName: string;
          filters: { data: Array<{ path: string; value: string[] }> };
        }>;
      };
      assert.deepEqual(manifest.metadata, { name: "s", namespace: NS });
      assert.equal(spec.eventBusName, "bus");
      assert.equal(spec.replicas, 3);
      assert.equal(spec.template.serviceAccountName, "sa");
      assert.deepEqual(
        spec.dependencies.map((d) => [
          d.eventSourceName,
          d.filters.data.map((f) => [f.path, f.value]),
        ]),
        [
          [
            "wq",
            [
              ["body.type", ["^com\\.acme\\.workflow\\.requested\\.v1$"]],
              ["body.data.workflowTemplate", ["^nightly\\.report$"]],
            ],
          ],
          [
            "de",
            [
              ["body.topic", ["^orders\\.v1$"]],
              [
                "body.value",
                [
                  "^com\\.acme\\.orders\\.order-placed\\.v1$",
                  "^com\\.acme\\.billing\\.invoice-paid\\.v2$",
                ],
              ],
            ],
          ],
        ],
      );
      assert.deepEqual(typeErrors(manifest as Record<string, unknown>), []);
    });

    it("submits a workflow from the template for each request or domain event, named by the event", () => {
      const sensor = cr("Sensor", "events-workflows");
      assert.deepEqual(manifestOf(sensor), {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Sensor",
        metadata: { name: "events-workflows", namespace: NS },
        spec: {
          eventBusName: "events",
          replicas: 1,
          template: {
            serviceAccountName: "events-sensor",
            securityContext: POD_SECURITY,
            container: { resources: SMALL, securityContext: CONTAINER_SECURITY },
          },
          dependencies: [
            {
              name: "workflow-request",
              eventSourceName: "events-work-queue",
              eventName: "workflow-requests",
              filters: {
                data: [
                  {
                    path: "body.type",
                    type: "string",
                    value: ["^com\\.acme\\.workflow\\.requested\\.v1$"],
                  },
                  {
                    path: "body.data.workflowTemplate",
                    type: "string",
                    value: ["^service-a-request$"],
                  },
                ],
              },
            },
            {
              name: "domain-event",
              eventSourceName: "events-domain-events",
              eventName: "domain-events",
              filters: {
                data: [
                  { path: "body.topic", type: "string", value: ["^domain-events$"] },
                  {
                    path: "body.value",
                    type: "string",
                    template: "{{ (.Input | b64dec | fromJson).type }}",
                    value: ["^com\\.acme\\.orders\\.order-placed\\.v1$"],
                  },
                ],
              },
            },
          ],
          triggers: [
            {
              template: {
                name: "submit-from-work-queue",
                conditions: "workflow-request",
                argoWorkflow: {
                  operation: "submit",
                  source: { resource: workflow("work-queue") },
                  parameters: [
                    {
                      src: {
                        dependencyName: "workflow-request",
                        dataTemplate:
                          "service-a-request-{{ .Input.body.data.idempotencyKey | sha256sum | trunc 40 }}",
                      },
                      dest: "metadata.name",
                    },
                    {
                      src: { dependencyName: "workflow-request", dataKey: "body.data.requestId" },
                      dest: "spec.arguments.parameters.0.value",
                    },
                    {
                      src: { dependencyName: "workflow-request", dataKey: "body.data.parameters" },
                      dest: "spec.arguments.parameters.2.value",
                    },
                    {
                      src: {
                        dependencyName: "workflow-request",
                        dataKey: "body.traceparent",
                        value: "",
                      },
                      dest: "spec.arguments.parameters.3.value",
                    },
                  ],
                },
              },
              retryStrategy: retry,
              atLeastOnce: true,
            },
            {
              template: {
                name: "submit-from-domain-event",
                conditions: "domain-event",
                argoWorkflow: {
                  operation: "submit",
                  source: { resource: workflow("domain-events") },
                  parameters: [
                    {
                      src: {
                        dependencyName: "domain-event",
                        dataTemplate: `service-a-request-{{ ${record} | sha256sum | trunc 40 }}`,
                      },
                      dest: "metadata.name",
                    },
                    {
                      src: {
                        dependencyName: "domain-event",
                        dataTemplate:
                          `{{ $h := ${record} | sha256sum }}{{ substr 0 8 $h }}-{{ substr 8 12 $h }}-` +
                          "{{ substr 12 16 $h }}-{{ substr 16 20 $h }}-{{ substr 20 32 $h }}",
                      },
                      dest: "spec.arguments.parameters.0.value",
                    },
                    {
                      src: {
                        dependencyName: "domain-event",
                        dataTemplate:
                          "{{ $e := .Input.body.value | b64dec | fromJson }}" +
                          '{{ dict "eventId" $e.id "eventType" $e.type "aggregateType" $e.data.aggregateType ' +
                          '"aggregateId" $e.data.aggregateId "sequence" (printf "%.0f" $e.data.sequence) ' +
                          `"record" (${record}) | toJson }}`,
                      },
                      dest: "spec.arguments.parameters.2.value",
                    },
                    {
                      src: {
                        dependencyName: "domain-event",
                        dataTemplate: "{{ (.Input.body.value | b64dec | fromJson).traceparent }}",
                        value: "",
                      },
                      dest: "spec.arguments.parameters.3.value",
                    },
                  ],
                },
              },
              retryStrategy: retry,
              atLeastOnce: true,
            },
          ],
        },
      });
      for (const [type, name] of [
        ["kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "events-sensor"],
        ["kubernetes:argoproj.io/v1alpha1:EventSource", "events-work-queue"],
        ["kubernetes:argoproj.io/v1alpha1:EventSource", "events-domain-events"],
      ]) {
        assert.ok(sensor.dependencies.includes(single(capture, type, name).urn), name);
      }
    });

    it("keeps generated workflow names within the 63 characters of a label value", () => {
      const trigger = (
        specOf(cr("Sensor", "long-workflows")).triggers as Array<{
          template: { argoWorkflow: { parameters: Array<{ src: { dataTemplate?: string } }> } };
        }>
      )[0];
      const prefix = String(trigger.template.argoWorkflow.parameters[0].src.dataTemplate).split(
        "-{{",
      )[0];
      // A 22-character prefix, a dash and 40 hash characters.
      assert.equal(prefix, "a-very-long-template-n");
      assert.equal(prefix.length + 1 + 40, 63);
    });

    it("without event types: the work-queue dependency and trigger only, waiting for no domain-event source", () => {
      const sensor = cr("Sensor", "plain-workflows");
      const spec = specOf(sensor) as {
        dependencies: Array<Record<string, unknown>>;
        triggers: Array<Record<string, unknown>>;
      };
      const full = specOf(cr("Sensor", "events-workflows")) as typeof spec;
      const renamed = (v: unknown) =>
        JSON.parse(JSON.stringify(v).replaceAll('"events-work-queue"', '"plain-work-queue"'));
      assert.deepEqual(spec.dependencies, [renamed(full.dependencies[0])]);
      assert.deepEqual(spec.triggers, [renamed(full.triggers[0])]);
      assert.deepEqual(
        spec.dependencies.map((d) => d.name),
        ["workflow-request"],
      );
      assert.deepEqual(
        spec.triggers.map((t) => (t.template as { name: string }).name),
        ["submit-from-work-queue"],
      );
      assert.deepEqual(
        sensor.dependencies.filter((urn) => urn.includes("argoproj.io/v1alpha1:EventSource")),
        [single(capture, "kubernetes:argoproj.io/v1alpha1:EventSource", "plain-work-queue").urn],
      );
    });

    it("without event types: no bridge, no bridge queue, no domain-event source or identity", () => {
      const children = [...capture.resources.values()].filter((r) => r.name.startsWith("plain-"));
      assert.deepEqual(
        children.filter((r) => r.name.includes("domain-events") || r.name.includes("bridge")),
        [],
      );
      for (const type of [
        "acme:messaging:EventsBridge",
        "aws:pipes/pipe:Pipe",
        "aws:sqs/queue:Queue",
        "aws:iam/role:Role",
      ]) {
        const names = ofType(capture, type)
          .filter((r) => r.name.startsWith("plain-"))
          .map((r) => r.name);
        // The work-queue source's role is the only AWS identity left.
        assert.deepEqual(names, type === "aws:iam/role:Role" ? ["plain-work-queue-source"] : []);
      }
      assert.equal(plain.bridgeQueue, undefined);
      assert.equal(plain.pipeArn, undefined);
      assert.equal(plain.bridgeRoleArn, undefined);
      assert.equal(plain.domainEventsSourceRoleArn, undefined);
      assert.equal(plain.domainEventsEventSourceName, undefined);
      assert.equal(single(capture, "acme:workflows:ArgoEvents", "plain").urn, plainUrn);
    });

    it("hands the worker's handoff a domain event it accepts: a UUID requestId and string parameters", () => {
      // What the templates render for one record, computed here as sprig would: sha256sum is
      // lower-case hex, substr cuts it, dict|toJson writes the object with sorted keys.
      const recordName = `${TOPIC}/2/41`;
      const hex = createHash("sha256").update(recordName).digest("hex");
      const requestId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
      const parameters = {
        aggregateId: "order-7",
        aggregateType: "order",
        eventId: "3f1c9a52-8d2e-4b7a-9c61-0e5f4d3b2a19",
        eventType: ORDER_PLACED,
        record: recordName,
        sequence: "4",
      };
      assert.deepEqual(Object.keys(parameters).sort(), [...DOMAIN_EVENT_PARAMETER_NAMES].sort());
      for (const name of DOMAIN_EVENT_PARAMETER_NAMES) {
        assert.ok(DOMAIN_EVENT_PARAMETERS.includes(`"${name}" `), `the template writes ${name}`);
      }
      assert.ok(DOMAIN_EVENT_REQUEST_ID.includes("| sha256sum }}"));
      const argv = (id: string, params: string) => [
        "--request-id",
        id,
        "--workflow-template",
        TEMPLATE,
        "--parameters",
        params,
        "--traceparent",
        "",
      ];
      assert.deepEqual(
        parseHandoffArgs(argv(requestId, JSON.stringify(parameters))).parameters,
        parameters,
      );
      // What the trigger passed before: the record name as the id and the whole event.
      const event = {
        id: parameters.eventId,
        type: ORDER_PLACED,
        data: { sequence: 4, payload: {} },
      };
      assert.throws(
        () => parseHandoffArgs(argv(recordName, JSON.stringify(event))),
        (e: Error) =>
          e instanceof HandoffArgumentError &&
          e.problems.some((p) => p.startsWith('--request-id must match format "uuid"')) &&
          e.problems.some((p) => p.startsWith("--parameters must be string")),
      );
    });

    it("runs three sensor replicas in HA (an odd count for the leader election)", () => {
      assert.equal(specOf(cr("Sensor", "events-ha-workflows")).replicas, 3);
    });

    it("lets the sensor create and list workflows and read its one template, nothing else", () => {
      const role = single(capture, "kubernetes:rbac.authorization.k8s.io/v1:Role", "events-sensor");
      assert.deepEqual(role.inputs, {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name: "events-sensor", namespace: NS },
        rules: [
          { apiGroups: ["argoproj.io"], resources: ["workflows"], verbs: ["create", "list"] },
          {
            apiGroups: ["argoproj.io"],
            resources: ["workflowtemplates"],
            resourceNames: [TEMPLATE],
            verbs: ["get"],
          },
        ],
      });
      const binding = single(
        capture,
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
        "events-sensor",
      );
      assert.deepEqual(binding.inputs, {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "events-sensor", namespace: NS },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "events-sensor" },
        subjects: [{ kind: "ServiceAccount", name: "events-sensor", namespace: NS }],
      });
      assert.equal(
        ofType(capture, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", devUrn).length +
          ofType(capture, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", devUrn)
            .length,
        0,
      );
    });

    it("anchors filter values, which argo-events treats as regular expressions", () => {
      assert.equal(exactFilterValue("a.b*c"), "^a\\.b\\*c$");
      assert.ok(new RegExp(exactFilterValue("com.acme.x.v1")).test("com.acme.x.v1"));
      assert.ok(!new RegExp(exactFilterValue("com.acme.x.v1")).test("comXacme.x.v1"));
      assert.ok(!new RegExp(exactFilterValue("report")).test("report-extra"));
    });
  });

  describe("schemas", () => {
    const kinds = ["EventBus", "EventSource", "Sensor"];
    const ours = () =>
      [...capture.resources.values()].filter((r) =>
        kinds.some((k) => r.type === `kubernetes:argoproj.io/v1alpha1:${k}`),
      );

    it("renders every custom resource valid for the CRD and for argo-events' Go types (strict)", () => {
      const resources = ours();
      // A bus, two sources and a sensor for each of the three instances with event types; a bus,
      // one source and a sensor for the one without.
      assert.equal(resources.length, 4 * 3 + 3);
      for (const r of resources) {
        assert.deepEqual(validateManifest(manifestOf(r)), [], `${r.name} against the CRD`);
        assert.deepEqual(typeErrors(manifestOf(r)), [], `${r.name} against the Go types`);
      }
    });

    it("renders a Workflow the sensor submits that is valid for the Workflow CRD", () => {
      const triggers = specOf(cr("Sensor", "events-workflows")).triggers as Array<{
        template: { argoWorkflow: { source: { resource: Record<string, unknown> } } };
      }>;
      for (const t of triggers) {
        const workflow = t.template.argoWorkflow.source.resource as {
          spec: { arguments: { parameters: Array<{ name: string }> } };
        };
        assert.deepEqual(validateCustomResource(workflow), []);
        // The arguments the template declares, in the order the trigger parameters address them
        // (spec.arguments.parameters.0 is requestId, .2 is parameters).
        assert.deepEqual(
          workflow.spec.arguments.parameters.map((p) => p.name),
          [...WORKFLOW_PARAMETERS],
        );
      }
    });

    it("catches what the permissive CRD schema lets through: wrong types and unknown fields", () => {
      const sensor = structuredClone(manifestOf(cr("Sensor", "events-workflows"))) as {
        spec: { triggers: Array<Record<string, unknown>> };
      };
      sensor.spec.triggers[0].retryStrategy = { steps: "three" };
      sensor.spec.triggers[1].atLeastOnse = true;
      assert.deepEqual(validateManifest(sensor), [], "the CRD accepts any spec");
      assert.deepEqual(typeErrors(sensor), [
        "/spec/triggers/0/retryStrategy/steps: must be integer",
        '/spec/triggers/1: unknown field "atLeastOnse"',
      ]);
      const source = structuredClone(manifestOf(cr("EventSource", "events-work-queue"))) as {
        spec: { sqs: Record<string, Record<string, unknown>> };
      };
      delete source.spec.sqs["workflow-requests"].waitTimeSeconds;
      assert.deepEqual(typeErrors(source), [
        "/spec/sqs/workflow-requests: must have required property 'waitTimeSeconds'",
      ]);
    });
  });

  describe("under IAM evaluation", () => {
    async function decide(
      policy: unknown,
      action: string,
      resource: string,
      context: Record<string, string> = {},
    ): Promise<IamDecision> {
      return simulateIam({
        principal: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/argo-events`,
        identityPolicies: { grant: policy },
        // KMS honours IAM policies only where the key policy delegates to the account, as the
        // platform's key policies do.
        resourcePolicy: action.startsWith("kms:") ? KEY_POLICY : undefined,
        action,
        resource,
        context,
      });
    }
    const rolePolicy = (name: string) =>
      policyOf(single(capture, "aws:iam/rolePolicy:RolePolicy", name));

    it("lets the work-queue source receive from the work queue only, and never send", async () => {
      const policy = rolePolicy("events-work-queue-source");
      for (const action of ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueUrl"]) {
        assert.equal(await decide(policy, action, workQueueArn, OVER_TLS), "Allowed", action);
        assert.equal(
          await decide(policy, action, bridgeQueueArn, OVER_TLS),
          "ImplicitlyDenied",
          `${action} on another queue`,
        );
      }
      for (const action of ["sqs:SendMessage", "sqs:PurgeQueue", "sqs:SetQueueAttributes"]) {
        assert.equal(await decide(policy, action, workQueueArn, OVER_TLS), "ImplicitlyDenied");
      }
      assert.equal(await decide(policy, "kms:Decrypt", DATA_KEY, VIA_SQS), "Allowed");
      assert.equal(await decide(policy, "kms:Decrypt", DATA_KEY), "ImplicitlyDenied");
    });

    it("lets the domain-event source receive from the bridge queue only", async () => {
      const policy = rolePolicy("events-domain-events-source");
      assert.equal(await decide(policy, "sqs:ReceiveMessage", bridgeQueueArn, OVER_TLS), "Allowed");
      assert.equal(
        await decide(policy, "sqs:ReceiveMessage", workQueueArn, OVER_TLS),
        "ImplicitlyDenied",
      );
      assert.equal(
        await decide(policy, "sqs:SendMessage", bridgeQueueArn, OVER_TLS),
        "ImplicitlyDenied",
      );
    });
  });

  describe("argument validation", () => {
    it("reports every invalid argument by its path", () => {
      const bad = args({
        namespace: "Workflows",
        region: "Ireland",
        workflowTemplateName: "Reports_Nightly",
        storageClassName: "GP3",
        eventBusVolumeSize: "10GB",
        events: {
          clusterArn: CLUSTER.clusterArn,
          topic: "domain events",
          consumerGroup: "argo-*",
          grantConsumer: [] as PolicyStatement[],
          bridgeKmsKeyArn: DATA_KEY,
          eventTypes: [
            "com.acme.workflow.task-completed.v1",
            "orders.placed",
            "com.acme.workflow.task-completed.v1",
          ],
        },
      });
      assert.deepEqual(
        validateArgoEventsArgs("a-name-that-is-far-too-long", bad).map((e) => e.propertyPath),
        [
          "name",
          "namespace",
          "workflowTemplateName",
          "region",
          "events.topic",
          "events.consumerGroup",
          "events.grantConsumer",
          "events.eventTypes[2]",
          "events.eventTypes[0]",
          "events.eventTypes[1]",
          "events.eventTypes[2]",
          "storageClassName",
          "eventBusVolumeSize",
        ],
      );
    });

    it("throws naming each problem and registers nothing", async () => {
      await capture.settle();
      const before = capture.resources.size;
      assert.throws(
        () => new ArgoEvents("bad", args({ namespace: "Workflows", region: "Ireland" })),
        (e: Error) =>
          pulumi.InputPropertiesError.isInstance(e) &&
          /ArgoEvents: 2 invalid arguments/.test(e.message) &&
          /- namespace: "Workflows" must be a DNS-1123 label/.test(e.message) &&
          /- region: "Ireland" is not an AWS Region code/.test(e.message),
      );
      await capture.settle();
      assert.equal(capture.resources.size, before);
    });
  });
});
