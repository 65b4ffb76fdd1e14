/**
 * The chart pin table against the shared catalog (each pin is a chart the catalog holds, at that
 * version, from that repository, with its values.yaml) and against the prose: a version of a pinned
 * chart named in the README or under docs/ must be the pinned one.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { chartValuesPath, readCatalog } from "../../tools/checks/shared";
import { type ChartPin, CHARTS } from "./charts";

const REPO_ROOT = path.resolve(__dirname, "../..");
const pins: [string, ChartPin][] = Object.entries(CHARTS);

/** A version as docs write it after a chart name: `88.5.3`, `v1.21.1`, `2026.8.3`. */
const VERSION = String.raw`v?\d+\.\d+\.\d+`;

/**
 * Each `<chart> <version>` in `text`: the chart name (not part of a longer name) followed by a
 * dash (a source tag, `argo-events-2.4.22`) or by spaces, backticks, asterisks and table bars.
 */
function chartVersionMentions(text: string, chart: string): { version: string; line: number }[] {
  const name = chart.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const re = new RegExp(String.raw`(?<![\w-])${name}(?:-|[\s\`*|]+)(${VERSION})(?![\w.-]*\w)`, "g");
  return [...text.matchAll(re)].map((m) => ({
    version: m[1],
    line: text.slice(0, m.index).split("\n").length,
  }));
}

/** A version without its `v`, as applications are named both ways (`jaeger v2.19.0`, `2.19.0`). */
const bare = (version: string): string => version.replace(/^v/, "");

/** README.md and every Markdown file under docs/. */
function docs(): string[] {
  const walk = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((e) =>
        e.isDirectory()
          ? walk(path.join(dir, e.name))
          : e.name.endsWith(".md")
            ? [path.join(dir, e.name)]
            : [],
      );
  return [
    "README.md",
    ...walk(path.join(REPO_ROOT, "docs")).map((f) => path.relative(REPO_ROOT, f)),
  ];
}

describe("chart pins (components/lib/charts.ts)", () => {
  it("pins each chart once, to an exact version", () => {
    const names = pins.map(([, p]) => p.name);
    assert.deepEqual(
      names.filter((n, i) => names.indexOf(n) !== i),
      [],
      "a chart pinned twice",
    );
    const inexact = pins.filter(([, p]) => !new RegExp(`^${VERSION}$`).test(p.version));
    assert.deepEqual(inexact, [], "versions are exact, never ranges");
  });

  it("finds every pin in the shared catalog, from the same repository, with its values.yaml", () => {
    const catalog = readCatalog().charts;
    const problems = pins.flatMap(([key, pin]) => {
      const entry = catalog.find((c) => c.name === pin.name && c.version === pin.version);
      if (!entry) {
        const listed = catalog.filter((c) => c.name === pin.name).map((c) => c.version);
        return [
          `${key}: the catalog has no ${pin.name} ${pin.version} (it lists ${listed.join(", ") || "none"}); add it to the shared catalog or pin a listed version`,
        ];
      }
      return [
        ...(entry.helmRepoUrl === pin.repo
          ? []
          : [`${key}: repo ${pin.repo}, the catalog's helmRepoUrl is ${entry.helmRepoUrl}`]),
        ...(pin.appVersion === undefined || entry.appVersion === pin.appVersion
          ? []
          : [`${key}: appVersion ${pin.appVersion}, the catalog's is ${entry.appVersion}`]),
        ...(fs.existsSync(chartValuesPath(pin))
          ? []
          : [`${key}: ${chartValuesPath(pin)} is missing`]),
      ];
    });
    assert.deepEqual(problems, []);
  });

  it("installs no chart the catalog marks deprecated", () => {
    const deprecated = readCatalog()
      .charts.filter((c) => (c as { deprecated?: boolean }).deprecated)
      .map((c) => c.name);
    assert.ok(deprecated.length > 0, "the catalog marks some charts deprecated");
    assert.deepEqual(
      pins.filter(([, p]) => deprecated.includes(p.name)).map(([key]) => key),
      [],
    );
  });

  it("finds `<chart> <version>` in prose, as a tag and in a table, and nothing longer", () => {
    const text = [
      "kube-prometheus-stack 88.5.3 and `argo-events` **2.4.22**, tag argo-events-2.4.22,",
      "| `cert-manager` | `v1.21.1` |; not argo-events-controller 1.0.0, nor my-argo-events 9.9.9,",
      "nor argo-events 2.4.22-rc.1.",
    ].join("\n");
    assert.deepEqual(chartVersionMentions(text, "argo-events"), [
      { version: "2.4.22", line: 1 },
      { version: "2.4.22", line: 1 },
    ]);
    assert.deepEqual(chartVersionMentions(text, "kube-prometheus-stack"), [
      { version: "88.5.3", line: 1 },
    ]);
    assert.deepEqual(chartVersionMentions(text, "cert-manager"), [{ version: "v1.21.1", line: 2 }]);
  });

  it("names only the pinned version (or its app version) of a pinned chart in the README and docs/", () => {
    const catalog = readCatalog().charts;
    const stale = docs().flatMap((file) => {
      const text = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
      return pins.flatMap(([key, pin]) => {
        // `jaeger v2.19.0` names the application the pinned chart installs, which is current too.
        const app = catalog.find(
          (c) => c.name === pin.name && c.version === pin.version,
        )?.appVersion;
        return chartVersionMentions(text, pin.name)
          .filter((m) => m.version !== pin.version && bare(m.version) !== bare(app ?? ""))
          .map(
            (m) =>
              `${file}:${m.line}: ${pin.name} ${m.version}, but CHARTS.${key} pins ${pin.version} (app ${app}); write the pinned version or point to components/lib/charts.ts`,
          );
      });
    });
    assert.deepEqual(stale, []);
  });
});
