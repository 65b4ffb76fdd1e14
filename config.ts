/**
 * The stack configuration schema: the only module that reads Pulumi configuration.
 *
 * Stacks differ only in data. Every key is parsed by one zod schema; every problem is reported at
 * once, naming its key, what was wrong and the valid form, before any resource is registered.
 * `parseStackConfig` is pure (it takes the raw key/value map Pulumi hands the program) so tests and
 * the offline plan can call it without a Pulumi runtime; `loadStackConfig` reads the live config.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { CACHE_SIZES, ExecutionLoggingLevel, WAF_EVALUATION_WINDOWS } from "./components/api";
import {
  DNS_LABEL,
  FQDN,
  HOSTED_ZONE_ID,
  LOG_RETENTION_DAYS,
  PROM_DURATION,
  PROM_DURATION_FORM,
  REGION,
} from "./components/lib";
import { NatGatewayStrategy } from "./components/network";
import {
  DOMAIN_EVENT_TYPE_PATTERN,
  eventTriggerTypeProblem,
} from "./components/workflows/argoEvents";
import { EngineName } from "./components/workflows/engines/capabilities";
import { StepRunner } from "./components/workflows/engines/stepFunctions";
import {
  alertThresholdConflicts,
  type AlertThresholdOverrides,
  DEFAULT_ALERT_THRESHOLDS,
  type Duration,
  regexProblem,
} from "./components/observability/alertRules";

/** The workflow engines a stack can select (`platform.workflows.engine`), from `EngineName`. */
const WORKFLOW_ENGINE_NAMES = Object.values(EngineName) as [EngineName, ...EngineName[]];
/** Where the Step Functions engine runs steps (`platform.workflows.stepRunner`), from `StepRunner`. */
const STEP_RUNNERS = Object.values(StepRunner) as [StepRunner, ...StepRunner[]];

/** The Pulumi project name, which is also the namespace of every key below. */
export const PROJECT = "acme-platform";

// ---------------------------------------------------------------------------------------------
// Reusable field schemas. Each message says what is valid, so the error needs no lookup.
// ---------------------------------------------------------------------------------------------

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses an IPv4 CIDR block; returns undefined when the text is not one. */
export function parseCidr(text: string): { octets: number[]; prefix: number } | undefined {
  const m = IPV4_CIDR.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  return { octets, prefix };
}

const cidr = (minPrefix: number, maxPrefix: number) =>
  z
    .string({ error: "must be a CIDR block such as 10.20.0.0/16" })
    .superRefine((value, ctx) => {
      const parsed = parseCidr(value);
      if (!parsed) {
        ctx.addIssue({
          code: "custom",
          message: `"${value}" is not an IPv4 CIDR block; valid form: a.b.c.d/n, e.g. 10.20.0.0/16`,
        });
        return;
      }
      if (parsed.prefix < minPrefix || parsed.prefix > maxPrefix) {
        ctx.addIssue({
          code: "custom",
          message: `prefix /${parsed.prefix} is out of range; valid: /${minPrefix} to /${maxPrefix}`,
        });
      }
      const hostBits = 32 - parsed.prefix;
      const address = parsed.octets.reduce((acc, o) => acc * 256 + o, 0);
      if (hostBits < 32 && address % 2 ** hostBits !== 0) {
        ctx.addIssue({
          code: "custom",
          message: `"${value}" has host bits set; valid: the network address of the block`,
        });
      }
    })
    .meta({ form: `IPv4 CIDR block, /${minPrefix} to /${maxPrefix}, the network address` });

const int = (min: number, max: number, what: string) =>
  z
    .number({ error: `must be a number; valid: ${what}, an integer from ${min} to ${max}` })
    .int({ error: `must be a whole number; valid: ${what}, an integer from ${min} to ${max}` })
    .min(min, {
      error: `must be at least ${min}; valid: ${what}, an integer from ${min} to ${max}`,
    })
    .max(max, {
      error: `must be at most ${max}; valid: ${what}, an integer from ${min} to ${max}`,
    })
    .describe(what);

const bool = (what: string) =>
  z.boolean({ error: `must be true or false (${what})` }).describe(what);

const logRetention = z
  .number({ error: "must be a number of days" })
  .refine((v) => LOG_RETENTION_DAYS.includes(v), {
    error: `is not a CloudWatch Logs retention period; valid: one of ${LOG_RETENTION_DAYS.join(", ")}`,
  })
  .meta({ form: `days, a CloudWatch Logs retention period: ${LOG_RETENTION_DAYS.join(", ")}` });

const awsRegion = z
  .string({ error: "must be a string; valid: an AWS Region code such as eu-west-1" })
  .regex(REGION, {
    error: "is not an AWS Region code; valid form: eu-west-1, us-east-2, ...",
  });

const iamRoleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\-/]+$/, {
  error: "is not an IAM role ARN; valid form: arn:aws:iam::123456789012:role/name",
});

const addonVersion = z
  .string()
  .regex(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/, {
    error:
      "is not an EKS add-on version; valid form: v1.2.3-eksbuild.1 (aws eks describe-addon-versions)",
  })
  .meta({ form: "exact EKS add-on version `vX.Y.Z-eksbuild.N`" });

const tagMap = z
  .record(
    z.string().min(1).max(128),
    z.string().max(256, { error: "tag values are at most 256 characters" }),
  )
  .refine((tags) => Object.keys(tags).every((k) => !k.toLowerCase().startsWith("aws:")), {
    error: 'tag keys may not start with "aws:" (reserved by AWS)',
  })
  .meta({ form: 'map of tag key (1-128 characters, not "aws:...") to value (at most 256)' });

// ---------------------------------------------------------------------------------------------
// The schema, one entry per top-level key of the project namespace.
// ---------------------------------------------------------------------------------------------

const networkSchema = z
  .strictObject({
    cidr: cidr(16, 20).describe("The VPC's CIDR block."),
    azCount: int(2, 4, "the number of availability zones").describe(
      "Availability zones to spread subnets over (2 to 4; 3 for production).",
    ),
    availabilityZones: z
      .array(z.string().regex(/^[a-z]{2}-[a-z]+-\d[a-z]$/))
      .optional()
      .describe(
        "Explicit AZ names, exactly `azCount` of them; default: the first `azCount` available zones of the Region.",
      ),
    natGateways: z
      .enum(Object.values(NatGatewayStrategy), {
        error: 'must be "OnePerAz" or "Single"',
      })
      .describe("NAT gateways: one per AZ (`OnePerAz`) or one shared by all (`Single`)."),
    flowLogRetentionInDays: logRetention.describe(
      "Retention of the VPC flow-log group and of the S3 server access logs (ServerAccessLogBucket).",
    ),
  })
  .superRefine((n, ctx) => {
    if (n.availabilityZones && n.availabilityZones.length !== n.azCount) {
      ctx.addIssue({
        code: "custom",
        path: ["availabilityZones"],
        message: `lists ${n.availabilityZones.length} zone(s) but azCount is ${n.azCount}; list exactly azCount names or remove the key`,
      });
    }
  })
  .describe("The VPC: subnets, NAT gateways, flow logs and VPC endpoints (`Network`).");

const nodeGroupSchema = z
  .strictObject({
    instanceTypes: z
      .array(
        z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, {
          error: "is not an EC2 instance type; valid form: m7i.large",
        }),
      )
      .min(1, { error: 'needs at least one instance type, e.g. ["m7i.large"]' })
      .describe(
        "EC2 instance types, first preferred (managed node groups pick among them); all x86_64 or all Graviton, which decides the AMI type.",
      ),
    capacityType: z
      .enum(["ON_DEMAND", "SPOT"], { error: 'must be "ON_DEMAND" or "SPOT"' })
      .describe("Capacity type of the group's nodes."),
    minSize: int(0, 100, "the minimum node count"),
    desiredSize: int(0, 100, "the desired node count").describe(
      "The desired node count: minSize <= desiredSize <= maxSize.",
    ),
    maxSize: int(1, 100, "the maximum node count"),
    diskSizeGiB: int(20, 1000, "the root volume size in GiB").describe(
      "Root volume size in GiB (gp3, encrypted with the volumes key).",
    ),
  })
  .superRefine((g, ctx) => {
    if (g.minSize > g.desiredSize || g.desiredSize > g.maxSize) {
      ctx.addIssue({
        code: "custom",
        path: ["desiredSize"],
        message: `sizes must satisfy minSize <= desiredSize <= maxSize (got ${g.minSize} <= ${g.desiredSize} <= ${g.maxSize})`,
      });
    }
  });

const clusterSchema = z
  .strictObject({
    version: z
      .string()
      .regex(/^1\.\d{2}$/, { error: 'valid form: a minor version such as "1.34"' })
      .describe(
        'Kubernetes minor version of the control plane, e.g. "1.34". Upgrading means bumping it and every `addons` pin, one stack at a time.',
      ),
    supportType: z
      .enum(["STANDARD", "EXTENDED"], { error: 'must be "STANDARD" or "EXTENDED"' })
      .default("STANDARD")
      .describe(
        "STANDARD: EKS upgrades the cluster when standard support ends; EXTENDED: keeps it, at a cost.",
      ),
    endpointPublicAccess: bool("whether the Kubernetes API has a public endpoint").describe(
      "Whether the Kubernetes API has a public endpoint besides the private one. When true, `publicAccessCidrs` is required; refused in prod (EKS.1), where `pulumi up` runs on the deployer.",
    ),
    publicAccessCidrs: z
      .array(cidr(0, 32))
      .max(5, { error: "lists at most 5 operator addresses" })
      .default([])
      .describe(
        "Operators' addresses allowed to reach the public endpoint, each a single host (/32), at most 5; required when `endpointPublicAccess` is true and refused otherwise. The public endpoint exists only so one person can deploy dev from a laptop (docs/first-deployment.md); a network range would admit everyone behind it.",
      ),
    adminRoleArns: z
      .array(iamRoleArn)
      .default([])
      .describe("IAM roles given cluster-admin through EKS access entries."),
    logRetentionInDays: logRetention.describe("Retention of the control-plane log group."),
    metadataHopLimit: int(1, 2, "the IMDSv2 response hop limit").describe(
      "IMDSv2 response hop limit on nodes: 1 keeps pods off the node's credentials (Pod Identity needs none).",
    ),
    addons: z
      .strictObject({
        "vpc-cni": addonVersion,
        coredns: addonVersion,
        "kube-proxy": addonVersion,
        "aws-ebs-csi-driver": addonVersion,
        "eks-pod-identity-agent": addonVersion,
      })
      .describe(
        "Pinned EKS add-on versions, all five required, each taken from the EKS user guide's version tables or `aws eks describe-addon-versions --kubernetes-version <version> --addon-name <name>`.",
      ),
    nodeGroups: z
      .record(
        z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, {
          error: "node group names are lower-case letters, digits and dashes, at most 31",
        }),
        nodeGroupSchema,
      )
      .refine((groups) => Object.keys(groups).length > 0, {
        error: "needs at least one node group",
      })
      .describe(
        "Managed node groups by name (lower-case letters, digits and dashes, at most 31); at least one.",
      ),
  })
  .superRefine((c, ctx) => {
    if (c.endpointPublicAccess && c.publicAccessCidrs.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["publicAccessCidrs"],
        message:
          'is required when endpointPublicAccess is true; valid: a list of CIDRs such as ["203.0.113.0/24"]',
      });
    }
    if (c.publicAccessCidrs.some((cidrText) => parseCidr(cidrText)?.prefix === 0)) {
      ctx.addIssue({
        code: "custom",
        path: ["publicAccessCidrs"],
        message: "must not contain 0.0.0.0/0; valid: the CIDRs of your offices or VPN",
      });
    }
    const wide = c.publicAccessCidrs.filter(
      (t) => (parseCidr(t)?.prefix ?? 32) > 0 && (parseCidr(t)?.prefix ?? 32) < 32,
    );
    if (wide.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["publicAccessCidrs"],
        message: `${wide.join(", ")} ${wide.length === 1 ? "is a range" : "are ranges"}; valid: single operator addresses such as "198.51.100.7/32" (a range admits everyone behind it; staging and prod deploy through the in-VPC deployer instead)`,
      });
    }
    if (!c.endpointPublicAccess && c.publicAccessCidrs.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["publicAccessCidrs"],
        message:
          "is set but endpointPublicAccess is false; remove it or turn the public endpoint on",
      });
    }
  })
  .describe("The EKS cluster: control plane, add-ons and managed node groups (`EksCluster`).");

const deployerSchema = z.strictObject({
  repository: z
    .strictObject({
      owner: z
        .string()
        .regex(/^[A-Za-z0-9-]+$/, { error: "valid form: a GitHub user or organisation" })
        .describe("The GitHub user or organisation."),
      name: z
        .string()
        .regex(/^[A-Za-z0-9._-]+$/, { error: "valid form: a GitHub repository name" })
        .describe("The GitHub repository name."),
      connectionArn: z
        .string()
        .regex(
          /^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection\/[\w-]+$/,
          {
            error: "valid form: arn:aws:codeconnections:<region>:<account>:connection/<id>",
          },
        )
        .describe(
          "The CodeConnections connection to GitHub (created and authorised once, in the console).",
        ),
      workflowName: z
        .string()
        .min(1, { error: "must name the deploy workflow" })
        .describe("The `name:` of the only workflow whose jobs the runner accepts."),
    })
    .describe("The GitHub repository whose deploy workflow runs on the deployer."),
  computeType: z
    .enum(["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE"], {
      error: 'must be "BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM" or "BUILD_GENERAL1_LARGE"',
    })
    .default("BUILD_GENERAL1_MEDIUM")
    .describe("CodeBuild compute type of the runner."),
  buildTimeoutMinutes: int(30, 480, "the longest a deploy job may run, in minutes")
    .default(120)
    .describe("Minutes one workflow job may run (a first `pulumi up` waits for MSK and EKS)."),
  logRetentionInDays: logRetention.describe("Retention of the runner's build log group."),
  bootstrap: bool("whether this run registers only AWS resources (the first deployment)")
    .default(false)
    .describe(
      "The first `pulumi up`, from outside the VPC: register only AWS resources (network, keys, cluster, brokers, the deployer); no Kubernetes object and no Kafka topic, which need the private endpoint and the brokers. Set it, run once, remove it, and let the deployer run the second `pulumi up` (docs/first-deployment.md); never committed true.",
    ),
});

const keysSchema = z.strictObject({
  deletionWindowInDays: int(7, 30, "the KMS key deletion window in days").describe(
    "Days a scheduled key deletion waits before it completes (AWS allows 7 to 30).",
  ),
});

const queueSchema = z
  .strictObject({
    visibilityTimeoutSeconds: int(0, 43200, "the visibility timeout in seconds").describe(
      "How long a received message stays invisible to other consumers, in seconds; at least `consumerProcessingTimeoutSeconds`.",
    ),
    consumerProcessingTimeoutSeconds: int(
      1,
      43200,
      "the consumer's processing timeout in seconds",
    ).describe(
      "The longest a consumer takes to process one message, in seconds; must fit in the visibility timeout.",
    ),
    messageRetentionSeconds: int(60, 1209600, "the retention in seconds").describe(
      "How long an unconsumed message is kept, in seconds (60 s to 14 days).",
    ),
    maxReceiveCount: int(1, 1000, "the receives before dead-lettering").describe(
      "Receives before a message moves to the dead-letter queue.",
    ),
    deadLetterRetentionSeconds: int(60, 1209600, "the dead-letter retention in seconds").describe(
      "Retention of the dead-letter queue, in seconds; at least `messageRetentionSeconds` (a dead-lettered message keeps its original enqueue time).",
    ),
  })
  .superRefine((q, ctx) => {
    if (q.consumerProcessingTimeoutSeconds > q.visibilityTimeoutSeconds) {
      ctx.addIssue({
        code: "custom",
        path: ["visibilityTimeoutSeconds"],
        message: `must be at least consumerProcessingTimeoutSeconds (${q.consumerProcessingTimeoutSeconds}), or a message reappears while it is still being processed`,
      });
    }
    if (q.deadLetterRetentionSeconds < q.messageRetentionSeconds) {
      ctx.addIssue({
        code: "custom",
        path: ["deadLetterRetentionSeconds"],
        message: `must be at least messageRetentionSeconds (${q.messageRetentionSeconds}): a dead-lettered message keeps its original enqueue time`,
      });
    }
  });

const kafkaSchema = z
  .strictObject({
    version: z
      .string()
      .regex(/^\d+\.\d+\.(\d+|x)(\.kraft)?$/, {
        error: 'valid form: an MSK Kafka version such as "4.1.x.kraft"',
      })
      .describe(
        'MSK Kafka version, e.g. "4.1.x.kraft" (KRaft; a ZooKeeper cluster can never move to 4.x).',
      ),
    instanceType: z
      .string()
      .regex(/^kafka\.[a-z0-9]+\.[a-z0-9]+$/, {
        error: "valid form: kafka.m7g.large",
      })
      .describe("Broker instance type."),
    brokersPerAz: int(1, 5, "brokers per availability zone").describe(
      "Brokers in each AZ (the broker count is the AZ count times this).",
    ),
    storage: z
      .strictObject({
        initialGiB: int(1, 16384, "the initial broker storage in GiB"),
        maxGiB: int(1, 16384, "the largest broker storage autoscaling may reach, in GiB").describe(
          "The largest broker storage autoscaling may reach, in GiB; at least `initialGiB`.",
        ),
        targetUtilizationPercent: int(10, 80, "the storage utilisation autoscaling keeps"),
      })
      .describe("Broker EBS storage: initial size, autoscaling ceiling and target utilisation."),
    defaultReplicationFactor: int(2, 3, "the default replication factor"),
    minInsyncReplicas: int(1, 3, "min.insync.replicas").describe(
      "min.insync.replicas: below `defaultReplicationFactor`, or one broker down stops every producer.",
    ),
    logRetentionInDays: logRetention.describe("Retention of the broker log group."),
    topicManagement: z
      .enum(["kafka-provider", "msk-api"], {
        error: 'must be "kafka-provider" (needs network access to the brokers) or "msk-api"',
      })
      .describe(
        "How topics are managed: the Kafka admin API (`kafka-provider`, which needs the deployer: the brokers are private) or the MSK topic API (`msk-api`).",
      ),
  })
  .superRefine((k, ctx) => {
    if (k.storage.maxGiB < k.storage.initialGiB) {
      ctx.addIssue({
        code: "custom",
        path: ["storage", "maxGiB"],
        message: "must be at least initialGiB",
      });
    }
    if (k.minInsyncReplicas >= k.defaultReplicationFactor && k.defaultReplicationFactor > 1) {
      ctx.addIssue({
        code: "custom",
        path: ["minInsyncReplicas"],
        message: `must be below defaultReplicationFactor (${k.defaultReplicationFactor}), or one broker down stops every producer`,
      });
    }
  })
  .describe("Kafka on MSK: brokers, storage, logs and how topics are managed (`KafkaCluster`).");

const topicSchema = z.strictObject({
  partitions: int(1, 1000, "the partition count"),
  retentionHours: int(1, 8760, "the retention in hours"),
  cleanupPolicy: z
    .enum(["delete", "compact"], { error: 'must be "delete" or "compact"' })
    .describe("The topic's `cleanup.policy`."),
  consumed: bool("whether the topic has consumers (and so a dead-letter topic)").describe(
    "Whether the topic has consumers: consumed topics get a dead-letter topic `<name>.dlt`.",
  ),
});

const messagingSchema = z.strictObject({
  workQueue: queueSchema.describe(
    "The work queue Service A fills to start workflows, with its dead-letter queue (`Queue`).",
  ),
  taskQueue: queueSchema.describe(
    "The worker's task queue, which workflow steps fill with work-task messages, with its dead-letter queue (`Queue`).",
  ),
  kafka: kafkaSchema,
  domainEvents: topicSchema.describe("The domain-event topic (`KafkaTopics`)."),
});

const k8sName = z.string().regex(DNS_LABEL, {
  error: "valid form: a DNS-1123 label (lower-case letters, digits, '-', at most 63)",
});
const quantity = (what: string) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi)?$/, {
      error: `valid form: a Kubernetes quantity for ${what}, e.g. 100m or 128Mi`,
    })
    .meta({ form: "Kubernetes quantity, e.g. 100m or 128Mi", description: what });

const platformSchema = z.strictObject({
  highAvailability: bool("whether in-cluster controllers run highly available").describe(
    "Replicas, PodDisruptionBudgets and anti-affinity for the in-cluster controllers (Linkerd's HA values).",
  ),
  linkerd: z.strictObject({
    proxy: z
      .strictObject({
        cpuRequest: quantity("the proxy's CPU request"),
        memoryRequest: quantity("the proxy's memory request"),
        memoryLimit: quantity("the proxy's memory limit"),
      })
      .describe("Resources of every meshed pod's proxy."),
  }),
  appNamespaces: z
    .array(k8sName)
    .min(1, { error: "needs at least one namespace" })
    .describe("Meshed, default-deny namespaces for the microservices (`AppNamespace`)."),
  workflows: z.strictObject({
    engine: z
      .enum(WORKFLOW_ENGINE_NAMES, {
        error: `must be one of ${WORKFLOW_ENGINE_NAMES.map((e) => `"${e}"`).join(", ")}`,
      })
      .default(EngineName.Argo)
      .describe(
        'The engine the request workflow is compiled to (docs/workflow-engines.md). "argo": a WorkflowTemplate submitted by the Argo Events sensor from the work queue. "step-functions": a STANDARD state machine started by an EventBridge pipe from the work queue, its steps run by `stepRunner`; no Argo Events is installed. Step Functions cannot start workflows from domain events (`eventTriggers` must be empty).',
      ),
    stepRunner: z
      .enum(STEP_RUNNERS, {
        error: `must be one of ${STEP_RUNNERS.map((r) => `"${r}"`).join(", ")}`,
      })
      .default(StepRunner.Fargate)
      .describe(
        'Where the Step Functions engine runs the steps (ignored by "argo"). "fargate": an `ecs:runTask.sync` Fargate task per step in the private subnets, with a task role holding the workflow service account\'s grants. "eks": a Kubernetes Job per step through `eks:runJob.sync`, which AWS supports only on a public cluster endpoint that Step Functions can reach, so it needs `cluster.endpointPublicAccess: true` (refused in prod by EKS.1).',
      ),
    namespace: k8sName.describe("The namespace Argo Workflows and Argo Events run in (meshed)."),
    artifactExpirationDays: int(1, 3650, "days before artifacts expire").describe(
      "Days before workflow artifacts expire from the artifact bucket.",
    ),
    noncurrentVersionExpirationDays: int(
      1,
      365,
      "days before old artifact versions expire",
    ).describe("Days before overwritten artifact versions expire."),
    serviceMonitor: bool("whether to create the controller's ServiceMonitor").describe(
      "A ServiceMonitor for the Argo controller's metrics (Argo waits for kube-prometheus-stack's CRDs).",
    ),
    requestTemplate: z
      .strictObject({
        cpu: quantity("the step's CPU request"),
        memory: quantity("the step's memory"),
        activeDeadlineSeconds: int(60, 86400, "the longest a workflow may run"),
        retryLimit: int(0, 10, "retries of the step"),
      })
      .describe(
        "The WorkflowTemplate that runs Service A's requests: one step, the worker's handoff (`dist/handoff.js` in the worker's image).",
      ),
    eventTriggers: z
      .array(
        z.strictObject({
          type: z
            .string({ error: "must be a string; valid: a domain-event type" })
            .superRefine((type, ctx) => {
              const problem = eventTriggerTypeProblem(type);
              if (problem) ctx.addIssue({ code: "custom", message: problem });
            })
            .meta({
              form: `a domain-event type (${DOMAIN_EVENT_TYPE_PATTERN.source}), not com.acme.workflow.*`,
              description:
                "The CloudEvents `type` of the domain events that start a workflow, e.g. `com.acme.orders.order-placed.v1`.",
            }),
        }),
      )
      .superRefine((triggers, ctx) => {
        const seen = new Set<string>();
        triggers.forEach((t, i) => {
          if (seen.has(t.type)) {
            ctx.addIssue({
              code: "custom",
              path: [i, "type"],
              message: `"${t.type}" is listed twice; list each type once`,
            });
          }
          seen.add(t.type);
        });
      })
      .default([])
      .describe(
        "Domain events (on the `domain-events` topic) that start a workflow from the request template, one entry per CloudEvents `type`. Empty (the default): no EventBridge pipe, bridge queue, event source or sensor trigger for domain events exists, and workflows start from the work queue only. Types of the workflow system itself (`com.acme.workflow.*`, which the worker publishes for every task) are refused: they would start workflows in a loop. See docs/workflows-events.md.",
      ),
    sso: z
      .strictObject({
        issuer: z.url({ error: "must be the OIDC issuer URL" }).describe("The OIDC issuer URL."),
        clientIdSecretName: k8sName.describe("The Secret holding the OIDC client id."),
        clientSecretSecretName: k8sName.describe("The Secret holding the OIDC client secret."),
        redirectUrl: z
          .url({ error: "must be the Argo server's /oauth2/callback URL" })
          .describe("The Argo server's /oauth2/callback URL."),
      })
      .optional()
      .describe(
        "Single sign-on for the Argo server; without it the server accepts Kubernetes tokens.",
      ),
  }),
});

const secretRef = z
  .strictObject({ name: k8sName, key: z.string().min(1) })
  .meta({ form: "`{ name, key }`: a Kubernetes Secret and its key" });

// Alert thresholds: every field optional; what a stack leaves out keeps DEFAULT_ALERT_THRESHOLDS.
const objective = z
  .number({ error: "must be a number; valid: a share strictly between 0 and 1, e.g. 0.999" })
  .gt(0, { error: "must be above 0; valid: a share strictly between 0 and 1, e.g. 0.999" })
  .lt(1, { error: "must be below 1; valid: a share strictly between 0 and 1, e.g. 0.999" });
const atLeastZero = (what: string) =>
  z
    .number({ error: `must be a number; valid: ${what}, a number >= 0` })
    .min(0, { error: `must be at least 0; valid: ${what}, a number >= 0` })
    .describe(what);
const positive = (what: string) =>
  z
    .number({ error: `must be a number; valid: ${what}, a number above 0` })
    .gt(0, { error: `must be above 0; valid: ${what}, a number above 0` })
    .describe(what);
const percent = (what: string) =>
  atLeastZero(what)
    .max(100, { error: `must be at most 100; valid: ${what}, 0 to 100` })
    .describe(what);
const DURATION_FORM = PROM_DURATION_FORM;
const promDuration = z
  .string({ error: `must be a string; valid: ${DURATION_FORM}` })
  .refine((v): v is Duration => PROM_DURATION.test(v), { error: `valid form: ${DURATION_FORM}` })
  .meta({ form: DURATION_FORM });
const nonEmpty = (what: string) =>
  z
    .string({ error: `must be a string; valid: ${what}` })
    .min(1, { error: `must not be empty; valid: ${what}` })
    .describe(what);
const regexText = nonEmpty("a regular expression")
  .superRefine((pattern, ctx) => {
    const problem = regexProblem(pattern);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .meta({ form: "a regular expression (checked to compile)" });

/** `z.strictObject(shape)` with every field, and the group itself, optional. */
const thresholdGroup = <S extends z.ZodRawShape>(shape: S) =>
  z.strictObject(shape).partial().optional();

const alertThresholdsSchema = z
  .strictObject({
    mesh: thresholdGroup({
      availabilityObjective: objective,
      latencyObjective: objective,
      latencyThresholdMs: positive("a Linkerd latency histogram bucket in ms, e.g. 500"),
      burnRateFactor: positive("the paging burn rate, e.g. 14.4"),
      longWindow: promDuration,
      shortWindow: promDuration,
      for: promDuration,
      slowBurnRateFactor: positive("the warning burn rate, below burnRateFactor, e.g. 6"),
      slowLongWindow: promDuration,
      slowShortWindow: promDuration,
      slowFor: promDuration,
    }),
    sqs: thresholdGroup({
      oldestMessageAgeSeconds: atLeastZero("the age of the oldest message in seconds"),
      oldestMessageFor: promDuration,
      deadLetterQueueRegex: regexText,
      deadLetterMessages: atLeastZero("visible dead-letter messages"),
      deadLetterFor: promDuration,
    }),
    kafka: thresholdGroup({
      consumerLagMessages: atLeastZero("the consumer offset lag in messages"),
      for: promDuration,
      underReplicatedFor: promDuration,
      offlinePartitionsFor: promDuration,
      noActiveControllerFor: promDuration,
    }),
    workflows: thresholdGroup({
      failedWorkflows: atLeastZero("failed workflows per window"),
      window: promDuration,
      for: promDuration,
    }),
    certificates: thresholdGroup({
      issuerNamespace: nonEmpty("the namespace of the identity issuer's Certificate"),
      issuerCertificate: nonEmpty("the name of the identity issuer's Certificate"),
      issuerMinRemainingHours: atLeastZero("hours left on the issuer"),
      issuerFor: promDuration,
      trustAnchorMinRemainingHours: atLeastZero("hours left on the trust anchor"),
      trustAnchorFor: promDuration,
      notReadyFor: promDuration,
      renewalOverdueFor: promDuration,
    }),
    elasticsearch: thresholdGroup({ notGreenFor: promDuration, healthUnknownFor: promDuration }),
    logShipping: thresholdGroup({
      stalledFor: promDuration,
      pausedFor: promDuration,
      lossFor: promDuration,
      logstashFor: promDuration,
    }),
    events: thresholdGroup({ failuresFor: promDuration }),
    autoscaling: thresholdGroup({ errorsFor: promDuration, unavailableFor: promDuration }),
    monitoring: thresholdGroup({
      targetsDownPercent: percent("the percent of a job's targets down"),
      targetsDownFor: promDuration,
      prometheusNotificationErrorPercent: percent(
        "the percent of Prometheus' notifications failing",
      ),
      alertmanagerNotificationErrorPercent: percent(
        "the percent of Alertmanager's notifications failing",
      ),
      notificationsFor: promDuration,
    }),
  })
  .superRefine((overrides, ctx) => {
    // Relations between fields, checked on the values the stack will run with.
    const mesh = { ...DEFAULT_ALERT_THRESHOLDS.mesh, ...overrides.mesh };
    for (const e of alertThresholdConflicts({ ...DEFAULT_ALERT_THRESHOLDS, mesh })) {
      ctx.addIssue({ code: "custom", path: e.propertyPath.split("."), message: e.reason });
    }
  })
  .describe(
    "Changes to the Prometheus alert thresholds (any group, any field of `AlertThresholds`); the rest keep `DEFAULT_ALERT_THRESHOLDS`. Unknown groups and fields are errors.",
  );

/** True when A and B are the same type. */
type Equals<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
/**
 * Fails to compile when the thresholds schema and `AlertThresholds` drift apart (a field added,
 * removed or retyped on one side only).
 */
export type AlertThresholdsSchemaMatchesInterface = Assert<
  Equals<z.output<typeof alertThresholdsSchema>, AlertThresholdOverrides>
>;

const observabilitySchema = z.strictObject({
  prometheus: z.strictObject({
    retention: z
      .string()
      .regex(/^\d+(h|d|w|y)$/, { error: 'valid form: a duration such as "15d"' })
      .describe('How long Prometheus keeps samples, e.g. "15d".'),
    storageGiB: int(10, 4000, "Prometheus volume size in GiB"),
  }),
  logs: z.strictObject({
    elasticsearchNodes: z
      .union([z.literal(1), z.literal(3), z.literal(5)], {
        error: "must be 1, 3 or 5 (a quorum of master-eligible nodes)",
      })
      .describe("Elasticsearch nodes: 1 (dev) or 3/5 (HA, a quorum of master-eligible nodes)."),
    storageGiB: int(10, 16000, "Elasticsearch volume size per node in GiB"),
    retentionDays: int(1, 3650, "days logs are kept").describe("Days logs are kept (ILM delete)."),
    traceRetentionDays: int(1, 365, "days traces are kept").describe(
      "Days traces are kept (ILM delete).",
    ),
  }),
  traces: z.strictObject({
    samplingPercent: z
      .number({ error: "must be a number" })
      .gt(0, { error: "must be above 0" })
      .max(100, { error: "must be at most 100" })
      .describe("Share of traces the collector keeps, in percent (head sampling by trace id)."),
  }),
  alerting: z.strictObject({
    pager: z
      .discriminatedUnion(
        "type",
        [
          z.strictObject({ type: z.literal("pagerduty"), routingKeySecret: secretRef }),
          z.strictObject({
            type: z.literal("sns"),
            topicArn: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/, {
              error: "valid form: arn:aws:sns:<region>:<account>:<topic>",
            }),
            region: awsRegion,
          }),
        ],
        { error: 'pager.type must be "pagerduty" or "sns"' },
      )
      .describe(
        "Where critical alerts go: PagerDuty, whose routing key (`pagerdutyRoutingKey`) Alertmanager reads from `routingKeySecret`, or an SNS topic.",
      ),
    chat: z
      .strictObject({
        type: z.literal("slack", { error: 'must be "slack"' }).describe("The chat service."),
        webhookSecret: secretRef.describe(
          "The Secret Alertmanager reads the Slack webhook URL from (created from `slackWebhookUrl`).",
        ),
        channel: z
          .string()
          .regex(/^#[a-z0-9_-]+$/, { error: "valid form: #channel" })
          .describe("The Slack channel warnings go to."),
      })
      .describe(
        "Where warnings go: a Slack channel, whose webhook URL (`slackWebhookUrl`) Alertmanager reads from `webhookSecret`.",
      ),
    alarmEmails: z
      .array(z.email({ error: "must be an email address" }))
      .default([])
      .describe(
        "Email addresses subscribed to the CloudWatch alarm topic (they confirm by email).",
      ),
    kafkaDiskUsedPercent: int(50, 95, "the broker disk alarm threshold in percent").describe(
      "MSK broker disk use (percent) that raises the CloudWatch alarm; above the storage autoscaling target.",
    ),
    // Applied to DEFAULT_ALERT_THRESHOLDS with `withAlertThresholdOverrides`.
    thresholds: alertThresholdsSchema.default({}),
  }),
});

const serviceSchema = z
  .strictObject({
    minReplicas: int(1, 50, "the fewest replicas").describe(
      "The fewest replicas the autoscaler keeps (more than one keeps the service up through a node drain).",
    ),
    maxReplicas: int(1, 200, "the most replicas").describe(
      "The most replicas the autoscaler runs.",
    ),
    cpu: quantity("the CPU request"),
    memory: quantity("the memory request and limit"),
  })
  .superRefine((s, ctx) => {
    if (s.maxReplicas < s.minReplicas) {
      ctx.addIssue({
        code: "custom",
        path: ["maxReplicas"],
        message: "must be at least minReplicas",
      });
    }
  });

const servicesSchema = z.strictObject({
  namespace: k8sName.describe(
    "The app namespace the services run in: one of `platform.appNamespaces` (meshed, default-deny).",
  ),
  serviceA: serviceSchema.describe("Service A (`Microservice`), autoscaled on CPU."),
  worker: serviceSchema.describe(
    "The worker (`Microservice`), autoscaled on its task queue's depth.",
  ),
});

const fqdn = (what: string) =>
  z
    .string({ error: `must be a string; valid: ${what}` })
    .regex(FQDN, { error: `valid form: a fully qualified lower-case DNS name (${what})` })
    .describe(what);

const apiSchema = z
  .strictObject({
    hostedZone: z
      .strictObject({
        id: z
          .string()
          .regex(HOSTED_ZONE_ID, { error: "valid form: a Route 53 hosted zone ID, Z..." })
          .describe("The Route 53 public hosted zone's ID."),
        name: fqdn("the zone's domain name, e.g. acme.example"),
      })
      .describe(
        "The Route 53 public hosted zone ACM validates certificates in (DNS): the internal load balancer's name `service-a.internal.<name>` and the custom domain live in it.",
      ),
    customDomain: fqdn("the API's public host name, e.g. api.acme.example")
      .optional()
      .describe(
        "Serve the API on this name (in `hostedZone`), with a TLS 1.3 certificate, and disable the default execute-api endpoint. Without it clients call the default endpoint.",
      ),
    stageName: k8sName.describe(
      "The API Gateway stage name (the first path segment of the default URL).",
    ),
    throttle: z
      .strictObject({
        rateLimit: int(1, 10000, "steady-state requests per second over the stage"),
        burstLimit: int(1, 5000, "burst bucket size of the stage"),
      })
      .describe("Stage-wide throttling; operations the contract rate-limits get their own."),
    waf: z
      .strictObject({
        rateLimit: int(10, 2_000_000_000, "requests one client IP may make per window"),
        evaluationWindowSec: z
          .union(WAF_EVALUATION_WINDOWS.map((w) => z.literal(w)))
          .describe(`The rate window in seconds: ${WAF_EVALUATION_WINDOWS.join(", ")}.`),
      })
      .describe("The WAF rate-based rule (the AWS managed rule groups are always on)."),
    cognitoDomainPrefix: k8sName.describe(
      "Prefix of the Cognito domain that serves the OAuth2 token endpoint (`<prefix>.auth.<region>.amazoncognito.com`); unique in the Region, without aws, amazon or cognito.",
    ),
    accessTokenValidityMinutes: int(5, 1440, "minutes an access token is valid").default(60),
    executionLoggingLevel: z
      .enum(Object.values(ExecutionLoggingLevel))
      .default(ExecutionLoggingLevel.Info)
      .describe("Execution logging on every method: INFO (every request) or ERROR."),
    logRetentionInDays: logRetention.describe(
      "Retention of the API's access, execution and WAF log groups, and of the load balancer's access logs.",
    ),
    cache: z
      .strictObject({
        sizeGb: z.enum(CACHE_SIZES).describe("Cache cluster size in GB."),
        ttlSeconds: int(0, 3600, "seconds a response stays cached"),
      })
      .optional()
      .describe("The stage cache (encrypted); off when absent."),
    manageAccountCloudWatchRole: bool(
      "set the account's API Gateway CloudWatch role (one per account and Region)",
    ).default(true),
  })
  .superRefine((api, ctx) => {
    if (api.customDomain && !api.customDomain.endsWith(`.${api.hostedZone.name}`)) {
      ctx.addIssue({
        code: "custom",
        path: ["customDomain"],
        message: `"${api.customDomain}" is not in hostedZone.name "${api.hostedZone.name}"; use a name under it or another zone`,
      });
    }
  });

/** The typed stack configuration. */
export const stackConfigSchema = z.strictObject({
  region: awsRegion.describe("The AWS Region (`aws:region`)."),
  environment: z
    .string()
    .regex(/^[a-z][a-z0-9]{1,11}$/, {
      error: "valid form: 2 to 12 lower-case letters and digits, starting with a letter",
    })
    .describe(
      "Short environment name used in resource names and tags (dev, staging, prod, ...): 2 to 12 lower-case letters and digits, starting with a letter.",
    ),
  network: networkSchema,
  keys: keysSchema.describe("The customer-managed KMS keys (`PlatformKeys`)."),
  cluster: clusterSchema,
  deployer: deployerSchema
    .optional()
    .describe(
      "The in-VPC deployer (a CodeBuild-hosted GitHub Actions runner in the private subnets). Required when the Kubernetes API endpoint is private or topics go through the Kafka admin API.",
    ),
  messaging: messagingSchema.describe("The SQS work queue, Kafka on MSK and its topics."),
  platform: platformSchema.describe("In-cluster platform: Linkerd, app namespaces, Argo."),
  services: servicesSchema.describe("The request path's services and how they scale."),
  api: apiSchema.describe(
    "The front door: API Gateway from Service A's contract, Cognito, WAF, and the internal load balancer it reaches Service A through.",
  ),
  observability: observabilitySchema.describe(
    "Prometheus, Grafana, Alertmanager, ELK, traces, CloudWatch alarms.",
  ),
  protectStatefulResources: bool("protect stateful resources from deletion").describe(
    "Protect stateful resources (keys, cluster, log groups) from `pulumi destroy`, and turn on EKS deletion protection.",
  ),
  tags: tagMap.default({}).describe("Extra tags on every AWS resource."),
  pagerdutyRoutingKey: z.string().min(1, { error: "must not be empty" }).optional().meta({
    form: "secret string",
    description:
      "The PagerDuty routing key of `observability.alerting.pager` (type pagerduty); required with a pagerduty pager. A secret: set it with `pulumi config set --secret pagerdutyRoutingKey <key>`; never committed in clear text.",
  }),
  slackWebhookUrl: z.string().min(1, { error: "must not be empty" }).optional().meta({
    form: "secret string",
    description:
      "The Slack incoming-webhook URL of `observability.alerting.chat`; required by the slack chat receiver. A secret: set it with `pulumi config set --secret slackWebhookUrl <url>`; never committed in clear text.",
  }),
});

/** The environment whose API endpoint must never be public (EKS.1), whatever the policy config. */
export const PRODUCTION_ENVIRONMENT = "prod";

/**
 * Cross-section problems of the first-deployment design (docs/first-deployment.md): each names
 * the keys involved and the fix.
 */
export function firstDeploymentConflicts(c: {
  environment: string;
  cluster: { endpointPublicAccess: boolean };
  deployer?: { bootstrap: boolean };
  messaging: { kafka: { topicManagement: string } };
}): Array<{ path: string[]; message: string }> {
  const problems: Array<{ path: string[]; message: string }> = [];
  if (c.environment === PRODUCTION_ENVIRONMENT && c.cluster.endpointPublicAccess) {
    problems.push({
      path: ["cluster", "endpointPublicAccess"],
      message: `must be false in ${PRODUCTION_ENVIRONMENT} (EKS.1: no public Kubernetes API); deploy through ${PROJECT}:deployer`,
    });
  }
  if (!c.cluster.endpointPublicAccess && !c.deployer) {
    problems.push({
      path: ["deployer"],
      message: `is required when ${PROJECT}:cluster.endpointPublicAccess is false: the API endpoint is private and only the in-VPC deployer reaches it`,
    });
  }
  if (c.messaging.kafka.topicManagement === "kafka-provider" && !c.deployer) {
    problems.push({
      path: ["messaging", "kafka", "topicManagement"],
      message: `"kafka-provider" needs ${PROJECT}:deployer: the brokers are private and admit the deployer's security group, nothing outside the VPC; add the deployer or use "msk-api"`,
    });
  }
  if (c.deployer?.bootstrap && c.cluster.endpointPublicAccess) {
    problems.push({
      path: ["deployer", "bootstrap"],
      message: `is for stacks whose endpoint is private; with ${PROJECT}:cluster.endpointPublicAccess true the first run reaches the API, so remove it`,
    });
  }
  return problems;
}

/**
 * Combinations the Step Functions engine cannot run (docs/workflows.md, "The Step Functions
 * engine"): each names the keys involved, the reason and the alternatives.
 */
export function workflowEngineConflicts(c: {
  cluster: { endpointPublicAccess: boolean };
  platform: {
    workflows: {
      engine: EngineName;
      stepRunner: StepRunner;
      eventTriggers: Array<{ type: string }>;
    };
  };
}): Array<{ path: string[]; message: string }> {
  const problems: Array<{ path: string[]; message: string }> = [];
  if (c.platform.workflows.engine !== EngineName.StepFunctions) return problems;
  if (c.platform.workflows.stepRunner === StepRunner.Eks && !c.cluster.endpointPublicAccess) {
    problems.push({
      path: ["platform", "workflows", "stepRunner"],
      message:
        `"${StepRunner.Eks}" needs ${PROJECT}:cluster.endpointPublicAccess true, and it is false: ` +
        "AWS documents that the Step Functions EKS integration (eks:runJob) supports only Kubernetes APIs with public endpoint access " +
        "(https://docs.aws.amazon.com/step-functions/latest/dg/connect-eks.html), so no step could start on this cluster; " +
        `use "${StepRunner.Fargate}" (the default), or "${EngineName.Argo}" as the engine (docs/workflow-engines.md)`,
    });
  }
  if (c.platform.workflows.eventTriggers.length > 0) {
    problems.push({
      path: ["platform", "workflows", "eventTriggers"],
      message:
        `must be empty with ${PROJECT}:platform.workflows.engine "${EngineName.StepFunctions}": domain events start workflows ` +
        `through the Argo Events sensor, which a Step Functions stack does not install; remove the triggers or use "${EngineName.Argo}"`,
    });
  }
  return problems;
}

/**
 * Keys that hold credentials: each must be a Pulumi secret (`--secret`), and they never live in a
 * committed stack file in clear text. The offline plan, which cannot decrypt anything, plans with
 * a secret placeholder for each one a stack file does not hold.
 */
export const SECRET_CONFIG_KEYS = ["pagerdutyRoutingKey", "slackWebhookUrl"] as const;

/** The credentials each configured receiver needs, with the command that sets it. */
function credentialIssues(config: StackConfig, secretKeys?: ReadonlySet<string>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const { pager, chat } = config.observability.alerting;
  const needed: Array<[(typeof SECRET_CONFIG_KEYS)[number], string, boolean]> = [
    [
      "pagerdutyRoutingKey",
      "observability.alerting.pager (type pagerduty)",
      pager.type === "pagerduty",
    ],
    ["slackWebhookUrl", `observability.alerting.chat (type ${chat.type})`, chat.type === "slack"],
  ];
  for (const [key, user, required] of needed) {
    const fullKey = `${PROJECT}:${key}`;
    if (required && config[key] === undefined) {
      issues.push({
        key: fullKey,
        message: `is required by ${user}; set it with \`pulumi config set --secret ${key} <value>\``,
      });
    }
    if (config[key] !== undefined && secretKeys && !secretKeys.has(fullKey)) {
      issues.push({
        key: fullKey,
        message: `is a credential and must be a secret; set it again with \`pulumi config set --secret ${key} <value>\``,
      });
    }
  }
  return issues;
}

export type StackConfig = z.infer<typeof stackConfigSchema>;
export type NetworkConfig = StackConfig["network"];
export type ClusterConfig = StackConfig["cluster"];
export type DeployerConfig = NonNullable<StackConfig["deployer"]>;
export type NodeGroupConfig = ClusterConfig["nodeGroups"][string];
export type MessagingConfig = StackConfig["messaging"];
export type PlatformConfig = StackConfig["platform"];

/** Keys outside the project namespace that the program reads, mapped to schema fields. */
const FOREIGN_KEYS: Record<string, keyof StackConfig> = { "aws:region": "region" };

/** One configuration problem: the full key (with namespace and path) and what to do. */
export interface ConfigIssue {
  key: string;
  message: string;
}

/** Thrown when the stack configuration is invalid; lists every problem. */
export class ConfigError extends Error {
  constructor(public readonly issues: ConfigIssue[]) {
    super(
      `Invalid stack configuration (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n` +
        issues.map((i) => `  - ${i.key}: ${i.message}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

function parseValue(raw: string): unknown {
  // Pulumi hands structured values (objects, lists, numbers, booleans) to the program as JSON
  // text, and plain strings as they are.
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/**
 * Keys that no longer exist, with why and what to do: a stack that still sets one gets this
 * instead of a bare "unknown key".
 */
export const REMOVED_KEYS: Readonly<Record<string, string>> = {
  [`${PROJECT}:platform.workflows.requestTemplate.image`]:
    "removed: the step runs the worker's image (the stack builds it and pins it by digest); delete this key from Pulumi.<stack>.yaml",
  [`${PROJECT}:platform.workflows.requestTemplate.command`]:
    "removed: the step runs `node --enable-source-maps dist/handoff.js` in the worker's image; delete this key from Pulumi.<stack>.yaml",
};

function keyFor(path: PropertyKey[]): string {
  const [head, ...rest] = path.map(String);
  const foreign = Object.entries(FOREIGN_KEYS).find(([, field]) => field === head);
  const base = foreign ? foreign[0] : `${PROJECT}:${head ?? ""}`;
  return rest.length ? `${base}.${rest.join(".")}` : base;
}

/**
 * Parses the raw configuration map (`namespace:key` -> string, as `pulumi.runtime.allConfig()`
 * returns it). Throws a `ConfigError` that lists every problem.
 */
export function parseStackConfig(
  raw: Record<string, string>,
  secretKeys?: ReadonlySet<string>,
): StackConfig {
  const issues: ConfigIssue[] = [];
  const input: Record<string, unknown> = {};
  const foreignFields = new Set<string>(Object.values(FOREIGN_KEYS));
  const projectKeys = Object.keys(stackConfigSchema.shape).filter((k) => !foreignFields.has(k));
  for (const [fullKey, value] of Object.entries(raw)) {
    if (fullKey in FOREIGN_KEYS) {
      input[FOREIGN_KEYS[fullKey]] = value;
      continue;
    }
    const [namespace, key] = fullKey.split(":", 2);
    if (namespace !== PROJECT || key === undefined) continue; // other providers' settings
    if (!projectKeys.includes(key)) {
      issues.push({
        key: fullKey,
        message: `unknown key; valid keys: ${projectKeys.map((k) => `${PROJECT}:${k}`).join(", ")}`,
      });
      continue;
    }
    input[key] = parseValue(value);
  }
  const result = stackConfigSchema
    .superRefine((c, ctx) => {
      // Combinations that cannot deploy: who reaches the private API endpoint and the brokers?
      for (const problem of [...firstDeploymentConflicts(c), ...workflowEngineConflicts(c)]) {
        ctx.addIssue({ code: "custom", path: problem.path, message: problem.message });
      }
      if (!c.platform.appNamespaces.includes(c.services.namespace)) {
        ctx.addIssue({
          code: "custom",
          path: ["services", "namespace"],
          message: `must be one of platform.appNamespaces (${c.platform.appNamespaces.join(", ")}), the meshed namespaces`,
        });
      }
    })
    .safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const k of issue.keys) {
          const key = keyFor([...issue.path, k]);
          issues.push({ key, message: REMOVED_KEYS[key] ?? "unknown key; remove it" });
        }
      } else if (issue.code === "invalid_type" && issue.input === undefined) {
        issues.push({
          key: keyFor(issue.path),
          message: `is required (${issue.message}); set it in Pulumi.<stack>.yaml`,
        });
      } else {
        issues.push({ key: keyFor(issue.path), message: issue.message });
      }
    }
  }
  if (result.success) issues.push(...credentialIssues(result.data, secretKeys));
  if (issues.length > 0) {
    throw new ConfigError(issues.sort((a, b) => a.key.localeCompare(b.key)));
  }
  return result.data!;
}

/** Reads and validates the live stack configuration. */
export function loadStackConfig(): StackConfig {
  const raw = pulumi.runtime.allConfig();
  // The runtime exports isConfigSecret (the language host's PULUMI_CONFIG_SECRET_KEYS) but its
  // typings strip it (@internal); without it, secretness is not checked rather than guessed.
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  const isSecret = runtime.isConfigSecret;
  const secretKeys = isSecret ? new Set(Object.keys(raw).filter((k) => isSecret(k))) : undefined;
  return parseStackConfig(raw, secretKeys);
}
