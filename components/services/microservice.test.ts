import { KEDA_AWS_AUTHENTICATION } from "../platform/keda";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { validateManifest } from "../../tools/checks/manifests";
import type { Capture, CapturedResource } from "../../tools/mocks";
import {
  MOCK_ACCOUNT_ID,
  mockPlatform,
  ofType,
  policyOf,
  simulateIam,
  TEST_REGION,
  type IamDecision,
  testQueueArgs,
  valueOf,
} from "../../tools/testing";
import { SHUTDOWN_ENV } from "../../services/kit/src/lifecycle";
import type { PolicyStatement } from "../lib";
import type { KafkaClusterRef } from "../messaging/kafka";
import { CLUSTER_PROMETHEUS, meshIdentity } from "../mesh/appNamespace";
import { LINKERD_ANNOTATIONS } from "../mesh/resilience";
import { CONTRACT_TAG, Queue } from "../messaging/queue";
import { SERVICE_ACCOUNT_DIR } from "../../services/service-a/src/argoStatus";
import {
  AutoscalingSignal,
  buildContextHash,
  KUBERNETES_API_CREDENTIALS_DIR,
  KUBERNETES_API_TOKEN_SECONDS,
  kubernetesServiceIp,
  Microservice,
  type MicroserviceArgs,
  PRE_STOP_SLEEP_SECONDS,
  scaledObjectManifest,
  servingAfterTerminationSeconds,
  terminationGracePeriodSeconds,
  validateMicroserviceArgs,
} from "./microservice";

/** Rendered manifests, navigated freely in assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const ROOT = path.resolve(__dirname, "../..");
const KEY_ARN = `arn:aws:kms:${TEST_REGION}:${MOCK_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ECR_KEY_ARN = `arn:aws:kms:${TEST_REGION}:${MOCK_ACCOUNT_ID}:key/abcd1234-12ab-34cd-56ef-1234567890ab`;
const TABLE_ARN = `arn:aws:dynamodb:${TEST_REGION}:${MOCK_ACCOUNT_ID}:table/requests`;
const WORKER_IMAGE = `${MOCK_ACCOUNT_ID}.dkr.ecr.${TEST_REGION}.amazonaws.com/worker@sha256:${"a".repeat(64)}`;
const OTLP = "http://otel-collector-opentelemetry-collector.tracing.svc:4317";
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
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
const TABLE_STATEMENTS: PolicyStatement[] = [
  {
    Effect: "Allow",
    Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
    Resource: TABLE_ARN,
  },
  { Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: KEY_ARN },
];

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const IMAGE = "docker-build:index:Image";
const REPOSITORY = "aws:ecr/repository:Repository";
const SERVICE = "kubernetes:core/v1:Service";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const SLO = { availabilityTarget: 0.999, latencyThresholdSeconds: 0.5, latencyTarget: 0.99 };
const LB_CIDRS = ["10.0.0.0/20", "10.0.16.0/20"];
const READ_WORKFLOWS = [{ apiGroups: ["argoproj.io"], resources: ["workflows"], verbs: ["get"] }];
const EXECUTIONS = `arn:aws:states:${TEST_REGION}:${MOCK_ACCOUNT_ID}:execution:requests:*`;

const queueArgs = testQueueArgs(KEY_ARN);

describe("Microservice", () => {
  let capture: Capture;
  let provider: k8s.Provider;
  let work: Queue;
  let tasks: Queue;
  let serviceA: Microservice;
  let worker: Microservice;
  let workArn: string;
  let tasksArn: string;
  let tasksUrl: string;
  let tasksDlqArn: string;
  const urn = (name: string) =>
    [...capture.resources.values()].find(
      (r) => r.type === "acme:services:Microservice" && r.name === name,
    )!.urn;
  const children = (name: string, type: string) => ofType(capture, type, urn(name));
  const one = (name: string, type: string): CapturedResource => {
    const found = children(name, type);
    assert.equal(found.length, 1, `${name}: expected one ${type}, found ${found.length}`);
    return found[0];
  };

  const base = (overrides: Partial<MicroserviceArgs> = {}): MicroserviceArgs => ({
    provider,
    clusterName: "acme-test",
    accountId: MOCK_ACCOUNT_ID,
    partition: "aws",
    region: TEST_REGION,
    namespace: "request-path",
    ecrKeyArn: ECR_KEY_ARN,
    otlpEndpoint: OTLP,
    replicas: { min: 1, max: 3 },
    autoscaling: { on: AutoscalingSignal.Cpu },
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
    image: WORKER_IMAGE,
    callers: [{ namespace: "request-path", serviceAccount: "service-a" }],
    slo: SLO,
    podNetworkCidrs: ["10.0.0.0/16"],
    ...overrides,
  });

  before(async () => {
    capture = await mockPlatform();
    provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    work = new Queue("work", queueArgs);
    tasks = new Queue("tasks", queueArgs);
    serviceA = new Microservice(
      "service-a",
      base({
        image: undefined,
        build: { context: ROOT, dockerfile: "services/service-a/Dockerfile" },
        contract: "service-a",
        replicas: { min: 2, max: 6 },
        autoscaling: { on: AutoscalingSignal.Cpu, averageUtilization: 60 },
        access: {
          sendsTo: [work],
          tables: [{ tableArn: TABLE_ARN, keyArn: KEY_ARN }],
          extraStatements: TABLE_STATEMENTS,
        },
        env: { SUBMITTER: "sqs", SHUTDOWN_GRACE_MS: "30000" },
        callers: [
          { namespace: "workflows", serviceAccount: "argo-workflow" },
          { platform: "loadBalancer", cidrs: LB_CIDRS },
        ],
        resilience: {
          service: { requestTimeout: "5s" },
          applicationAttempts: 2,
          maxTotalAttempts: 6,
        },
      }),
    );
    worker = new Microservice(
      "worker",
      base({
        autoscaling: { on: AutoscalingSignal.Queue, queue: tasks, messagesPerReplica: 10 },
        replicas: { min: 1, max: 4 },
        access: { consumesFrom: [tasks], rejectsTo: [tasks] },
        resourceEnv: { TASK_QUEUE_URL: tasks.queueUrl },
      }),
    );
    new Microservice(
      "events",
      base({
        access: {
          kafka: {
            cluster: CLUSTER,
            produces: ["orders.events"],
            consumes: ["domain-events", "payments.events"],
            group: "events",
          },
        },
      }),
    );
    new Microservice(
      "front",
      base({
        tls: { loadBalancerCidrs: LB_CIDRS },
        env: { SHUTDOWN_DRAIN_DELAY_MS: "8000" },
      }),
    );
    new Microservice(
      "reader",
      base({
        kubernetesApi: {
          roles: [{ namespace: "workflows", rules: READ_WORKFLOWS }],
          serviceIpv4Cidr: "172.20.0.0/16",
        },
        access: {
          executionReads: [
            { Effect: "Allow", Action: ["states:DescribeExecution"], Resource: [EXECUTIONS] },
          ],
        },
      }),
    );
    await capture.settle();
    [workArn, tasksArn, tasksUrl, tasksDlqArn] = await Promise.all([
      valueOf(work.queueArn),
      valueOf(tasks.queueArn),
      valueOf(tasks.queueUrl),
      valueOf(tasks.deadLetterQueueArn),
    ]);
  });

  it("keeps images in a KMS-encrypted, immutable, scanned repository that is never force-deleted", () => {
    for (const name of ["service-a", "worker"]) {
      const repo = one(name, REPOSITORY);
      assert.deepEqual(repo.inputs.encryptionConfigurations, [
        { encryptionType: "KMS", kmsKey: ECR_KEY_ARN },
      ]);
      assert.equal(repo.inputs.imageTagMutability, "IMMUTABLE");
      assert.deepEqual(repo.inputs.imageScanningConfiguration, { scanOnPush: true });
      assert.equal(repo.inputs.forceDelete, false);
    }
    const lifecycle = JSON.parse(
      one("service-a", "aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs.policy as string,
    ) as Json;
    assert.deepEqual(
      lifecycle.rules.map((r: Json) => [
        r.rulePriority,
        r.selection.tagStatus,
        r.selection.countNumber,
      ]),
      [
        [1, "untagged", 7],
        [2, "any", 20],
      ],
    );
  });

  it("builds and pushes the image tagged by its context hash, and deploys it by digest", async () => {
    const image = one("service-a", IMAGE);
    const repoUrl = await valueOf(serviceA.repositoryUrl);
    const hash = buildContextHash(ROOT, "services/service-a/Dockerfile");
    assert.match(hash, /^[a-f0-9]{64}$/);
    assert.equal(image.inputs.push, true);
    // The tag names the platform too: the repository's tags are immutable.
    assert.deepEqual(image.inputs.tags, [`${repoUrl}:${hash}-linux-amd64`]);
    assert.deepEqual(image.inputs.context, { location: ROOT });
    assert.deepEqual(image.inputs.dockerfile, {
      location: path.join(ROOT, "services/service-a/Dockerfile"),
    });
    const [registry] = image.inputs.registries as Json[];
    assert.equal(registry.address, repoUrl);
    assert.equal(registry.username, "AWS");
    assert.equal(registry.password[SECRET_SIG] !== undefined, true, "the ECR token stays secret");
    const ref = await valueOf(serviceA.imageRef);
    assert.match(ref, new RegExp(`^${repoUrl.replace(/\./g, "\\.")}@sha256:[a-f0-9]{64}$`));
    const container = (one("service-a", DEPLOYMENT).inputs as Json).spec.template.spec
      .containers[0];
    assert.equal(container.image, ref);
    // What a Fargate step running this image is told to run on (FargateStepsArgs.platform).
    assert.deepEqual(image.inputs.platforms, [serviceA.platform]);
    assert.equal(serviceA.platform, "linux/amd64");
  });

  it("builds nothing for a service given an image by digest, and runs that image", async () => {
    assert.equal(children("worker", IMAGE).length, 0);
    assert.equal(worker.platform, undefined, "an image by digest has no known platform");
    assert.equal(await valueOf(worker.imageRef), WORKER_IMAGE);
    const container = (one("worker", DEPLOYMENT).inputs as Json).spec.template.spec.containers[0];
    assert.equal(container.image, WORKER_IMAGE);
  });

  it("changes the context hash when a file the image copies changes, not otherwise", () => {
    const a = buildContextHash(ROOT, "services/service-a/Dockerfile");
    assert.equal(buildContextHash(ROOT, "services/service-a/Dockerfile"), a);
    assert.notEqual(buildContextHash(ROOT, "services/worker/Dockerfile"), a);
  });

  it("grants a sender exactly send on its queue, its table access, and nothing else", () => {
    const policy = policyOf(one("service-a", "aws:iam/rolePolicy:RolePolicy"));
    assert.deepEqual(policy.Statement, [
      {
        Effect: "Allow",
        Action: ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
        Resource: workArn,
      },
      {
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: KEY_ARN,
        Condition: { StringEquals: { "kms:ViaService": `sqs.${TEST_REGION}.amazonaws.com` } },
      },
      ...TABLE_STATEMENTS,
    ]);
  });

  it("grants a consumer receive on its queue, send to that queue's DLQ only when it rejects to it, and nothing else", () => {
    const policy = policyOf(one("worker", "aws:iam/rolePolicy:RolePolicy"));
    assert.deepEqual(policy.Statement, [
      {
        Effect: "Allow",
        Action: [
          "sqs:ReceiveMessage",
          "sqs:DeleteMessage",
          "sqs:ChangeMessageVisibility",
          "sqs:GetQueueAttributes",
          "sqs:GetQueueUrl",
        ],
        Resource: tasksArn,
      },
      {
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: KEY_ARN,
        Condition: { StringEquals: { "kms:ViaService": `sqs.${TEST_REGION}.amazonaws.com` } },
      },
      {
        Effect: "Allow",
        Action: ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
        Resource: tasksDlqArn,
      },
      {
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: KEY_ARN,
        Condition: { StringEquals: { "kms:ViaService": `sqs.${TEST_REGION}.amazonaws.com` } },
      },
    ]);
  });

  it("lets IAM allow each service its own queue use and deny the other's", async () => {
    const decide = (name: string, action: string, resource: string): Promise<IamDecision> =>
      simulateIam({
        principal: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${name}`,
        identityPolicies: { access: policyOf(one(name, "aws:iam/rolePolicy:RolePolicy")) },
        action,
        resource,
      });
    const rows: Array<[string, string, string, IamDecision]> = [
      ["service-a", "sqs:SendMessage", workArn, "Allowed"],
      ["service-a", "sqs:ReceiveMessage", workArn, "ImplicitlyDenied"],
      ["service-a", "sqs:SendMessage", tasksArn, "ImplicitlyDenied"],
      ["worker", "sqs:ReceiveMessage", tasksArn, "Allowed"],
      ["worker", "sqs:SendMessage", workArn, "ImplicitlyDenied"],
      ["worker", "sqs:SendMessage", tasksArn, "ImplicitlyDenied"],
      ["worker", "sqs:SendMessage", tasksDlqArn, "Allowed"],
      ["worker", "sqs:ReceiveMessage", tasksDlqArn, "ImplicitlyDenied"],
      ["worker", "dynamodb:PutItem", TABLE_ARN, "ImplicitlyDenied"],
    ];
    const wrong: string[] = [];
    for (const [name, action, resource, expected] of rows) {
      const actual = await decide(name, action, resource);
      if (actual !== expected) wrong.push(`${name} ${action} ${resource}: ${actual}`);
    }
    assert.deepEqual(wrong, []);
  });

  it("grants Kafka only to a service that declares it, with one connect statement", () => {
    for (const name of ["service-a", "worker"]) {
      const actions = policyOf(one(name, "aws:iam/rolePolicy:RolePolicy")).Statement.flatMap(
        (s) => s.Action as string[],
      );
      assert.deepEqual(
        actions.filter((a) => a.startsWith("kafka-cluster:")),
        [],
      );
    }
    const statements = policyOf(one("events", "aws:iam/rolePolicy:RolePolicy")).Statement;
    const connects = statements.filter((s) => s.Resource === CLUSTER.clusterArn);
    assert.equal(connects.length, 1);
    const topicArn = (t: string) =>
      `arn:aws:kafka:${TEST_REGION}:${MOCK_ACCOUNT_ID}:topic/acme-test-events/${UUID}/${t}`;
    const resources = statements.map((s) => s.Resource);
    for (const t of ["orders.events", "domain-events", "domain-events.dlt", "payments.events"]) {
      assert.ok(resources.includes(topicArn(t)), t);
    }
    assert.ok(
      resources.includes(
        `arn:aws:kafka:${TEST_REGION}:${MOCK_ACCOUNT_ID}:group/acme-test-events/${UUID}/events`,
      ),
    );
  });

  it("trusts and associates exactly the service's ServiceAccount", () => {
    const role = one("service-a", "aws:iam/role:Role");
    const condition = (policyOf(role, "assumeRolePolicy").Statement[0].Condition as Json)
      .StringEquals;
    assert.equal(condition["aws:RequestTag/kubernetes-namespace"], "request-path");
    assert.equal(condition["aws:RequestTag/kubernetes-service-account"], "service-a");
    const association = one("service-a", "aws:eks/podIdentityAssociation:PodIdentityAssociation");
    assert.deepEqual(
      [association.inputs.namespace, association.inputs.serviceAccount],
      ["request-path", "service-a"],
    );
    const sa = one("service-a", "kubernetes:core/v1:ServiceAccount").inputs as Json;
    assert.deepEqual(sa.metadata.name, "service-a");
    assert.equal(sa.automountServiceAccountToken, false);
  });

  it("runs the pod under the restricted profile with probes on the port", () => {
    const deployment = one("service-a", DEPLOYMENT).inputs as Json;
    const pod = deployment.spec.template.spec;
    assert.deepEqual(pod.securityContext, {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    });
    assert.equal(pod.containers.length, 1);
    const container = pod.containers[0];
    assert.deepEqual(container.securityContext, {
      runAsNonRoot: true,
      runAsUser: 1000,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    assert.deepEqual(container.ports, [{ name: "http", containerPort: 8080, protocol: "TCP" }]);
    assert.deepEqual(
      [container.livenessProbe.httpGet, container.readinessProbe.httpGet],
      [
        { path: "/healthz", port: "http" },
        { path: "/readyz", port: "http" },
      ],
    );
    assert.equal(deployment.spec.template.metadata.annotations["linkerd.io/inject"], "enabled");
    assert.deepEqual(
      pod.topologySpreadConstraints.map((c: Json) => c.topologyKey),
      ["topology.kubernetes.io/zone"],
    );
    assert.equal(deployment.spec.replicas, undefined, "the autoscaler owns replicas");
  });

  it("sets the platform's variables and the given ones, in the clear only when plain", () => {
    const env = (one("service-a", DEPLOYMENT).inputs as Json).spec.template.spec.containers[0]
      .env as Json[];
    assert.deepEqual(Object.fromEntries(env.map((e) => [e.name, e.value])), {
      OTEL_SERVICE_NAME: "service-a",
      OTEL_EXPORTER_OTLP_ENDPOINT: OTLP,
      OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
      AWS_REGION: TEST_REGION,
      PORT: "8080",
      SHUTDOWN_GRACE_MS: "30000",
      SUBMITTER: "sqs",
    });
  });

  it("puts values from other resources (resourceEnv) in the container's environment", async () => {
    const env = (one("worker", DEPLOYMENT).inputs as Json).spec.template.spec.containers[0]
      .env as Json[];
    assert.deepEqual(
      env.filter((e) => e.name === "TASK_QUEUE_URL"),
      [{ name: "TASK_QUEUE_URL", value: tasksUrl }],
    );
  });

  it("gives the service longer than its drain delay and grace to stop", () => {
    const drain = SHUTDOWN_ENV.drainDelayMs.default as number;
    const grace = SHUTDOWN_ENV.graceMs.default as number;
    const period = terminationGracePeriodSeconds();
    assert.ok(period * 1000 > PRE_STOP_SLEEP_SECONDS * 1000 + drain + grace, String(period));
    // service-a lengthens its grace to 30 s: the period follows.
    const podA = (one("service-a", DEPLOYMENT).inputs as Json).spec.template.spec;
    assert.ok(
      podA.terminationGracePeriodSeconds * 1000 > PRE_STOP_SLEEP_SECONDS * 1000 + drain + 30000,
    );
    assert.ok(podA.terminationGracePeriodSeconds > period);
    const container = podA.containers[0];
    assert.deepEqual(container.lifecycle, {
      preStop: { sleep: { seconds: PRE_STOP_SLEEP_SECONDS } },
    });
    const podW = (one("worker", DEPLOYMENT).inputs as Json).spec.template.spec;
    assert.equal(podW.terminationGracePeriodSeconds, period);
  });

  it("scales on CPU with one HPA or on queue depth with one ScaledObject, never both", () => {
    assert.equal(children("service-a", SCALED_OBJECT).length, 0);
    const hpa = one("service-a", HPA).inputs as Json;
    assert.deepEqual(
      [hpa.spec.minReplicas, hpa.spec.maxReplicas, hpa.spec.metrics],
      [
        2,
        6,
        [
          {
            type: "ContainerResource",
            containerResource: {
              name: "cpu",
              container: "service-a",
              target: { type: "Utilization", averageUtilization: 60 },
            },
          },
        ],
      ],
    );
    assert.equal(children("worker", HPA).length, 0);
    const scaled = one("worker", SCALED_OBJECT).inputs as Json;
    assert.deepEqual(scaled.spec.scaleTargetRef, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "worker",
    });
    assert.deepEqual(scaled.spec.triggers, [
      {
        type: "aws-sqs-queue",
        metadata: {
          queueURL: tasksUrl,
          queueLength: "10",
          awsRegion: TEST_REGION,
        },
        authenticationRef: { name: KEDA_AWS_AUTHENTICATION, kind: "ClusterTriggerAuthentication" },
      },
    ]);
    assert.deepEqual([scaled.spec.minReplicaCount, scaled.spec.maxReplicaCount], [1, 4]);
  });

  it("lets a disruption take one pod at a time and never blocks a drain on an unhealthy pod", () => {
    for (const name of ["service-a", "worker"]) {
      assert.deepEqual((one(name, PDB).inputs as Json).spec, {
        selector: { matchLabels: { "app.kubernetes.io/name": name } },
        maxUnavailable: 1,
        unhealthyPodEvictionPolicy: "AlwaysAllow",
      });
    }
  });

  it("gives the read-only pod one writable place, /tmp, and spreads each rollout's pods over zones", () => {
    const pod = (one("worker", DEPLOYMENT).inputs as Json).spec.template.spec;
    assert.deepEqual(pod.volumes, [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }]);
    assert.deepEqual(pod.containers[0].volumeMounts, [{ name: "tmp", mountPath: "/tmp" }]);
    assert.equal(pod.containers[0].securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(pod.topologySpreadConstraints[0].matchLabelKeys, ["pod-template-hash"]);
  });

  it("renders every Kubernetes object valid against kubernetes-models and KEDA's CRD", () => {
    const objects = ["service-a", "worker", "events"].flatMap((name) =>
      [...capture.resources.values()].filter(
        (r) => r.parent === urn(name) && r.type.startsWith("kubernetes:"),
      ),
    );
    // ServiceAccount, Deployment, Service, PDB and one autoscaler each, plus the mesh policy
    // (service-a: 11 objects, the others 9) and the NetworkPolicy, ServiceMonitor,
    // PrometheusRule and dashboard ConfigMap each.
    assert.equal(objects.length, 15 + 11 + 9 + 9 + 3 * 4);
    for (const o of objects)
      assert.deepEqual(validateManifest(o.inputs), [], `${o.type} ${o.name}`);
  });

  it("would notice a ScaledObject KEDA rejects, so the check above can fail", () => {
    const bad = scaledObjectManifest({
      name: "worker",
      namespace: "request-path",
      replicas: { min: 1, max: 2 },
      queueUrl: "https://sqs.example/queue",
      region: TEST_REGION,
      messagesPerReplica: 5,
    }) as Json;
    bad.spec.minReplicaCount = "one";
    bad.spec.triggers[0].metadata.queueLength = 5;
    const messages = validateManifest(bad).map((e) => `${e.path} ${e.message}`);
    assert.ok(
      messages.some((m) => /minReplicaCount/.test(m)),
      JSON.stringify(messages),
    );
    assert.ok(
      messages.some((m) => /queueLength/.test(m)),
      JSON.stringify(messages),
    );
  });

  it("registers its outputs", async () => {
    const component = [...capture.resources.values()].find((r) => r.urn === urn("worker"));
    assert.deepEqual(component?.outputs, {
      serviceAccountName: "worker",
      roleArn: await valueOf(worker.roleArn),
      repositoryUrl: await valueOf(worker.repositoryUrl),
      imageRef: WORKER_IMAGE,
      serviceName: "worker",
      allowedIdentities: [meshIdentity({ namespace: "request-path", serviceAccount: "service-a" })],
    });
  });

  describe("mesh policy and observability", () => {
    /** The new objects of a service, as `<Pulumi type> <Pulumi name> <object name>`. */
    const added = (name: string) =>
      [...capture.resources.values()]
        .filter(
          (r) =>
            r.parent === urn(name) &&
            (r.type.startsWith("kubernetes:policy.linkerd.io/") ||
              r.type.startsWith("kubernetes:monitoring.coreos.com/") ||
              r.type === NETWORK_POLICY ||
              r.type === CONFIG_MAP),
        )
        .map(
          (r) =>
            `${r.type.replace("kubernetes:", "")} ${r.name} ${(r.inputs as Json).metadata.name}`,
        )
        .sort();

    it("creates exactly the mesh policy, scrape access and monitoring of a service", () => {
      const L = "policy.linkerd.io";
      assert.deepEqual(
        added("service-a"),
        [
          `${L}/v1alpha1:AuthorizationPolicy service-a-authorizationpolicy-api service-a-api`,
          `${L}/v1alpha1:AuthorizationPolicy service-a-authorizationpolicy-api-load-balancer service-a-api-load-balancer`,
          `${L}/v1alpha1:AuthorizationPolicy service-a-authorizationpolicy-metrics service-a-metrics`,
          `${L}/v1alpha1:AuthorizationPolicy service-a-authorizationpolicy-probes service-a-probes`,
          `${L}/v1alpha1:MeshTLSAuthentication service-a-meshtlsauthentication-clients service-a-clients`,
          `${L}/v1alpha1:NetworkAuthentication service-a-networkauthentication-load-balancer service-a-load-balancer`,
          `${L}/v1alpha1:NetworkAuthentication service-a-networkauthentication-pod-network service-a-pod-network`,
          `${L}/v1beta3:HTTPRoute service-a-httproute-api service-a-api`,
          `${L}/v1beta3:HTTPRoute service-a-httproute-metrics service-a-metrics`,
          `${L}/v1beta3:HTTPRoute service-a-httproute-probes service-a-probes`,
          `${L}/v1beta3:Server service-a-server service-a`,
          "core/v1:ConfigMap service-a-dashboard dashboard-service-a",
          "monitoring.coreos.com/v1:PrometheusRule service-a-prometheusrule service-a-slo",
          "monitoring.coreos.com/v1:ServiceMonitor service-a-servicemonitor service-a",
          "networking.k8s.io/v1:NetworkPolicy service-a-allow-prometheus service-a-allow-prometheus",
        ].sort(),
      );
      // Every object in the service's namespace, through the cluster's provider.
      for (const r of [...capture.resources.values()].filter(
        (r) => r.parent === urn("service-a") && r.type.startsWith("kubernetes:"),
      )) {
        assert.equal((r.inputs as Json).metadata.namespace, "request-path", r.name);
      }
    });

    it("admits the meshed callers by identity and the load balancer by its subnets", () => {
      const crs = children(
        "service-a",
        "kubernetes:policy.linkerd.io/v1alpha1:MeshTLSAuthentication",
      );
      assert.deepEqual((crs[0].inputs as Json).spec.identities, [
        meshIdentity({ namespace: "workflows", serviceAccount: "argo-workflow" }),
      ]);
      const lb = children(
        "service-a",
        "kubernetes:policy.linkerd.io/v1alpha1:NetworkAuthentication",
      )
        .map((r) => r.inputs as Json)
        .find((o) => o.metadata.name === "service-a-load-balancer");
      assert.deepEqual(
        lb?.spec.networks,
        LB_CIDRS.map((cidr) => ({ cidr })),
      );
      const server = one("service-a", "kubernetes:policy.linkerd.io/v1beta3:Server").inputs as Json;
      assert.deepEqual(server.spec.podSelector, {
        matchLabels: { "app.kubernetes.io/name": "service-a" },
      });
      assert.equal(server.spec.port, 8080);
    });

    it("puts the Service-wide resilience and the contract on the Service's annotations", () => {
      const svc = one("service-a", SERVICE).inputs as Json;
      assert.deepEqual(svc.metadata.annotations, {
        [LINKERD_ANNOTATIONS.requestTimeout]: "5s",
        [CONTRACT_TAG]: "service-a",
      });
      assert.equal(svc.metadata.name, "service-a", "the alerts select on the Service's name");
      assert.equal((one("worker", SERVICE).inputs as Json).metadata.annotations, undefined);
    });

    it("admits only the cluster's Prometheus pods, to the service's port only", () => {
      const policy = one("service-a", NETWORK_POLICY).inputs as Json;
      assert.deepEqual(policy.spec.podSelector, {
        matchLabels: { "app.kubernetes.io/name": "service-a" },
      });
      assert.deepEqual(policy.spec.policyTypes, ["Ingress"]);
      assert.deepEqual(policy.spec.ingress, [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
              podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
            },
          ],
          ports: [{ protocol: "TCP", port: 8080 }],
        },
      ]);
      assert.deepEqual(
        policy.spec.ingress[0].from[0].podSelector.matchLabels,
        CLUSTER_PROMETHEUS.podLabels,
      );
    });

    it("scrapes /metrics on the Service's named port, selecting the Service's labels", () => {
      const svc = one("service-a", SERVICE).inputs as Json;
      const monitor = one("service-a", "kubernetes:monitoring.coreos.com/v1:ServiceMonitor")
        .inputs as Json;
      assert.deepEqual(monitor.spec.selector, { matchLabels: svc.metadata.labels });
      assert.deepEqual(monitor.spec.namespaceSelector, { matchNames: ["request-path"] });
      const [port] = svc.spec.ports as Json[];
      assert.equal(port.name, "http");
      assert.deepEqual(
        monitor.spec.endpoints.map((e: Json) => [e.port, e.path]),
        [[port.name, "/metrics"]],
      );
      // Prometheus may read /metrics in the mesh although service-a does not list it.
      const metricsPolicies = children(
        "service-a",
        "kubernetes:policy.linkerd.io/v1alpha1:AuthorizationPolicy",
      ).filter((r) => (r.inputs as Json).metadata.name === "service-a-metrics");
      assert.equal(metricsPolicies.length, 1);
    });

    it("alerts on the service's own objectives and charts its consumed queue", async () => {
      const rule = one("service-a", "kubernetes:monitoring.coreos.com/v1:PrometheusRule")
        .inputs as Json;
      const expr = rule.spec.groups[0].rules[0].expr as string;
      assert.match(expr, /service="service-a"/);
      assert.match(expr, /> 0\.0144/, "14.4 x (1 - 0.999)");
      const map = one("worker", CONFIG_MAP).inputs as Json;
      assert.equal(map.metadata.labels.grafana_dashboard, "1");
      const dashboard = JSON.parse(map.data["worker.json"] as string) as Json;
      const queueName = await valueOf(tasks.queueName);
      const queuePanel = (dashboard.panels as Json[]).find((p) => /Queue depth/.test(p.title));
      assert.ok(queuePanel, "the worker's dashboard charts its queue");
      assert.ok(
        (queuePanel.targets[0].expr as string).includes(queueName.replace(/\./g, "\\\\.")),
        queuePanel.targets[0].expr,
      );
    });
  });

  describe("a TLS port for the load balancer", () => {
    const CM = "kubernetes:cert-manager.io/v1";
    it("serves TLS on 8443 beside the plain port, with the certificate's Secret mounted read-only", () => {
      const pod = (one("front", DEPLOYMENT).inputs as Json).spec.template.spec;
      const container = pod.containers[0];
      assert.deepEqual(container.ports, [
        { name: "http", containerPort: 8080, protocol: "TCP" },
        { name: "https", containerPort: 8443, protocol: "TCP" },
      ]);
      const env = Object.fromEntries((container.env as Json[]).map((e) => [e.name, e.value]));
      assert.deepEqual(
        [env.TLS_PORT, env.TLS_CERT_FILE, env.TLS_KEY_FILE],
        ["8443", "/etc/tls/tls.crt", "/etc/tls/tls.key"],
      );
      assert.deepEqual(pod.volumes[1], {
        name: "tls",
        secret: { secretName: "front-tls", defaultMode: 0o440 },
      });
      assert.deepEqual(container.volumeMounts[1], {
        name: "tls",
        mountPath: "/etc/tls",
        readOnly: true,
      });
      assert.equal(pod.securityContext.fsGroup, 1000, "the key is group-readable only");
      // Probes and scrapes stay on the plain port.
      assert.equal(container.readinessProbe.httpGet.port, "http");
      const svc = one("front", SERVICE).inputs as Json;
      assert.deepEqual(svc.spec.ports[1], {
        name: "https",
        port: 8443,
        targetPort: "https",
        protocol: "TCP",
      });
    });

    it("has cert-manager issue the certificate from the service's own CA, for the Service's names", () => {
      const certs = children("front", `${CM}:Certificate`).map((r) => r.inputs as Json);
      const serving = certs.find((c) => c.metadata.name === "front-tls") as Json;
      assert.deepEqual(serving.spec.dnsNames, [
        "front",
        "front.request-path",
        "front.request-path.svc",
        "front.request-path.svc.cluster.local",
      ]);
      assert.equal(serving.spec.secretName, "front-tls");
      assert.deepEqual(serving.spec.privateKey, {
        algorithm: "ECDSA",
        size: 256,
        rotationPolicy: "Always",
      });
      assert.deepEqual([serving.spec.duration, serving.spec.renewBefore], ["720h0m0s", "240h0m0s"]);
      assert.deepEqual(serving.spec.issuerRef, {
        group: "cert-manager.io",
        kind: "Issuer",
        name: "front-tls-ca",
      });
      const ca = certs.find((c) => c.metadata.name === "front-tls-ca") as Json;
      assert.equal(ca.spec.isCA, true);
      const issuers = children("front", `${CM}:Issuer`).map((r) => (r.inputs as Json).spec);
      assert.deepEqual(issuers, [{ selfSigned: {} }, { ca: { secretName: "front-tls-ca" } }]);
      // The pods mount the Secret: they wait for the certificate.
      const servingUrn = children("front", `${CM}:Certificate`).find(
        (r) => (r.inputs as Json).metadata.name === "front-tls",
      )!.urn;
      assert.ok(one("front", DEPLOYMENT).dependencies.includes(servingUrn));
    });

    it("admits the load balancer's networks on the TLS port only, in Linkerd and by NetworkPolicy", () => {
      const L = "kubernetes:policy.linkerd.io";
      const server = children("front", `${L}/v1beta3:Server`)
        .map((r) => r.inputs as Json)
        .find((o) => o.metadata.name === "front-tls") as Json;
      assert.deepEqual([server.spec.port, server.spec.proxyProtocol], [8443, "TLS"]);
      const policy = children("front", `${L}/v1alpha1:AuthorizationPolicy`)
        .map((r) => r.inputs as Json)
        .find((o) => o.metadata.name === "front-tls") as Json;
      assert.deepEqual(policy.spec.targetRef, {
        group: "policy.linkerd.io",
        kind: "Server",
        name: "front-tls",
      });
      const auth = children("front", `${L}/v1alpha1:NetworkAuthentication`)
        .map((r) => r.inputs as Json)
        .find((o) => o.metadata.name === "front-tls-load-balancer") as Json;
      assert.deepEqual(
        auth.spec.networks,
        LB_CIDRS.map((cidr) => ({ cidr })),
      );
      const netpol = children("front", NETWORK_POLICY)
        .map((r) => r.inputs as Json)
        .find((o) => o.metadata.name === "front-allow-load-balancer") as Json;
      assert.deepEqual(netpol.spec.ingress, [
        {
          from: LB_CIDRS.map((cidr) => ({ ipBlock: { cidr } })),
          ports: [{ protocol: "TCP", port: 8443 }],
        },
      ]);
      // Without tls: none of it.
      assert.equal(
        children("worker", `${CM}:Certificate`).length + children("worker", NETWORK_POLICY).length,
        1,
        "the worker has its Prometheus NetworkPolicy only",
      );
    });

    it("renders every object valid against kubernetes-models and the CRDs", () => {
      const objects = [...capture.resources.values()].filter(
        (r) => r.parent === urn("front") && r.type.startsWith("kubernetes:"),
      );
      // ServiceAccount, Deployment, Service, PDB, HPA; the 9 mesh objects of a service with one
      // meshed caller; NetworkPolicy, ServiceMonitor, PrometheusRule, dashboard; then the TLS
      // port's 4 cert-manager objects, 3 mesh objects and NetworkPolicy.
      assert.equal(objects.length, 5 + 9 + 4 + 4 + 3 + 1);
      for (const o of objects)
        assert.deepEqual(validateManifest(o.inputs), [], `${o.type} ${o.name}`);
    });

    it("gives the load balancer a deregistration delay within the time a terminating pod serves", () => {
      assert.equal(servingAfterTerminationSeconds(), PRE_STOP_SLEEP_SECONDS + 5);
      assert.equal(
        servingAfterTerminationSeconds({ SHUTDOWN_DRAIN_DELAY_MS: "8000" }),
        PRE_STOP_SLEEP_SECONDS + 8,
      );
    });

    it("refuses a TLS port on the plain port and TLS variables in env", () => {
      const errors = validateMicroserviceArgs(
        base({
          tls: { port: 8080, loadBalancerCidrs: ["0.0.0.0/0"] },
          env: { TLS_PORT: "9443" },
        }),
        "front",
      ).map((e) => e.propertyPath);
      assert.deepEqual(errors, ["env.TLS_PORT", "tls.port", "tls.loadBalancerCidrs[0]"]);
    });
  });

  describe("Kubernetes API access (kubernetesApi)", () => {
    const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
    const ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
    it("mounts a short-lived projected token and the cluster CA in the service's container only, where Service A reads them", () => {
      assert.equal(KUBERNETES_API_CREDENTIALS_DIR, SERVICE_ACCOUNT_DIR);
      const pod = (one("reader", DEPLOYMENT).inputs as Json).spec.template.spec;
      assert.equal(pod.automountServiceAccountToken, false, "no automounted token");
      const volume = (pod.volumes as Json[]).find((v) => v.name === "kube-api") as Json;
      assert.deepEqual(volume.projected.sources, [
        { serviceAccountToken: { path: "token", expirationSeconds: 600 } },
        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
      ]);
      assert.equal(KUBERNETES_API_TOKEN_SECONDS, 600, "the shortest lifetime the API accepts");
      assert.equal(pod.containers.length, 1);
      assert.deepEqual(
        (pod.containers[0].volumeMounts as Json[]).find((m) => m.name === "kube-api"),
        { name: "kube-api", mountPath: SERVICE_ACCOUNT_DIR, readOnly: true },
      );
      // A service without kubernetesApi gets no token in any form.
      const plain = (one("worker", DEPLOYMENT).inputs as Json).spec.template.spec;
      assert.equal(plain.automountServiceAccountToken, false);
      assert.deepEqual(
        (plain.volumes as Json[]).filter((v) => v.projected !== undefined),
        [],
      );
    });

    it("binds exactly one Role with exactly the given rules, in the given namespace, to the service's account", () => {
      const role = one("reader", ROLE).inputs as Json;
      assert.deepEqual(role.metadata.namespace, "workflows");
      assert.deepEqual(role.rules, READ_WORKFLOWS);
      const binding = one("reader", ROLE_BINDING).inputs as Json;
      assert.equal(binding.metadata.namespace, "workflows");
      assert.deepEqual(binding.roleRef, {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "Role",
        name: role.metadata.name,
      });
      assert.deepEqual(binding.subjects, [
        { kind: "ServiceAccount", name: "reader", namespace: "request-path" },
      ]);
      const clusterWide = [...capture.resources.values()].filter((r) =>
        /:ClusterRole(Binding)?$/.test(r.type),
      );
      assert.deepEqual(clusterWide, []);
      for (const name of ["service-a", "worker", "events", "front"]) {
        assert.equal(children(name, ROLE).length + children(name, ROLE_BINDING).length, 0, name);
      }
    });

    it("lets the pods reach the kubernetes Service's ClusterIP on 443, nothing else", () => {
      const policies = children("reader", NETWORK_POLICY).map((r) => r.inputs as Json);
      const api = policies.find((p) => p.metadata.name === "reader-allow-kubernetes-api") as Json;
      assert.deepEqual(api.spec.policyTypes, ["Egress"]);
      assert.deepEqual(api.spec.podSelector, {
        matchLabels: { "app.kubernetes.io/name": "reader" },
      });
      assert.deepEqual(api.spec.egress, [
        { to: [{ ipBlock: { cidr: "172.20.0.1/32" } }], ports: [{ protocol: "TCP", port: 443 }] },
      ]);
      assert.equal(
        children("worker", NETWORK_POLICY).filter((r) => /kubernetes-api/.test(r.name)).length,
        0,
      );
    });

    it("renders the Role, RoleBinding, NetworkPolicy and Deployment valid against kubernetes-models", () => {
      for (const type of [ROLE, ROLE_BINDING, DEPLOYMENT])
        assert.deepEqual(validateManifest(one("reader", type).inputs), [], type);
      const api = children("reader", NETWORK_POLICY).find((r) => /kubernetes-api/.test(r.name))!;
      assert.deepEqual(validateManifest(api.inputs), []);
    });

    it("grants execution reads on the role's policy", () => {
      const statements = policyOf(one("reader", "aws:iam/rolePolicy:RolePolicy"), "policy")
        .Statement as Json[];
      assert.deepEqual(statements, [
        { Effect: "Allow", Action: ["states:DescribeExecution"], Resource: [EXECUTIONS] },
      ]);
    });

    it("finds the kubernetes Service's ClusterIP as the Service CIDR's first address", () => {
      assert.equal(kubernetesServiceIp("172.20.0.0/16"), "172.20.0.1");
      assert.equal(kubernetesServiceIp("10.100.0.0/16"), "10.100.0.1");
      assert.equal(kubernetesServiceIp("10.100.7.9/16"), "10.100.0.1");
      assert.equal(kubernetesServiceIp("192.168.4.0/22"), "192.168.4.1");
      assert.throws(() => kubernetesServiceIp("172.20.0.0"), /serviceIpv4Cidr/);
      assert.throws(() => kubernetesServiceIp("300.20.0.0/16"), /not a Service IPv4 CIDR/);
    });

    it("refuses wildcards, writes, a repeated namespace, no roles, a bad CIDR, and execution grants beyond DescribeExecution", () => {
      const errors = validateMicroserviceArgs(
        base({
          kubernetesApi: {
            roles: [
              {
                namespace: "workflows",
                rules: [{ apiGroups: ["*"], resources: ["workflows"], verbs: ["get", "delete"] }],
              },
              { namespace: "workflows", rules: [] },
              { namespace: "Bad", rules: READ_WORKFLOWS },
            ],
            serviceIpv4Cidr: "172.20.0.0",
          },
          access: {
            executionReads: [
              {
                Effect: "Allow",
                Action: ["states:DescribeExecution", "states:StartExecution"],
                Resource: [
                  `arn:aws:states:${TEST_REGION}:${MOCK_ACCOUNT_ID}:stateMachine:requests`,
                ],
              },
            ],
          },
        }),
        "reader",
      );
      assert.deepEqual(
        errors.map((e) => e.propertyPath),
        [
          "access.executionReads[0]",
          "access.executionReads[0]",
          "kubernetesApi.serviceIpv4Cidr",
          "kubernetesApi.roles[0].rules[0].apiGroups",
          "kubernetesApi.roles[0].rules[0].verbs",
          "kubernetesApi.roles[1].namespace",
          "kubernetesApi.roles[1].rules",
          "kubernetesApi.roles[2].namespace",
        ],
      );
      const reasons = errors.map((e) => e.reason).join("\n");
      assert.match(
        reasons,
        /grants states:StartExecution; execution reads are states:DescribeExecution only/,
      );
      assert.match(reasons, /not an execution ARN/);
      assert.match(reasons, /grants delete; a service's Role reads only/);
      assert.match(reasons, /has a Role already/);
      assert.deepEqual(
        validateMicroserviceArgs(
          base({ kubernetesApi: { roles: [], serviceIpv4Cidr: "172.20.0.0/16" } }),
          "reader",
        ).map((e) => e.propertyPath),
        ["kubernetesApi.roles"],
      );
    });
  });

  describe("validation", () => {
    it("reports every problem at once, naming each field, before anything registers", () => {
      const before = capture.resources.size;
      const bad = base({
        namespace: "kube-system",
        build: { context: ROOT, dockerfile: "services/nope/Dockerfile" },
        image: "worker:latest",
        port: 80,
        contract: "nope",
        replicas: { min: 3, max: 2 },
        autoscaling: { on: AutoscalingSignal.Queue, queue: work },
        resources: { requests: { cpu: "lots", memory: "128Mi" }, limits: { memory: "" } },
        access: {
          sendsTo: [work],
          kafka: { cluster: CLUSTER, consumes: ["domain-events"] },
          extraStatements: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
        },
        env: { DB_PASSWORD: "hunter2", PORT: "9090", SHUTDOWN_GRACE_MS: "10" },
        otlpEndpoint: "collector:4317",
        ecrKeyArn: "alias/acme/ecr",
        callers: [
          { namespace: "Apps", serviceAccount: "worker" },
          { platform: "loadBalancer", cidrs: ["0.0.0.0/0"] },
        ],
        podNetworkCidrs: ["10.0.0.0"],
        resilience: {
          service: { requestTimeout: "forever" },
          applicationAttempts: 2,
          maxTotalAttempts: 6,
        },
        slo: { availabilityTarget: 99.9, latencyThresholdSeconds: 0.3, latencyTarget: 0.99 },
      });
      assert.throws(
        () => new Microservice("Bad_Name", bad),
        (e: Error) => {
          assert.match(e.message, /^Microservice: \d+ invalid arguments:/);
          return true;
        },
      );
      assert.equal(capture.resources.size, before, "nothing registered");
      const paths = validateMicroserviceArgs(bad, "Bad_Name").map((e) => e.propertyPath);
      assert.deepEqual(paths, [
        "name",
        "namespace",
        "image",
        "image",
        "build.dockerfile",
        "port",
        "contract",
        "replicas.max",
        "autoscaling.queue",
        "resources.requests.cpu",
        "resources.limits.memory",
        "access.kafka.group",
        "access.extraStatements",
        "access.extraStatements[0]",
        "access.extraStatements[0]",
        "env.DB_PASSWORD",
        "env.PORT",
        "env.SHUTDOWN_GRACE_MS",
        "otlpEndpoint",
        "ecrKeyArn",
        "callers[0].namespace",
        "callers[1].cidrs[0]",
        "podNetworkCidrs[0]",
        "resilience.service.requestTimeout",
        "slo.availabilityTarget",
        "slo.latencyThresholdSeconds",
      ]);
    });

    it("names the fix in each message", () => {
      const reasons = Object.fromEntries(
        validateMicroserviceArgs(
          base({
            image: undefined,
            env: { API_TOKEN: "x" },
            autoscaling: { on: AutoscalingSignal.Queue, queue: work },
          }),
          "svc",
        ).map((e) => [e.propertyPath, e.reason]),
      );
      assert.match(reasons.build, /give build: \{ context, dockerfile \} or image/);
      assert.match(reasons["env.API_TOKEN"], /looks like a credential/);
      assert.match(reasons["autoscaling.queue"], /access\.consumesFrom/);
    });

    it("accepts the happy path", () => {
      assert.deepEqual(validateMicroserviceArgs(base(), "worker"), []);
    });
  });
});
