/**
 * The pack's control coverage of one stack: for the resource types the stack's graph holds, every
 * control of the shared set (`security-controls.json`, read from `$SHARED_DIR` or `../shared`
 * beside the checkout, never copied) that applies, the rules that name it, and whether it is
 * enforced (an enabled rule names it), waived (`policies/waivers.ts` covers it for this stack) or
 * missing. `npm run policy -- --coverage <stack.json>` prints it and the offline plan prints its
 * counts; a missing control fails the CLI.
 *
 * A control applies when one of its types (`resourceType`, `altResourceTypes`, without the notes
 * the catalog adds in parentheses or a property after the type, as in `...:Bucket.loggings`) is in
 * the graph, or when the resource such a type configures is: a bucket's settings (policy, logging,
 * versioning, ...) and a queue's, topic's or repository's policy live on side resources, and a
 * missing side resource is exactly what such a control catches.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { PolicyPackConfig } from "@pulumi/policy";
import type { AcmePolicy } from "./policy";
import { isRecord } from "./values";

/** The control categories of the shared set, in report order. */
export const CATEGORIES = ["at-rest", "in-transit", "access", "logging", "resilience"] as const;
export type Category = (typeof CATEGORIES)[number];

/** The fields of a shared control the report reads. */
export interface Control {
  id: string;
  title: string;
  category: Category;
  resourceType: string;
  altResourceTypes?: string[];
  severity: string;
}

/**
 * A decision not to enforce a control, with its reason. `stacks` limits it to those stacks (dev
 * keeping logs for less than a year); without it the waiver holds for every stack.
 */
export interface Waiver {
  control: string;
  reason: string;
  stacks?: readonly string[];
}

export type CoverageStatus = "enforced" | "waived" | "missing";

/** One applicable control in a report. */
export interface CoverageEntry {
  control: string;
  category: Category;
  title: string;
  status: CoverageStatus;
  /** Enabled rules naming the control, as `<name> (<level>)`. */
  rules: string[];
  /** The waiver's reason, for a waived control. */
  reason?: string;
}

/** Counts of one category, or of all. */
export interface CoverageCounts {
  enforced: number;
  waived: number;
  missing: number;
}

/** What {@link coverageOf} finds. */
export interface CoverageReport {
  stack: string;
  entries: CoverageEntry[];
  byCategory: Record<Category, CoverageCounts>;
  total: CoverageCounts;
}

/** The catalog or the waivers cannot be used. */
export class CoverageError extends Error {}

/** Where the shared catalog is: `$SHARED_DIR`, else `shared/` beside the repository. */
export function sharedDir(): string {
  return path.resolve(process.env.SHARED_DIR ?? path.join(__dirname, "..", "..", "..", "shared"));
}

/** The shared control set. */
export function loadControls(dir = sharedDir()): Control[] {
  const file = path.join(dir, "security-controls.json");
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new CoverageError(
      `cannot read the shared control set ${file}: ${(e as Error).message}; set SHARED_DIR to ` +
        "the folder holding security-controls.json",
    );
  }
  if (!Array.isArray(parsed) || !parsed.every((c) => isRecord(c) && typeof c.id === "string")) {
    throw new CoverageError(`${file} is not a list of controls with an id`);
  }
  for (const c of parsed as Control[]) {
    if (!CATEGORIES.includes(c.category)) {
      throw new CoverageError(`${file}: control ${c.id} has an unknown category "${c.category}"`);
    }
  }
  return parsed as Control[];
}

/** A control's type tokens, without notes (`(v6)`) or a trailing property (`.loggings`). */
export function controlTypes(control: Control): string[] {
  return [control.resourceType, ...(control.altResourceTypes ?? [])]
    .filter((t) => typeof t === "string" && t !== "")
    .map((t) => {
      const token = t.split(" ")[0];
      const [pkg, module, resource = ""] = token.split(":");
      return `${pkg}:${module}:${resource.split(".")[0]}`;
    });
}

/**
 * Side resources that only configure another one, as `[pattern, the resource configured]`: a
 * control on the side resource applies wherever the configured resource is.
 */
const SETTINGS_OF: ReadonlyArray<readonly [RegExp, string]> = [
  [/^aws:s3\/bucket\w+:Bucket\w+$/, "aws:s3/bucket:Bucket"],
  [/^aws:sqs\/(queuePolicy|redrivePolicy|redriveAllowPolicy):\w+$/, "aws:sqs/queue:Queue"],
  [/^aws:sns\/topicPolicy:TopicPolicy$/, "aws:sns/topic:Topic"],
  [/^aws:ecr\/(repositoryPolicy|lifecyclePolicy):\w+$/, "aws:ecr/repository:Repository"],
];

function configuredBy(type: string): string | undefined {
  return SETTINGS_OF.find(([pattern]) => pattern.test(type))?.[1];
}

/** The controls that apply to a graph holding `types`. */
export function applicableControls(
  controls: readonly Control[],
  types: ReadonlySet<string>,
): Control[] {
  return controls.filter((c) =>
    controlTypes(c).some((t) => types.has(t) || types.has(configuredBy(t) ?? "")),
  );
}

/** The waivers that hold for `stack`; throws when one names no control of the set. */
export function waiversFor(
  waivers: readonly Waiver[],
  controls: readonly Control[],
  stack: string,
): Map<string, Waiver> {
  const known = new Set(controls.map((c) => c.id));
  const held = new Map<string, Waiver>();
  for (const w of waivers) {
    if (!known.has(w.control)) {
      throw new CoverageError(
        `policies/waivers.ts waives "${w.control}", which is not a control of ` +
          "security-controls.json; use the control's id",
      );
    }
    if (w.stacks === undefined || w.stacks.includes(stack)) {
      if (held.has(w.control)) {
        throw new CoverageError(`policies/waivers.ts waives ${w.control} twice for ${stack}`);
      }
      held.set(w.control, w);
    }
  }
  return held;
}

/** The level a pack config gives a policy, as the CLI resolves it. */
function levelOf(policy: AcmePolicy, config: PolicyPackConfig): string {
  const entry: unknown = config[policy.name];
  if (typeof entry === "string") return entry;
  if (isRecord(entry) && typeof entry.enforcementLevel === "string") return entry.enforcementLevel;
  return typeof config.all === "string" ? config.all : (policy.enforcementLevel ?? "advisory");
}

/** The stack a `pulumi stack export` belongs to, read from its URNs. */
export function stackOfExport(resources: ReadonlyArray<{ urn: string }>): string | undefined {
  const match = /^urn:pulumi:([^:]+)::/.exec(resources[0]?.urn ?? "");
  return match === null ? undefined : match[1];
}

/** Options of {@link coverageOf}. */
export interface CoverageOptions {
  stack: string;
  controls: readonly Control[];
  policies: readonly AcmePolicy[];
  waivers: readonly Waiver[];
  /** The stack's policy pack config: a disabled rule enforces nothing. */
  config?: PolicyPackConfig;
}

/**
 * The coverage of a graph of `types`. A waiver wins over a rule: a waived control may still have
 * a rule that runs (dev's log retention floor is lower, not gone), but the control as written is
 * not met, and the report says so with the reason.
 */
export function coverageOf(types: ReadonlySet<string>, options: CoverageOptions): CoverageReport {
  const held = waiversFor(options.waivers, options.controls, options.stack);
  const config = options.config ?? {};
  const entries = applicableControls(options.controls, types).map((c): CoverageEntry => {
    const rules = options.policies
      .filter((p) => p.controls.includes(c.id))
      .map((p) => ({ name: p.name, level: levelOf(p, config) }))
      .filter((r) => r.level !== "disabled")
      .map((r) => `${r.name} (${r.level})`);
    const waiver = held.get(c.id);
    const entry: CoverageEntry = {
      control: c.id,
      category: c.category,
      title: c.title,
      status: waiver ? "waived" : rules.length > 0 ? "enforced" : "missing",
      rules,
    };
    if (waiver) entry.reason = waiver.reason;
    return entry;
  });
  const zero = (): CoverageCounts => ({ enforced: 0, waived: 0, missing: 0 });
  const byCategory = Object.fromEntries(CATEGORIES.map((k) => [k, zero()])) as Record<
    Category,
    CoverageCounts
  >;
  const total = zero();
  for (const e of entries) {
    byCategory[e.category][e.status]++;
    total[e.status]++;
  }
  return { stack: options.stack, entries, byCategory, total };
}

/** `N applicable controls: E enforced, W waived, M missing`. */
export function coverageSummary(report: CoverageReport): string {
  const { enforced, waived, missing } = report.total;
  return (
    `${report.entries.length} applicable controls: ${enforced} enforced, ${waived} waived, ` +
    `${missing} missing`
  );
}

/** The report as text: the summary, counts by category, then one line per control. */
export function formatCoverage(report: CoverageReport): string[] {
  const width = Math.max(...report.entries.map((e) => e.control.length), 7);
  const order: CoverageStatus[] = ["missing", "waived", "enforced"];
  const sorted = [...report.entries].sort(
    (a, b) =>
      order.indexOf(a.status) - order.indexOf(b.status) ||
      CATEGORIES.indexOf(a.category) - CATEGORIES.indexOf(b.category) ||
      a.control.localeCompare(b.control),
  );
  return [
    `Coverage of stack "${report.stack}": ${coverageSummary(report)}`,
    ...CATEGORIES.filter((k) => Object.values(report.byCategory[k]).some((n) => n > 0)).map((k) => {
      const c = report.byCategory[k];
      return `  ${k.padEnd(10)}  ${c.enforced} enforced, ${c.waived} waived, ${c.missing} missing`;
    }),
    ...sorted.map((e) => {
      const detail =
        e.status === "waived"
          ? `waived: ${e.reason}`
          : e.status === "missing"
            ? `no rule names it and no waiver covers it (${e.title})`
            : e.rules.join(", ");
      return `  ${e.status.padEnd(8)} ${e.control.padEnd(width)}  ${e.category.padEnd(10)}  ${detail}`;
    }),
  ];
}
