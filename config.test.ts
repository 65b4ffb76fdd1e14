import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
  DEFAULT_ALERT_THRESHOLDS,
  withAlertThresholdOverrides,
} from "./components/observability/alertRules";
import { ConfigError, parseStackConfig, PROJECT } from "./config";
import { TASK_COMPLETED_TYPE, WORK_TASK_TYPE } from "./services/worker/src/tasks";
import { installMocks, MOCK_ACCOUNT_ID, PlatformMocks } from "./tools/mocks";
import { loadStackConfig } from "./tools/stackFile";

const dev = loadStackConfig(__dirname, "dev").config;

/** The dev config with one project key replaced by a mutation of its parsed value. */
function withChange(
  key: string,
  mutate: (value: Record<string, unknown>) => unknown,
): Record<string, string> {
  const full = key.includes(":") ? key : `${PROJECT}:${key}`;
  const current = full in dev ? (JSON.parse(dev[full]) as Record<string, unknown>) : {};
  const next = mutate(structuredClone(current));
  const raw = { ...dev };
  if (next === undefined) delete raw[full];
  else raw[full] = typeof next === "string" ? next : JSON.stringify(next);
  return raw;
}

function issuesOf(raw: Record<string, string>): Array<{ key: string; message: string }> {
  try {
    parseStackConfig(raw);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return e.issues;
  }
  assert.fail("the configuration was accepted");
}

/** The dev config with `observability.alerting.thresholds` set to `thresholds`. */
function withThresholds(thresholds: unknown): Record<string, string> {
  return withChange("observability", (o) => ({
    ...o,
    alerting: { ...(o.alerting as object), thresholds },
  }));
}

const THRESHOLDS = `${PROJECT}:observability.alerting.thresholds`;

/** The dev config with `platform.workflows.eventTriggers` set to `triggers`. */
function withEventTriggers(triggers: unknown): Record<string, string> {
  return withChange("platform", (p) => ({
    ...p,
    workflows: { ...(p.workflows as object), eventTriggers: triggers },
  }));
}
const EVENT_TRIGGERS = `${PROJECT}:platform.workflows.eventTriggers`;

const cases: Array<[string, Record<string, string>, string, RegExp]> = [
  [
    "a CIDR that is not one",
    withChange("network", (n) => ({ ...n, cidr: "10.0.0.300/16" })),
    "acme-platform:network.cidr",
    /not an IPv4 CIDR block; valid form: a\.b\.c\.d\/n/,
  ],
  [
    "a CIDR with host bits",
    withChange("network", (n) => ({ ...n, cidr: "10.0.1.0/16" })),
    "acme-platform:network.cidr",
    /host bits set/,
  ],
  [
    "a VPC prefix too small",
    withChange("network", (n) => ({ ...n, cidr: "10.0.0.0/24" })),
    "acme-platform:network.cidr",
    /valid: \/16 to \/20/,
  ],
  [
    "too many AZs",
    withChange("network", (n) => ({ ...n, azCount: 5 })),
    "acme-platform:network.azCount",
    /at most 4/,
  ],
  [
    "an unknown NAT strategy",
    withChange("network", (n) => ({ ...n, natGateways: "Many" })),
    "acme-platform:network.natGateways",
    /"OnePerAz" or "Single"/,
  ],
  [
    "a retention CloudWatch rejects",
    withChange("network", (n) => ({ ...n, flowLogRetentionInDays: 10 })),
    "acme-platform:network.flowLogRetentionInDays",
    /one of 1, 3, 5/,
  ],
  [
    "a negative node count",
    withChange("cluster", (c) => {
      (c.nodeGroups as Record<string, Record<string, unknown>>).system.minSize = -1;
      return c;
    }),
    "acme-platform:cluster.nodeGroups.system.minSize",
    /at least 0/,
  ],
  [
    "desired above max",
    withChange("cluster", (c) => {
      (c.nodeGroups as Record<string, Record<string, unknown>>).system.desiredSize = 9;
      return c;
    }),
    "acme-platform:cluster.nodeGroups.system.desiredSize",
    /minSize <= desiredSize <= maxSize/,
  ],
  [
    "a public endpoint without CIDRs",
    withChange("cluster", (c) => ({ ...c, endpointPublicAccess: true, publicAccessCidrs: [] })),
    "acme-platform:cluster.publicAccessCidrs",
    /required when endpointPublicAccess is true/,
  ],
  [
    "a public endpoint open to the world",
    withChange("cluster", (c) => ({
      ...c,
      endpointPublicAccess: true,
      publicAccessCidrs: ["0.0.0.0/0"],
    })),
    "acme-platform:cluster.publicAccessCidrs",
    /must not contain 0\.0\.0\.0\/0/,
  ],
  [
    "an add-on version that is not pinned",
    withChange("cluster", (c) => ({
      ...c,
      addons: { ...(c.addons as object), coredns: "latest" },
    })),
    "acme-platform:cluster.addons.coredns",
    /valid form: v1\.2\.3-eksbuild\.1/,
  ],
  [
    "a missing add-on",
    withChange("cluster", (c) => {
      delete (c.addons as Record<string, unknown>)["kube-proxy"];
      return c;
    }),
    "acme-platform:cluster.addons.kube-proxy",
    /is required/,
  ],
  [
    "an unknown nested key",
    withChange("cluster", (c) => ({ ...c, endpointPublicAcess: false })),
    "acme-platform:cluster.endpointPublicAcess",
    /unknown key/,
  ],
  [
    "an unknown top-level key",
    { ...dev, "acme-platform:clustre": "{}" },
    "acme-platform:clustre",
    /unknown key; valid keys: .*acme-platform:cluster/,
  ],
  [
    "a missing required key",
    withChange("keys", () => undefined),
    "acme-platform:keys",
    /is required/,
  ],
  [
    "a deletion window below 7",
    withChange("keys", () => ({ deletionWindowInDays: 6 })),
    "acme-platform:keys.deletionWindowInDays",
    /at least 7/,
  ],
  [
    "a Region that is not one",
    { ...dev, "aws:region": "Ireland" },
    "aws:region",
    /not an AWS Region code/,
  ],
  [
    "a reserved tag key",
    { ...dev, "acme-platform:tags": JSON.stringify({ "aws:owner": "x" }) },
    "acme-platform:tags",
    /reserved by AWS/,
  ],
  [
    "a request template that still names its own image",
    withChange("platform", (p) => {
      const workflows = p.workflows as { requestTemplate: Record<string, unknown> };
      workflows.requestTemplate.image = "registry.acme.example/step@sha256:" + "0".repeat(64);
      return p;
    }),
    "acme-platform:platform.workflows.requestTemplate.image",
    /^removed: the step runs the worker's image .*delete this key from Pulumi\.<stack>\.yaml$/,
  ],
  [
    "a request template that still names its own command",
    withChange("platform", (p) => {
      const workflows = p.workflows as { requestTemplate: Record<string, unknown> };
      workflows.requestTemplate.command = ["/app/run-request"];
      return p;
    }),
    "acme-platform:platform.workflows.requestTemplate.command",
    /^removed: the step runs `node --enable-source-maps dist\/handoff\.js`/,
  ],
  [
    "an event trigger whose type is not a domain-event type",
    withEventTriggers([{ type: "orders.OrderPlaced" }]),
    `${EVENT_TRIGGERS}.0.type`,
    /^"orders\.OrderPlaced" is not a domain-event type; valid form: com\.acme\.<bounded context>\.<event name>\.v<major> \(the pattern \^com\\\.acme\\\.\[a-z-\]\+\\\.\[a-z-\]\+\\\.v\[0-9\]\+\$ of contracts\/messages\/domain-event\.schema\.json\), e\.g\. com\.acme\.orders\.order-placed\.v1$/,
  ],
  [
    "an event trigger on the workflow system's own events",
    withEventTriggers([{ type: "com.acme.workflow.task-completed.v1" }]),
    `${EVENT_TRIGGERS}.0.type`,
    /belongs to the workflow system itself \(com\.acme\.workflow\.\*\): the worker publishes such an event for every task, so a workflow it started would start another, in a loop; list events of other bounded contexts$/,
  ],
  [
    "an event trigger listed twice",
    withEventTriggers([
      { type: "com.acme.orders.order-placed.v1" },
      { type: "com.acme.orders.order-placed.v1" },
    ]),
    `${EVENT_TRIGGERS}.1.type`,
    /^"com\.acme\.orders\.order-placed\.v1" is listed twice; list each type once$/,
  ],
  [
    "an event trigger with an unknown field",
    withEventTriggers([{ type: "com.acme.orders.order-placed.v1", template: "x" }]),
    `${EVENT_TRIGGERS}.0.template`,
    /unknown key; remove it/,
  ],
  [
    "a boolean given as text",
    { ...dev, "acme-platform:protectStatefulResources": "yes" },
    "acme-platform:protectStatefulResources",
    /must be true or false/,
  ],
  [
    "an unknown alert threshold",
    withThresholds({ mesh: { availabilityObjectve: 0.99 } }),
    `${THRESHOLDS}.mesh.availabilityObjectve`,
    /unknown key/,
  ],
  [
    "an unknown alert threshold group",
    withThresholds({ queues: { oldestMessageAgeSeconds: 60 } }),
    `${THRESHOLDS}.queues`,
    /unknown key/,
  ],
  [
    "an objective that is not a share",
    withThresholds({ mesh: { availabilityObjective: 1.5 } }),
    `${THRESHOLDS}.mesh.availabilityObjective`,
    /must be below 1; valid: a share strictly between 0 and 1/,
  ],
  [
    "a threshold duration in words",
    withThresholds({ mesh: { for: "5 minutes" } }),
    `${THRESHOLDS}.mesh.for`,
    /valid form: a Prometheus duration.*"5m"/,
  ],
  [
    "a dead-letter queue regex that does not compile",
    withThresholds({ sqs: { deadLetterQueueRegex: "(.+-dlq" } }),
    `${THRESHOLDS}.sqs.deadLetterQueueRegex`,
    /must be a valid regular expression/,
  ],
  [
    "a percent above 100",
    withThresholds({ monitoring: { targetsDownPercent: 150 } }),
    `${THRESHOLDS}.monitoring.targetsDownPercent`,
    /at most 100/,
  ],
  [
    "a short burn window no shorter than the default long one",
    withThresholds({ mesh: { shortWindow: "1h" } }),
    `${THRESHOLDS}.mesh.shortWindow`,
    /must be shorter than mesh\.longWindow \(1h\)/,
  ],
  [
    "a slow burn rate above the fast one",
    withThresholds({ mesh: { slowBurnRateFactor: 20 } }),
    `${THRESHOLDS}.mesh.slowBurnRateFactor`,
    /must be below mesh\.burnRateFactor \(14\.4\)/,
  ],
];

describe("stack configuration", () => {
  it("accepts every committed stack file", () => {
    for (const stack of ["dev", "staging", "prod"]) {
      const parsed = parseStackConfig(loadStackConfig(__dirname, stack).config);
      assert.equal(parsed.environment, stack);
    }
  });

  for (const [title, raw, key, message] of cases) {
    it(`names ${key} for ${title}`, () => {
      const issues = issuesOf(raw);
      assert.equal(issues.length, 1, JSON.stringify(issues));
      assert.equal(issues[0].key, key);
      assert.match(issues[0].message, message);
    });
  }

  it("requires each receiver's credential, as a secret, naming the command that sets it", () => {
    const withoutCredentials = Object.fromEntries(
      Object.entries(dev).filter(([k]) => !/:(pagerdutyRoutingKey|slackWebhookUrl)$/.test(k)),
    );
    const secret = new Set(["acme-platform:pagerdutyRoutingKey", "acme-platform:slackWebhookUrl"]);
    assert.deepEqual(
      issuesOf(withoutCredentials).map((i) => [i.key, i.message]),
      [
        [
          "acme-platform:pagerdutyRoutingKey",
          "is required by observability.alerting.pager (type pagerduty); set it with `pulumi config set --secret pagerdutyRoutingKey <value>`",
        ],
        [
          "acme-platform:slackWebhookUrl",
          "is required by observability.alerting.chat (type slack); set it with `pulumi config set --secret slackWebhookUrl <value>`",
        ],
      ],
    );
    // Set in clear text: refused when the program can tell (the live runtime and the plan can).
    const plain = {
      ...withoutCredentials,
      "acme-platform:pagerdutyRoutingKey": "k",
      "acme-platform:slackWebhookUrl": "u",
    };
    assert.throws(
      () => parseStackConfig(plain, new Set(["acme-platform:slackWebhookUrl"])),
      (e: ConfigError) =>
        e.issues.length === 1 &&
        e.issues[0].key === "acme-platform:pagerdutyRoutingKey" &&
        /must be a secret; set it again with `pulumi config set --secret pagerdutyRoutingKey/.test(
          e.issues[0].message,
        ),
    );
    assert.equal(parseStackConfig(plain, secret).pagerdutyRoutingKey, "k");
    // An SNS pager needs no PagerDuty key.
    const sns = withChange("observability", (o) => {
      (o.alerting as Record<string, unknown>).pager = {
        type: "sns",
        topicArn: "arn:aws:sns:eu-west-1:111122223333:pager",
        region: "eu-west-1",
      };
      return o;
    });
    delete sns["acme-platform:pagerdutyRoutingKey"];
    assert.equal(parseStackConfig(sns).pagerdutyRoutingKey, undefined);
  });

  it("reports every problem at once", () => {
    const raw = withChange("cluster", (c) => {
      (c.nodeGroups as Record<string, Record<string, unknown>>).system.minSize = -2;
      return c;
    });
    raw["acme-platform:network"] = JSON.stringify({
      ...JSON.parse(raw["acme-platform:network"]),
      cidr: "not-a-cidr",
    });
    raw["acme-platform:surprise"] = "1";
    const keys = issuesOf(raw).map((i) => i.key);
    assert.deepEqual(keys, [
      "acme-platform:cluster.nodeGroups.system.minSize",
      "acme-platform:network.cidr",
      "acme-platform:surprise",
    ]);
  });

  it("parses alert threshold overrides, and applies dev's to the defaults", () => {
    const overrides = { mesh: { availabilityObjective: 0.995, shortWindow: "10m" }, kafka: {} };
    const parsed = parseStackConfig(withThresholds(overrides));
    assert.deepEqual(parsed.observability.alerting.thresholds, overrides);
    assert.deepEqual(
      parseStackConfig(withThresholds(undefined)).observability.alerting.thresholds,
      {},
    );
    const devThresholds = parseStackConfig(dev).observability.alerting.thresholds;
    assert.deepEqual(devThresholds, { sqs: { oldestMessageAgeSeconds: 3600 } });
    assert.deepEqual(withAlertThresholdOverrides(devThresholds), {
      ...DEFAULT_ALERT_THRESHOLDS,
      sqs: { ...DEFAULT_ALERT_THRESHOLDS.sqs, oldestMessageAgeSeconds: 3600 },
    });
  });

  it("ignores other providers' settings", () => {
    assert.doesNotThrow(() =>
      parseStackConfig({ ...dev, "kubernetes:context": "x", "aws:profile": "p" }),
    );
  });

  it("stops the program before any resource registers", async () => {
    const capture = await installMocks(
      new PlatformMocks({ accountId: MOCK_ACCOUNT_ID, region: "eu-west-1" }),
      PROJECT,
      "bad",
    );
    pulumi.runtime.setAllConfig({ ...dev, "acme-platform:network": "{}" }, []);
    // tsx may load this file and index.ts through different loaders, so match the error by name.
    assert.throws(
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loads the program as the language host does
      () => require(path.join(__dirname, "index.ts")),
      (e: Error) =>
        e.name === "ConfigError" &&
        (e as ConfigError).issues.some((i) => i.key === "acme-platform:network.cidr"),
    );
    await capture.settle();
    assert.equal(capture.resources.size, 0, "no resource, not even the stack, registered");
  });
});

describe("first-deployment configuration (docs/first-deployment.md)", () => {
  /** A committed stack's config with project keys replaced by mutations of their parsed values. */
  function stackWith(
    stack: string,
    changes: Record<string, (value: Record<string, unknown>) => unknown>,
  ): Record<string, string> {
    const raw = { ...loadStackConfig(__dirname, stack).config };
    for (const [key, mutate] of Object.entries(changes)) {
      const full = `${PROJECT}:${key}`;
      const current = full in raw ? (JSON.parse(raw[full]) as Record<string, unknown>) : {};
      const next = mutate(structuredClone(current));
      if (next === undefined) delete raw[full];
      else raw[full] = JSON.stringify(next);
    }
    return raw;
  }
  const privateEndpoint = (c: Record<string, unknown>) => ({
    ...c,
    endpointPublicAccess: false,
    publicAccessCidrs: [],
  });
  const staging = loadStackConfig(__dirname, "staging").config;
  const stagingDeployer = JSON.parse(staging[`${PROJECT}:deployer`]) as Record<string, unknown>;

  const firstDeploymentCases: Array<[string, Record<string, string>, string, RegExp]> = [
    [
      "a public endpoint open to a range instead of an operator's address",
      withChange("cluster", (c) => ({ ...c, publicAccessCidrs: ["198.51.100.0/24"] })),
      "acme-platform:cluster.publicAccessCidrs",
      /198\.51\.100\.0\/24 is a range; valid: single operator addresses such as "198\.51\.100\.7\/32"/,
    ],
    [
      "a public endpoint in prod, even to one address",
      stackWith("prod", {
        cluster: (c) => ({
          ...c,
          endpointPublicAccess: true,
          publicAccessCidrs: ["198.51.100.7/32"],
        }),
      }),
      "acme-platform:cluster.endpointPublicAccess",
      /must be false in prod \(EKS\.1: no public Kubernetes API\); deploy through acme-platform:deployer/,
    ],
    [
      "a private endpoint and no deployer",
      withChange("cluster", privateEndpoint),
      "acme-platform:deployer",
      /is required when acme-platform:cluster\.endpointPublicAccess is false/,
    ],
    [
      "kafka-provider topics and no deployer, with a public endpoint",
      withChange("messaging", (m) => ({
        ...m,
        kafka: { ...(m.kafka as object), topicManagement: "kafka-provider" },
      })),
      "acme-platform:messaging.kafka.topicManagement",
      /"kafka-provider" needs acme-platform:deployer: the brokers are private/,
    ],
    [
      "a bootstrap run of a stack whose endpoint is public",
      stackWith("dev", { deployer: () => ({ ...stagingDeployer, bootstrap: true }) }),
      "acme-platform:deployer.bootstrap",
      /is for stacks whose endpoint is private/,
    ],
    [
      "a deployer connection that is not a CodeConnections ARN",
      stackWith("staging", {
        deployer: (d) => ({
          ...d,
          repository: { ...(d.repository as object), connectionArn: "github-token" },
        }),
      }),
      "acme-platform:deployer.repository.connectionArn",
      /valid form: arn:aws:codeconnections:<region>:<account>:connection\/<id>/,
    ],
  ];
  for (const [title, raw, key, message] of firstDeploymentCases) {
    it(`names ${key} for ${title}`, () => {
      const issues = issuesOf(raw);
      assert.equal(issues.length, 1, JSON.stringify(issues));
      assert.equal(issues[0].key, key);
      assert.match(issues[0].message, message);
    });
  }

  it("names both keys when staging loses its deployer", () => {
    const keys = issuesOf(stackWith("staging", { deployer: () => undefined })).map((i) => i.key);
    assert.deepEqual(keys, [
      "acme-platform:deployer",
      "acme-platform:messaging.kafka.topicManagement",
    ]);
  });

  it("accepts staging's first (bootstrap) run, and defaults the deployer's settings", () => {
    const parsed = parseStackConfig(
      stackWith("staging", {
        deployer: (d) => ({
          repository: d.repository,
          logRetentionInDays: d.logRetentionInDays,
          bootstrap: true,
        }),
      }),
    );
    assert.deepEqual(parsed.deployer, {
      repository: stagingDeployer.repository,
      logRetentionInDays: stagingDeployer.logRetentionInDays,
      computeType: "BUILD_GENERAL1_MEDIUM",
      buildTimeoutMinutes: 120,
      bootstrap: true,
    });
    assert.equal(parseStackConfig(staging).deployer?.bootstrap, false);
  });
});

describe("workflow event triggers (platform.workflows.eventTriggers)", () => {
  it("lists none in every committed stack, and defaults to none when the key is absent", () => {
    for (const stack of ["dev", "staging", "prod"]) {
      const { config } = loadStackConfig(__dirname, stack);
      assert.deepEqual(parseStackConfig(config).platform.workflows.eventTriggers, [], stack);
    }
    const absent = withChange("platform", (p) => {
      delete (p.workflows as Record<string, unknown>).eventTriggers;
      return p;
    });
    assert.deepEqual(parseStackConfig(absent).platform.workflows.eventTriggers, []);
  });

  it("accepts domain-event types of other bounded contexts", () => {
    const triggers = [
      { type: "com.acme.orders.order-placed.v1" },
      { type: "com.acme.billing.invoice-paid.v12" },
    ];
    assert.deepEqual(
      parseStackConfig(withEventTriggers(triggers)).platform.workflows.eventTriggers,
      triggers,
    );
  });

  it("refuses every event type the worker's source names, so its own output never starts a workflow", () => {
    // Every CloudEvents type literal in the worker's code: what it publishes and what it sends.
    const dir = path.join(__dirname, "services/worker/src");
    const types = new Set<string>();
    for (const file of fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))) {
      for (const m of fs
        .readFileSync(path.join(dir, file), "utf8")
        .matchAll(/"(com\.acme\.[a-z0-9.-]+\.v[0-9]+)"/g)) {
        types.add(m[1]);
      }
    }
    assert.ok(types.has(TASK_COMPLETED_TYPE), `the scan finds ${TASK_COMPLETED_TYPE}`);
    assert.ok(types.has(WORK_TASK_TYPE), `the scan finds ${WORK_TASK_TYPE}`);
    for (const type of types) {
      const issues = issuesOf(withEventTriggers([{ type }]));
      assert.deepEqual(
        issues.map((i) => i.key),
        [`${EVENT_TRIGGERS}.0.type`],
        type,
      );
      assert.match(issues[0].message, /in a loop/, type);
    }
  });
});

describe("workflow engine (platform.workflows.engine)", () => {
  const ENGINE = `${PROJECT}:platform.workflows.engine`;
  const withEngine = (engine: unknown, cluster?: (c: Record<string, unknown>) => unknown) => {
    const raw = withChange("platform", (p) => ({
      ...p,
      workflows: { ...(p.workflows as object), engine },
    }));
    if (!cluster) return raw;
    const key = `${PROJECT}:cluster`;
    return {
      ...raw,
      [key]: JSON.stringify(cluster(JSON.parse(raw[key]) as Record<string, unknown>)),
    };
  };

  it("is argo in every committed stack, and defaults to argo when the key is absent", () => {
    for (const stack of ["dev", "staging", "prod"]) {
      const { config } = loadStackConfig(__dirname, stack);
      assert.equal(parseStackConfig(config).platform.workflows.engine, "argo", stack);
    }
    const absent = withChange("platform", (p) => {
      delete (p.workflows as Record<string, unknown>).engine;
      return p;
    });
    assert.equal(parseStackConfig(absent).platform.workflows.engine, "argo");
    assert.equal(
      parseStackConfig(withEngine("step-functions")).platform.workflows.engine,
      "step-functions",
      "dev's public endpoint admits the engine",
    );
  });

  it("refuses an unknown engine, listing the valid ones", () => {
    assert.deepEqual(issuesOf(withEngine("temporal")), [
      { key: ENGINE, message: 'must be one of "argo", "step-functions"' },
    ]);
  });

  it("runs step-functions steps on Fargate by default, which prod's private endpoint admits", () => {
    const { config } = loadStackConfig(__dirname, "prod");
    const key = `${PROJECT}:platform`;
    const platform = JSON.parse(config[key]) as { workflows: Record<string, unknown> };
    platform.workflows.engine = "step-functions";
    const parsed = parseStackConfig({ ...config, [key]: JSON.stringify(platform) });
    assert.equal(parsed.cluster.endpointPublicAccess, false);
    assert.equal(parsed.platform.workflows.stepRunner, "fargate");
  });

  it("refuses the eks runner with a private endpoint, naming both keys, the AWS limitation and the alternatives", () => {
    const raw = withEngine("step-functions", (c) => ({
      ...c,
      endpointPublicAccess: false,
      publicAccessCidrs: [],
    }));
    const key = `${PROJECT}:platform`;
    const platform = JSON.parse(raw[key]) as { workflows: Record<string, unknown> };
    platform.workflows.stepRunner = "eks";
    raw[key] = JSON.stringify(platform);
    const issues = issuesOf(raw).filter(
      (i) => i.key === `${PROJECT}:platform.workflows.stepRunner`,
    );
    assert.equal(issues.length, 1);
    const [{ message }] = issues;
    assert.match(
      message,
      /needs acme-platform:cluster\.endpointPublicAccess true, and it is false/,
    );
    assert.match(message, /supports only Kubernetes APIs with public endpoint access/);
    assert.match(message, /connect-eks\.html/);
    assert.match(message, /use "fargate" \(the default\), or "argo" as the engine/);
  });

  it("refuses step-functions with domain-event triggers, which only the Argo Events sensor runs", () => {
    const raw = withChange("platform", (p) => ({
      ...p,
      workflows: {
        ...(p.workflows as object),
        engine: "step-functions",
        eventTriggers: [{ type: "com.acme.orders.order-placed.v1" }],
      },
    }));
    assert.deepEqual(
      issuesOf(raw).map((i) => i.key),
      [EVENT_TRIGGERS],
    );
    assert.match(
      issuesOf(raw)[0].message,
      /must be empty with acme-platform:platform\.workflows\.engine "step-functions"/,
    );
  });
});
