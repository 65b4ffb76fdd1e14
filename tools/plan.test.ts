import * as assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { cachedPlan } from "./planCache";
import type { ExportedResource, StackExport } from "./stackExport";

const ROOT = path.resolve(__dirname, "..");

function run(script: string, args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
}

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "plan-test-"));
}

interface Planned {
  result: { status: number; stdout: string; stderr: string };
  out: string;
  doc: StackExport;
  of(type: string): ExportedResource[];
}

/** The stack planned by the CLI once per source tree, shared with the other tests (planCache). */
function plan(stack: string): Planned {
  const cached = cachedPlan(stack);
  assert.equal(cached.status, 0, `plan ${stack} failed:\n${cached.stderr}\n${cached.stdout}`);
  const doc = cached.export;
  return {
    result: cached,
    out: cached.dir,
    doc,
    of: (type) => doc.deployment.resources.filter((r) => r.type === type),
  };
}

describe("npm run plan", () => {
  const plans: Record<string, Planned> = {};
  before(() => {
    for (const stack of ["dev", "staging", "prod"]) plans[stack] = plan(stack);
  });

  it("passes the policy pack for every stack and prints the summary", () => {
    for (const [stack, p] of Object.entries(plans)) {
      assert.match(
        p.result.stdout,
        new RegExp(`Offline plan of stack "${stack}": \\d+ resources in \\d+ components`),
      );
      assert.match(p.result.stdout, /acme:cluster:EksCluster platform: \d+/);
      assert.match(
        p.result.stdout,
        /Policies: \d+ run on \d+ resources: 0 mandatory violation\(s\)/,
      );
      assert.match(
        p.result.stdout,
        /Wrote .*stack\.json, .*graph\.mmd, .*prometheus-rules\.yaml, .*alertmanager\.yaml/,
      );
    }
  });

  it("writes a version 3 stack export with the captured graph", () => {
    const { doc } = plans.dev;
    assert.equal(doc.version, 3);
    assert.match(doc.deployment.manifest.version, /^v3\.\d+\.\d+$/);
    const [stack] = doc.deployment.resources;
    assert.equal(stack.type, "pulumi:pulumi:Stack");
    assert.deepEqual(Object.keys(stack.outputs).sort(), [
      "apiClientId",
      "apiClientSecret",
      "apiTokenEndpoint",
      "apiUrl",
      "apiUserPoolId",
      "apiWebAclArn",
      "defaultStorageClass",
      "eksClusterEndpoint",
      "eksClusterName",
      "elasticsearchUrl",
      "grafanaAdminSecret",
      "jaegerQueryUrl",
      "kafkaBootstrapBrokersSaslIam",
      "kafkaClusterArn",
      "kafkaTopics",
      "kmsKeyArns",
      "linkerdTrustAnchorNotAfter",
      "otlpEndpoint",
      "privateSubnetIds",
      "publicSubnetIds",
      "requestTableName",
      "taskDeadLetterQueueUrl",
      "taskQueueArn",
      "taskQueueUrl",
      "vpcId",
      "workDeadLetterQueueUrl",
      "workQueueArn",
      "workQueueUrl",
      "workflowArtifactBucket",
    ]);
    const urns = new Set(doc.deployment.resources.map((r) => r.urn));
    // Resources registered without a provider (the TLS trust anchor) use the engine's default one.
    assert.ok(urns.has("urn:pulumi:dev::acme-platform::pulumi:providers:tls::default_5_6_1"));
    for (const r of doc.deployment.resources.slice(1)) {
      // The engine registers default providers itself, with no parent.
      const defaultProvider = /::pulumi:providers:[\w-]+::default_/.test(r.urn);
      if (!defaultProvider)
        assert.ok(r.parent && urns.has(r.parent), `${r.urn} has a registered parent`);
      for (const dep of r.dependencies ?? [])
        assert.ok(urns.has(dep), `${r.urn} depends on unknown ${dep}`);
      if (r.custom && !r.type.startsWith("pulumi:providers:")) {
        assert.ok(r.id, `${r.urn} has an id`);
        const providerUrn = r.provider?.split("::").slice(0, -1).join("::");
        assert.ok(providerUrn && urns.has(providerUrn), `${r.urn} has a registered provider`);
      }
    }
    const [cluster] = plans.dev.of("aws:eks/cluster:Cluster");
    assert.ok(
      cluster.propertyDependencies?.encryptionConfig?.some((u) =>
        u.includes("aws:kms/key:Key::platform-cluster-secrets"),
      ),
    );
    const [password] = plans.dev.of("random:index/randomPassword:RandomPassword");
    assert.deepEqual(password.outputs.result, {
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      ciphertext: "offline-plan:redacted",
    });
    const kubeProvider = plans.dev.of("pulumi:providers:kubernetes")[0];
    assert.equal(
      JSON.stringify(kubeProvider.inputs).includes("get-token"),
      false,
      "the kubeconfig stays a secret",
    );
    // The API client's secret is an output only as a secret.
    assert.deepEqual(stack.outputs.apiClientSecret, {
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      ciphertext: "offline-plan:redacted",
    });
  });

  it("draws the components and their edges", () => {
    const graph = fs.readFileSync(path.join(plans.dev.out, "graph.mmd"), "utf8");
    assert.match(graph, /^flowchart LR\n/);
    // Each node by its component type and name ("Queue worker-tasks").
    const nodes = [...graph.matchAll(/^ {2}(c\d+)\["<b>(\w+)<\/b> ([\w-]+)/gm)];
    const ids = new Map(nodes.map((m) => [`${m[2]} ${m[3]}`, m[1]]));
    const idOf = (type: string) => {
      const matches = nodes.filter((m) => m[2] === type);
      assert.equal(matches.length, 1, `one ${type}: name it as "${type} <name>"`);
      return matches[0][1];
    };
    assert.deepEqual(
      [...new Set(nodes.map((m) => m[2]))].sort(),
      [
        "AlertRules",
        "ApiGateway",
        "AppNamespace",
        "ArgoEvents",
        "ArgoWorkflows",
        "ArtifactBucket",
        "CertManager",
        "CloudWatchAlarms",
        "EksCluster",
        "ElasticsearchExporter",
        "KafkaCluster",
        "KafkaTopics",
        "Keda",
        "Linkerd",
        "LoadBalancerController",
        "Logging",
        "Microservice",
        "Monitoring",
        "Network",
        "PlatformKeys",
        "PrivateIngress",
        "Queue",
        "RequestPathAlarms",
        "RequestTable",
        "RequestWorkflowTemplate",
        "ServerAccessLogBucket",
        "Tracing",
      ].sort(),
    );
    const id = (node: string) => ids.get(node) ?? idOf(node);
    const edge = (from: string, label: string, to: string) =>
      assert.ok(
        graph.includes(`${id(from)} -->|${label}| ${id(to)}\n`),
        `${from} -${label}-> ${to}`,
      );
    edge("PlatformKeys", "Key", "Network");
    edge("PlatformKeys", "Key", "Queue workflow-requests");
    edge("PlatformKeys", "Key", "Queue worker-tasks");
    edge("Network", "Subnet, Vpc", "EksCluster");
    edge("EksCluster", "Cluster", "KafkaCluster");
    edge("KafkaCluster", "Cluster", "KafkaTopics");
    edge("EksCluster", "kubernetes provider", "CertManager");
    edge("Queue workflow-requests", "Queue", "ArgoEvents");
    edge("Queue worker-tasks", "Queue", "CloudWatchAlarms");
    edge("ApiGateway", "RestApi, Stage", "RequestPathAlarms");
    edge("CloudWatchAlarms", "Topic", "RequestPathAlarms");
    // The exporter reads Logging's secrets and needs Monitoring's ServiceMonitor CRD and namespace.
    assert.ok(graph.includes(`${id("Logging")} --> ${id("ElasticsearchExporter")}\n`));
    edge("Monitoring", "Namespace", "ElasticsearchExporter");
    // The request path (issue 12): Service A sends to the work queue and keeps its table; the
    // worker consumes the task queue and the brokers.
    edge("Queue workflow-requests", "Queue", "Microservice service-a");
    edge("RequestTable service-a-requests", "Table", "Microservice service-a");
    edge("Queue worker-tasks", "Queue", "Microservice worker");
    edge("KafkaCluster events", "Cluster", "Microservice worker");
    // KEDA reads the task queue's depth, and the worker's ScaledObject waits for its CRDs.
    edge("Queue worker-tasks", "Queue", "Keda");
    assert.ok(graph.includes(`${id("Keda")} --> ${id("Microservice worker")}\n`));
  });

  it("gives prod three AZs, a NAT gateway per AZ and protected stateful resources", () => {
    const prod = plans.prod;
    const azs = new Set(prod.of("aws:ec2/subnet:Subnet").map((s) => s.inputs.availabilityZone));
    assert.equal(azs.size, 3);
    assert.equal(prod.of("aws:ec2/natGateway:NatGateway").length, 3);
    const stateful = [
      ...prod.of("aws:kms/key:Key"),
      ...prod.of("aws:cloudwatch/logGroup:LogGroup"),
      ...prod.of("aws:eks/cluster:Cluster"),
      ...prod.of("aws:msk/cluster:Cluster"),
      // The work queue and its DLQ; the events bridge queue only buffers the pipe's records.
      ...prod.of("aws:sqs/queue:Queue").filter((q) => q.urn.includes("::workflow-requests")),
      ...prod.of("aws:s3/bucket:Bucket"),
      ...prod.of("kafka:index/topic:Topic"),
    ];
    // Log groups: EKS control plane, MSK brokers, VPC flow logs, the deployer's builds, and the
    // API's access, execution and WAF logs; buckets: workflow artifacts, the load balancer's logs,
    // the S3 server access logs.
    assert.equal(stateful.length, 5 + 7 + 1 + 1 + 2 + 3 + 2);
    for (const r of stateful) assert.equal(r.protect, true, `${r.urn} is protected`);
    assert.equal(plans.dev.of("aws:ec2/natGateway:NatGateway").length, 1);
    // Topic management is per stack: dev through the MSK API, prod through the Kafka admin API.
    assert.equal(plans.dev.of("aws:msk/topic:Topic").length, 2);
    assert.equal(plans.dev.of("kafka:index/topic:Topic").length, 0);
    assert.equal(prod.of("aws:msk/topic:Topic").length, 0);
    assert.ok(plans.dev.of("aws:kms/key:Key").every((k) => !k.protect));
  });

  it("sends every stack's mesh and controller spans to the collector the stack deploys", () => {
    const RELEASE = "kubernetes:helm.sh/v3:Release";
    for (const [stack, p] of Object.entries(plans)) {
      const release = <V>(chart: string) => {
        const found = p.of(RELEASE).filter((r) => r.inputs.chart === chart);
        assert.equal(found.length, 1, `${stack}: one ${chart} release`);
        return found[0].inputs as { namespace: string; values: V };
      };
      const collector = release<{ serviceAccount: { name: string } }>("opentelemetry-collector");
      const { values } = release<{
        proxy: { tracing: Record<string, unknown> };
        controller: { tracing: Record<string, unknown> };
      }>("linkerd-control-plane");
      const endpoint = `otel-collector-opentelemetry-collector.${collector.namespace}.svc:4317`;
      assert.deepEqual(values.proxy.tracing, {
        enabled: true,
        collector: {
          endpoint,
          meshIdentity: {
            serviceAccountName: collector.values.serviceAccount.name,
            namespace: collector.namespace,
          },
        },
      });
      assert.deepEqual(values.controller.tracing, { enabled: true, collector: { endpoint } });
    }
  });

  it("writes a file the policy CLI accepts under the stack's pack config", () => {
    const result = run("tools/policy.ts", [
      path.join(plans.prod.out, "stack.json"),
      "--config",
      path.join(ROOT, "policies", "config", "prod.json"),
    ]);
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  it("exits 2 naming every bad key, and writes nothing, on bad config", () => {
    const config = parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as {
      config: Record<string, Record<string, unknown>>;
    };
    config.config["acme-platform:network"].cidr = "10.10.0.0/33";
    (
      config.config["acme-platform:cluster"].nodeGroups as Record<string, Record<string, number>>
    ).system.minSize = -1;
    config.config["acme-platform:bogus"] = { x: 1 };
    const dir = tmp();
    const file = path.join(dir, "bad.yaml");
    fs.writeFileSync(file, stringify(config));
    const out = path.join(dir, "out");
    const result = run("tools/plan.ts", ["--stack", "dev", "--config", file, "--out", out]);
    assert.equal(result.status, 2, result.stderr);
    for (const key of [
      "acme-platform:network.cidr",
      "acme-platform:cluster.nodeGroups.system.minSize",
      "acme-platform:bogus",
    ]) {
      assert.ok(result.stderr.includes(key), `stderr names ${key}:\n${result.stderr}`);
    }
    assert.equal(fs.existsSync(path.join(out, "stack.json")), false);
  });

  it("writes rule groups promtool accepts and an Alertmanager config amtool accepts", () => {
    for (const p of Object.values(plans)) {
      const rules = spawnSync(
        "promtool",
        ["check", "rules", path.join(p.out, "prometheus-rules.yaml")],
        { encoding: "utf8" },
      );
      assert.equal(rules.status, 0, rules.stdout + rules.stderr);
      // What the PrometheusRules carry: one group each, every alert of them.
      const deployed = p
        .of("kubernetes:monitoring.coreos.com/v1:PrometheusRule")
        .flatMap((r) => (r.inputs.spec as { groups: Array<{ rules: unknown[] }> }).groups)
        .flatMap((g) => g.rules);
      assert.ok(deployed.length >= 15);
      assert.match(rules.stdout, new RegExp(`SUCCESS: ${deployed.length} rules found`));
      const file = path.join(p.out, "alertmanager.yaml");
      const am = spawnSync("amtool", ["check-config", file], { encoding: "utf8" });
      assert.equal(am.status, 0, am.stdout + am.stderr);
      // The deployed config beats on this stack's heartbeat topic and pages on critical.
      const route = (...labels: string[]) =>
        spawnSync("amtool", ["config", "routes", "test", `--config.file=${file}`, ...labels], {
          encoding: "utf8",
        }).stdout.trim();
      assert.equal(route("alertname=Watchdog", "severity=none"), "heartbeat");
      assert.equal(route("alertname=X", "severity=critical"), "pager");
      assert.equal(route("alertname=X", "severity=warning"), "chat");
      const heartbeatTopic = p.of("aws:sns/topic:Topic").find((t) => t.urn.endsWith("-heartbeat"));
      assert.ok(heartbeatTopic);
      const config = parse(fs.readFileSync(file, "utf8")) as {
        receivers: Array<{ name: string; sns_configs?: Array<{ topic_arn: string }> }>;
      };
      assert.equal(
        config.receivers.find((r) => r.name === "heartbeat")?.sns_configs?.[0].topic_arn,
        heartbeatTopic.outputs?.arn,
      );
    }
  });

  it("deploys each stack's alert thresholds: dev overrides the SQS age, prod keeps the default", () => {
    const sqsAge = (stack: string) => {
      const rules = plans[stack]
        .of("kubernetes:monitoring.coreos.com/v1:PrometheusRule")
        .flatMap(
          (r) =>
            (r.inputs.spec as { groups: Array<{ rules: Array<Record<string, string>> }> }).groups,
        )
        .flatMap((g) => g.rules)
        .filter((r) => r.alert === "SqsOldestMessageTooOld");
      assert.equal(rules.length, 1);
      return /> (\d+)$/.exec(rules[0].expr)?.[1];
    };
    assert.equal(sqsAge("dev"), "3600");
    assert.equal(sqsAge("staging"), "900");
    assert.equal(sqsAge("prod"), "900");
  });

  it("exits 2 on bad usage", () => {
    assert.equal(run("tools/plan.ts", []).status, 2);
    assert.equal(run("tools/plan.ts", ["--stack", "nope"]).status, 2);
    assert.equal(run("tools/plan.ts", ["--stack", "dev", "--frobnicate"]).status, 2);
  });
});
