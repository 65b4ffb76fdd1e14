import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { stringify } from "yaml";
import {
  isRunbookUrlFor,
  runbookPath,
} from "../../policies/rules/kubernetes/PrometheusRule/enforceRunbookUrl";
import { createMetrics } from "../../services/kit/src/metrics";
import { validateCustomResource } from "../../tools/checks/crdSchemas";
import { promtoolTestRules, runTool } from "../../tools/checks/promtool";
import { ruleFileYaml, type AlertRule } from "../observability/alertRules";
import { DATASOURCE_UIDS } from "../observability/grafana";
import {
  type BurnAlertClass,
  KIT_HTTP_BUCKETS_SECONDS,
  KIT_METRICS,
  SLO_BURN_WINDOWS,
  serviceObservability,
  type ServiceObservabilityArgs,
  serviceRuleGroup,
  validateServiceObservabilityArgs,
} from "./serviceObservability";

const REPO_ROOT = path.resolve(__dirname, "../..");
const FIXTURE = path.join(__dirname, "testdata", "service-slo.test.yaml");

/** Service A as the fixture expects it: every objective the fixture's series are built from. */
function args(overrides: Partial<ServiceObservabilityArgs> = {}): ServiceObservabilityArgs {
  return {
    name: "service-a",
    namespace: "apps",
    portName: "http",
    serviceSelector: { "app.kubernetes.io/name": "service-a" },
    slo: {
      availabilityTarget: 0.999,
      latencyThresholdSeconds: 0.5,
      latencyTarget: 0.99,
      messageSuccessTarget: 0.99,
      breakerOpenFor: "5m",
    },
    consumes: { queueNamePatterns: ["task-queue-[0-9a-f]{7}"], consumerGroups: ["worker"] },
    ...overrides,
  };
}

describe("service metric names", () => {
  it("are exactly the families the service kit registers, with the named buckets", async () => {
    const kit = createMetrics("service-a", { processMetrics: false });
    const families = (await kit.registry.getMetricsAsJSON()).map((m) => m.name).sort();
    assert.deepEqual(families, Object.values(KIT_METRICS).sort());
    const buckets = (kit.httpRequestDuration as unknown as { upperBounds: number[] }).upperBounds;
    assert.deepEqual(buckets, KIT_HTTP_BUCKETS_SECONDS);
  });
});

describe("service SLO rules", () => {
  const obs = serviceObservability(args());
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "service-slo-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Writes the rules (optionally mutated) and the fixture into a new directory; its test file. */
  const writeCase = (rules: AlertRule[]): string => {
    const sub = fs.mkdtempSync(path.join(dir, "case-"));
    fs.writeFileSync(
      path.join(sub, "service-a.rules.yaml"),
      ruleFileYaml([{ ...obs.ruleGroup, rules }]),
    );
    fs.copyFileSync(FIXTURE, path.join(sub, "service-slo.test.yaml"));
    return path.relative(dir, path.join(sub, "service-slo.test.yaml"));
  };

  it("has page and ticket burn alerts per objective and the breaker alert, each documented", () => {
    assert.deepEqual(
      obs.ruleGroup.rules.map((r) => [r.alert, r.labels.severity, r.for]),
      [
        ["ServiceErrorBudgetBurn", "critical", "2m"],
        ["ServiceErrorBudgetBurnTicket", "warning", "15m"],
        ["ServiceLatencyBudgetBurn", "critical", "2m"],
        ["ServiceLatencyBudgetBurnTicket", "warning", "15m"],
        ["ServiceMessageFailureBudgetBurn", "critical", "2m"],
        ["ServiceMessageFailureBudgetBurnTicket", "warning", "15m"],
        ["ServiceCircuitBreakerOpen", "warning", "5m"],
      ],
    );
    for (const r of obs.ruleGroup.rules) {
      assert.ok(r.annotations.summary && r.annotations.description, r.alert);
      assert.ok(isRunbookUrlFor(r.annotations.runbook_url, r.alert), r.alert);
      assert.ok(fs.existsSync(path.join(REPO_ROOT, runbookPath(r.alert))), `runbook ${r.alert}`);
    }
  });

  it("has no message alerts for a service that consumes nothing", () => {
    const slo = { ...args().slo, messageSuccessTarget: undefined };
    const alerts = serviceRuleGroup(args({ slo })).rules.map((r) => r.alert);
    assert.ok(!alerts.some((a) => a.includes("Message")));
  });

  it("interpolates the objectives and the workbook's windows", () => {
    const page = obs.ruleGroup.rules[0].expr;
    assert.match(page, /\[1h\]\)\)\) > 0\.0144\nand\n.*\[5m\]\)\)\) > 0\.0144/);
    assert.match(page, /\[6h\]\)\)\) > 0\.006\nand\n.*\[30m\]\)\)\) > 0\.006/);
    const ticket = obs.ruleGroup.rules[1].expr;
    assert.match(ticket, /\[1d\]\)\)\) > 0\.003\n/);
    assert.match(ticket, /\[3d\]\)\)\) > 0\.001\n/);
    const latency = serviceRuleGroup(args({ slo: { ...args().slo, latencyThresholdSeconds: 1 } }))
      .rules[2].expr;
    assert.match(latency, /le=~"1\(\\\\\.0\)\?"/);
  });

  it("passes promtool check rules and validates as a PrometheusRule", () => {
    const file = path.join(dir, "check.rules.yaml");
    fs.writeFileSync(file, ruleFileYaml([obs.ruleGroup]));
    const r = runTool("promtool", ["check", "rules", file]);
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(validateCustomResource(obs.prometheusRule), []);
  });

  it("passes the fixture's firing and quiet cases, and fails it when a rule is weakened", () => {
    const pageIndex = 0;
    const halvedPage = (rules: AlertRule[]) => {
      const windows: BurnAlertClass[] = SLO_BURN_WINDOWS.map((w) => ({
        ...w,
        pairs: w.pairs.map((p) => ({ ...p, factor: p.factor / 2 })),
      }));
      const halved = serviceRuleGroup(args(), windows).rules;
      return rules.map((r, i) => (i === pageIndex ? halved[i] : r));
    };
    const cases = {
      shipped: writeCase(obs.ruleGroup.rules),
      // Burn factors halved: the short spike now pages.
      halved: writeCase(halvedPage(obs.ruleGroup.rules)),
      // Only the short window: the spike pages at once.
      shortOnly: writeCase(
        obs.ruleGroup.rules.map((r, i) =>
          i === pageIndex
            ? { ...r, expr: r.expr.split("\nand\n")[1].split("\nor\n")[0].replace(/\)$/, "") }
            : r,
        ),
      ),
      // No for: the page fires while it should still be pending.
      noFor: writeCase(
        obs.ruleGroup.rules.map((r, i) => (i === pageIndex ? { ...r, for: "0m" } : r)),
      ),
      // A breaker alert without its for: fires on the two-minute opening.
      breakerNoFor: writeCase(
        obs.ruleGroup.rules.map((r) =>
          r.alert === "ServiceCircuitBreakerOpen" ? { ...r, for: "0m" } : r,
        ),
      ),
    };
    const outcomes = promtoolTestRules(Object.values(cases), dir);
    const shipped = outcomes.get(cases.shipped)!;
    assert.ok(shipped.passed, shipped.output);
    for (const [name, file] of Object.entries(cases).filter(([n]) => n !== "shipped")) {
      const o = outcomes.get(file)!;
      assert.ok(!o.passed, `${name}: promtool did not notice`);
      const alert =
        name === "breakerNoFor" ? "ServiceCircuitBreakerOpen" : "ServiceErrorBudgetBurn";
      assert.match(o.output, new RegExp(`alertname: ${alert}\\b`), name);
    }
    assert.match(
      outcomes.get(cases.halved)!.output,
      /one-minute spike/,
      "the halved factors fail the short-spike case",
    );
  });

  it("rejects bad objectives, naming every field", () => {
    const errors = validateServiceObservabilityArgs(
      args({
        portName: "HTTP",
        slo: {
          availabilityTarget: 99.9,
          latencyThresholdSeconds: 0.3,
          latencyTarget: 1,
          messageSuccessTarget: 0,
          breakerOpenFor: "5 minutes" as "5m",
        },
        consumes: { queueNamePatterns: ["task-queue-["] },
      }),
      [
        {
          suffix: "",
          severity: "critical",
          for: "2m",
          pairs: [{ long: "5m", short: "1h", factor: 0 }],
        },
      ],
    );
    assert.deepEqual(
      errors.map((e) => e.propertyPath),
      [
        "portName",
        "slo.availabilityTarget",
        "slo.latencyTarget",
        "slo.messageSuccessTarget",
        "slo.latencyThresholdSeconds",
        "slo.breakerOpenFor",
        "consumes.queueNamePatterns[0]",
        "windows[0].pairs[0].short",
        "windows[0].pairs[0].factor",
      ],
    );
    assert.match(errors[4].reason, /0\.3 is not a bucket of http_server_request_duration_seconds/);
    assert.throws(
      () => serviceObservability(args({ slo: { ...args().slo, latencyTarget: 1 } })),
      /serviceRuleGroup: 1 invalid argument:\n {2}- slo\.latencyTarget: must be a share in \(0, 1\)/,
    );
  });
});

describe("service ServiceMonitor", () => {
  const { serviceMonitor } = serviceObservability(args());
  it("scrapes /metrics on the named port of the service's own Service", () => {
    assert.deepEqual(validateCustomResource(serviceMonitor), []);
    assert.deepEqual(serviceMonitor.spec, {
      selector: { matchLabels: { "app.kubernetes.io/name": "service-a" } },
      namespaceSelector: { matchNames: ["apps"] },
      endpoints: [{ port: "http", path: "/metrics", interval: "30s", scrapeTimeout: "10s" }],
    });
  });
});

describe("service dashboard", () => {
  const obs = serviceObservability(args());
  type Panel = {
    id: number;
    title: string;
    datasource: { uid: string };
    targets: Array<{ expr: string; datasource: { uid: string } }>;
  };
  const dashboard = obs.dashboard as { uid: string; panels: Panel[] };

  it("is delivered as a sidecar ConfigMap holding the dashboard JSON", () => {
    const cm = obs.dashboardConfigMap as {
      metadata: { name: string; namespace: string; labels: Record<string, string> };
      data: Record<string, string>;
    };
    assert.equal(cm.metadata.name, "dashboard-service-a");
    assert.equal(cm.metadata.namespace, "apps");
    assert.equal(cm.metadata.labels.grafana_dashboard, "1");
    assert.deepEqual(JSON.parse(cm.data["service-a.json"]), dashboard);
    assert.ok(dashboard.uid.length <= 40);
  });

  it("has the requests, errors, latency, breaker, message and queue panels", () => {
    assert.deepEqual(
      dashboard.panels.map((p) => p.title),
      [
        "Requests by route",
        "Error share (5xx)",
        "Latency",
        "Circuit breakers open",
        "Messages by outcome",
        "Queue depth and age of oldest message",
        "Consumer lag",
      ],
    );
    const ids = dashboard.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.match(dashboard.panels[2].targets[0].expr, /histogram_quantile\(0\.5,/);
    assert.match(dashboard.panels[2].targets[1].expr, /histogram_quantile\(0\.99,/);
    const uids = Object.values(DATASOURCE_UIDS) as string[];
    for (const p of dashboard.panels) {
      assert.ok(uids.includes(p.datasource.uid), p.title);
      for (const t of p.targets) assert.ok(uids.includes(t.datasource.uid), p.title);
    }
  });

  it("has only PromQL that promtool parses", () => {
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "service-dashboard-"));
    try {
      const file = path.join(dir, "dashboard.rules.yaml");
      const rules = exprs.map((expr, n) => ({
        record: `dashboard:check:${n}`,
        expr: expr.replace(/\$__rate_interval/g, "5m"),
      }));
      fs.writeFileSync(file, stringify({ groups: [{ name: "dashboard", rules }] }));
      const out = execFileSync("promtool", ["check", "rules", file], { encoding: "utf8" });
      assert.match(out, new RegExp(`SUCCESS: ${exprs.length} rules found`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
