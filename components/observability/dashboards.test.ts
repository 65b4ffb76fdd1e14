/**
 * The dashboards of `dashboards/*.json`: valid dashboard JSON, every PromQL expression parses
 * (`promtool check rules`), and every datasource they name is one the Monitoring component
 * provisions.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { chartValuesPath } from "../../tools/checks/shared";
import { CHARTS } from "../lib";
import { dashboardFiles, DATASOURCE_UIDS } from "./grafana";
import { kubePrometheusStackValues } from "./monitoring";

interface Target {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  title: string;
  type: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; datasource?: { uid?: string } }> };
}

const dashboards = dashboardFiles().map(({ file, json }) => ({
  file,
  dashboard: JSON.parse(json) as Dashboard,
}));

/** Every panel, rows' collapsed panels included. */
const allPanels = (panels: Panel[]): Panel[] =>
  panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);

/**
 * Grafana's built-in and dashboard variables replaced by values of the same PromQL type, so the
 * expression parses as Prometheus will see it after Grafana's interpolation.
 */
export function substituteVariables(expr: string): string {
  return expr
    .replace(/\$__(rate_interval|interval|range)\b/g, "5m")
    .replace(/\$__range_s\b/g, "300")
    .replace(/\$\{?(\w+)(:\w+)?\}?/g, "placeholder");
}

/** The UIDs of the datasources the stack provisions, read from the rendered values. */
function provisionedUids(): Set<string> {
  const values = kubePrometheusStackValues({
    highAvailability: false,
    prometheus: { retention: "15d", storageGiB: 10 },
    storageClassName: "gp3-encrypted",
    grafanaAdminSecretName: "grafana-admin",
    elasticsearchUrl: "https://es:9200",
    elasticsearchIndex: "logs-acme-*",
    elasticsearchUsername: "acme-grafana",
    elasticsearchCaPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    tracingQueryUrl: "http://jaeger:16686",
    mskHosts: [],
  });
  const chartDefaults = parse(
    fs.readFileSync(chartValuesPath(CHARTS.kubePrometheusStack), "utf8"),
  ) as {
    grafana: { sidecar: { datasources: { alertmanager: { enabled: boolean; uid: string } } } };
  };
  const alertmanager = chartDefaults.grafana.sidecar.datasources.alertmanager;
  assert.equal(alertmanager.enabled, true, "the chart provisions the Alertmanager datasource");
  return new Set([
    values.grafana.sidecar.datasources.uid,
    alertmanager.uid,
    ...values.grafana.additionalDataSources.map((d) => String(d.uid)),
  ]);
}

describe("dashboards", () => {
  it("ships the five platform dashboards with unique UIDs and panel ids", () => {
    assert.deepEqual(
      dashboards.map((d) => [d.file, d.dashboard.uid]),
      [
        ["logging.json", "acme-logging"],
        ["mesh.json", "acme-mesh"],
        ["platform-overview.json", "acme-platform-overview"],
        ["queues.json", "acme-queues"],
        ["workflows.json", "acme-workflows"],
      ],
    );
    for (const { file, dashboard } of dashboards) {
      assert.ok(dashboard.title, `${file} has a title`);
      const ids = allPanels(dashboard.panels).map((p) => p.id);
      assert.equal(new Set(ids).size, ids.length, `${file} has unique panel ids`);
      for (const p of allPanels(dashboard.panels)) {
        if (p.type === "row") continue;
        assert.ok((p.targets ?? []).length > 0, `${file} "${p.title}" has a query`);
      }
    }
  });

  it("names only datasources the stack provisions, by UID", () => {
    const provisioned = provisionedUids();
    assert.deepEqual(
      [...provisioned].sort(),
      Object.values(DATASOURCE_UIDS).sort(),
      "DATASOURCE_UIDS lists what is provisioned",
    );
    for (const { file, dashboard } of dashboards) {
      const refs = [
        ...allPanels(dashboard.panels).flatMap((p) => [
          p.datasource,
          ...(p.targets ?? []).map((t) => t.datasource),
        ]),
        ...dashboard.templating.list.map((v) => v.datasource),
      ].filter((d) => d !== undefined);
      for (const ref of refs) {
        assert.equal(typeof ref.uid, "string", `${file}: datasource reference without a uid`);
        assert.ok(provisioned.has(ref.uid as string), `${file}: unknown datasource ${ref.uid}`);
      }
    }
  });

  it("has only PromQL that promtool parses", () => {
    const exprs = dashboards.flatMap(({ file, dashboard }) =>
      allPanels(dashboard.panels).flatMap((p) =>
        (p.targets ?? [])
          .filter((t) => p.datasource?.uid === DATASOURCE_UIDS.prometheus || t.expr !== undefined)
          .map((t) => ({ where: `${file} "${p.title}" ${t.refId}`, expr: t.expr })),
      ),
    );
    assert.ok(exprs.length >= 30, `found ${exprs.length} expressions`);
    for (const e of exprs) assert.equal(typeof e.expr, "string", `${e.where} has an expr`);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dashboards-"));
    try {
      const file = path.join(dir, "dashboards.rules.yaml");
      fs.writeFileSync(
        file,
        stringify({
          groups: [
            {
              name: "dashboards",
              rules: exprs.map((e, n) => ({
                record: `dashboard:check:${n}`,
                expr: substituteVariables(e.expr as string),
              })),
            },
          ],
        }),
      );
      try {
        const out = execFileSync("promtool", ["check", "rules", file], { encoding: "utf8" });
        assert.match(out, new RegExp(`SUCCESS: ${exprs.length} rules found`));
      } catch (e) {
        const err = e as { stdout?: string; stderr?: string };
        const where = exprs.map((x, n) => `dashboard:check:${n} = ${x.where}`).join("\n");
        assert.fail(`promtool rejected a dashboard query:\n${err.stdout}${err.stderr}\n${where}`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("substitutes Grafana variables with values of the right type", () => {
    assert.equal(
      substituteVariables('rate(x{ns=~"$namespace",a="${app}"}[$__rate_interval])'),
      'rate(x{ns=~"placeholder",a="placeholder"}[5m])',
    );
  });
});
