import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { runTool } from "../../tools/checks/promtool";
import { deployedAlerting } from "../../tools/plan";
import { cachedPlan } from "../../tools/planCache";
import { ruleFileYaml } from "./alertRules";
import {
  HEALTHY_EVAL_TIMES,
  HEALTHY_METRICS,
  type HealthyStackProbe,
  healthyStackFacts,
  healthyTestFile,
  goDurationSeconds,
  metricsSelectedBy,
} from "./healthyStack";

const STACKS = ["dev", "staging", "prod"] as const;

/** The stack's deployed rule groups and the facts of its graph, from its (shared) plan. */
function probe(stack: string): HealthyStackProbe {
  const plan = cachedPlan(stack);
  return {
    stack,
    groups: deployedAlerting(plan.checkable).groups,
    facts: healthyStackFacts(plan.checkable),
  };
}

/** Writes the stack's rules and healthy test file into `dir`; runs promtool once on them. */
function promtoolHealthy(dir: string, p: HealthyStackProbe, series = p.facts) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "rules.yaml"), ruleFileYaml(p.groups));
  fs.writeFileSync(
    path.join(dir, "healthy.test.yaml"),
    healthyTestFile("rules.yaml", p.groups, series),
  );
  return runTool("promtool", ["test", "rules", "healthy.test.yaml"], dir);
}

describe("a freshly deployed healthy stack fires no alert", () => {
  let dir: string;
  const probes: Record<string, HealthyStackProbe> = {};

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "healthy-stack-"));
    for (const s of STACKS) probes[s] = probe(s);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const stack of STACKS) {
    it(`${stack}: no alert of any severity at ${HEALTHY_EVAL_TIMES.join(", ")} (promtool)`, () => {
      const p = probes[stack];
      const rules = p.groups.flatMap((g) => g.rules);
      assert.ok(rules.length >= 15, "the stack's rules were read");
      // Each alert that could be pending at 0m has an evaluation time past its `for:` (1h5m, 6h).
      const late = rules.filter((r) => goDurationSeconds(r.for) > 3600).map((r) => r.alert);
      assert.deepEqual(late, [], "a `for:` beyond 1h needs a later HEALTHY_EVAL_TIMES entry");
      const r = promtoolHealthy(path.join(dir, stack), p);
      assert.equal(r.code, 0, `alerts fire on ${stack}'s healthy series:\n${r.output}`);
      assert.match(r.output, /SUCCESS/);
    });
  }

  it("derives the healthy series' labels from the graph", () => {
    for (const stack of STACKS) {
      const f = probes[stack].facts;
      // The monitors and scrape configs the stack deploys, as prometheus-operator names jobs.
      for (const job of [
        "monitoring/linkerd-proxy",
        "monitoring/linkerd-control-plane",
        "monitoring/cert-manager",
        "elasticsearch-exporter",
        "msk-jmx-exporter",
        "msk-node-exporter",
      ])
        assert.ok(f.jobs.includes(job), `${stack}: job ${job} in ${f.jobs.join(", ")}`);
      // No stack lists platform.workflows.eventTriggers, so none has the events bridge queue.
      assert.equal(f.queues.length, 4, `${stack}: two queues (work, task) and their DLQs`);
      assert.equal(f.queues.filter((q) => /-dlq-[0-9a-f]{7}$/.test(q)).length, 2);
      assert.deepEqual(f.elasticsearchClusters, ["logs"]);
      assert.deepEqual(f.services, [
        { namespace: "services", name: "service-a" },
        { namespace: "services", name: "worker" },
      ]);
      assert.deepEqual(
        f.certificates.find((c) => c.name === "linkerd-identity-issuer"),
        { namespace: "linkerd", name: "linkerd-identity-issuer", durationSeconds: 48 * 3600 },
      );
    }
  });

  it("fails loudly when the series are not healthy: the rules see them", () => {
    // Proves the quiet result above is not vacuous: the same generator with unhealthy facts
    // (a certificate about to expire, an unknown cluster instead of the real one) makes the
    // alerts over those series fire, and promtool names them.
    const p = probes.prod;
    const sick = {
      ...p.facts,
      certificates: p.facts.certificates.map((c) =>
        c.name === "linkerd-identity-issuer" ? { ...c, durationSeconds: 3600 } : c,
      ),
      elasticsearchClusters: [],
    };
    const r = promtoolHealthy(path.join(dir, "sick"), p, sick);
    assert.notEqual(r.code, 0);
    assert.match(r.output, /alertname: LinkerdIdentityIssuerExpiringSoon/);
    assert.match(r.output, /alertname: ElasticsearchHealthUnknown/);
    assert.doesNotMatch(r.output, /alertname: SqsDeadLetterQueueNotEmpty/);
  });

  it("covers every metric the rules read with a healthy series", () => {
    for (const stack of STACKS) {
      const read = probes[stack].groups.flatMap((g) =>
        g.rules.flatMap((r) => metricsSelectedBy(r.expr)),
      );
      assert.deepEqual(
        [...new Set(read)].filter((m) => !(m in HEALTHY_METRICS)),
        [],
        `${stack}: metrics without a healthy series`,
      );
    }
    assert.deepEqual(
      metricsSelectedBy(
        '100 * (sum by (integration) (rate(alertmanager_notifications_failed_total{a="b(c)"}[5m])) / count without (x) (up == 0)) > 1 and on (job) vector(1)',
      ),
      ["alertmanager_notifications_failed_total", "up"],
    );
  });
});
