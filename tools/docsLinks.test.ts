/**
 * The documentation's links and layout: every relative link in README.md and docs/ reaches an
 * existing file (and, with a `#fragment`, an existing heading of that file), and every domain
 * under components/ has its page, docs/<domain>.md.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

const ROOT = path.resolve(__dirname, "..");

/** README.md and every Markdown file under docs/, relative to the repository root. */
function markdownFiles(): string[] {
  const found = ["README.md"];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith(".md")) found.push(rel);
    }
  };
  walk("docs");
  return found.sort();
}

/** Link targets of a Markdown text, outside code blocks and code spans. */
export function linkTargets(markdown: string): string[] {
  const prose = markdown
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "")
    .replace(/`[^`\n]*`/g, "");
  return [...prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map(
    (m) => m[1],
  );
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as dashes. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** The anchors of a Markdown file's headings, with GitHub's `-1`, `-2` suffixes for repeats. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const prose = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
  for (const m of prose.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = headingAnchor(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Why a relative link from `file` is broken, or undefined when it resolves. */
function problem(file: string, target: string): string | undefined {
  const [pathPart, fragment] = target.split("#", 2);
  const resolved = pathPart ? path.join(path.dirname(file), decodeURI(pathPart)) : file;
  const absolute = path.join(ROOT, resolved);
  if (!fs.existsSync(absolute)) return `${resolved} does not exist`;
  if (fragment && absolute.endsWith(".md")) {
    if (!anchorsOf(fs.readFileSync(absolute, "utf8")).has(fragment)) {
      return `${resolved} has no heading #${fragment}`;
    }
  }
  return undefined;
}

describe("documentation links and layout", () => {
  it("finds links the way a Markdown renderer does", () => {
    assert.deepEqual(
      linkTargets(
        "[a](docs/a.md) `[b](no.md)` ![c](img.png)\n```\n[d](no.md)\n```\n[e](https://x.y) [f](#top)",
      ),
      ["docs/a.md", "img.png", "https://x.y", "#top"],
    );
    assert.equal(
      headingAnchor("Reaching Grafana, Kibana, Jaeger, Prometheus and Alertmanager"),
      "reaching-grafana-kibana-jaeger-prometheus-and-alertmanager",
    );
    assert.equal(headingAnchor("`network`"), "network");
    assert.equal(headingAnchor("Step 1 — bootstrap run"), "step-1--bootstrap-run");
  });

  it("every relative link in README.md and docs/ reaches an existing file and heading", () => {
    const broken: string[] = [];
    let checked = 0;
    for (const file of markdownFiles()) {
      for (const target of linkTargets(fs.readFileSync(path.join(ROOT, file), "utf8"))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        checked++;
        const why = problem(file, target);
        if (why) broken.push(`${file}: (${target}) ${why}`);
      }
    }
    assert.deepEqual(broken, []);
    assert.ok(checked > 30, `only ${checked} relative links found; is the link pattern right?`);
  });

  it("every components/<domain> has its page docs/<domain>.md, linked from README.md", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const linked = new Set(linkTargets(readme));
    const missing = fs
      .readdirSync(path.join(ROOT, "components"), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => `docs/${d.name}.md`)
      .filter((page) => !fs.existsSync(path.join(ROOT, page)) || !linked.has(page));
    assert.deepEqual(missing, [], "add the page and link it from README.md's domain table");
  });
});
