/**
 * The offline plan: runs index.ts for a stack the way `pulumi up` runs it, under mocks, captures
 * the whole resource graph, writes it as a stack export plus a Mermaid picture, and runs the
 * policy pack on it.
 *
 *   npm run plan -- --stack <name> [--config <file>] [--out <dir>]
 *   npm run plan -- --project bootstrap --stack <name> [--out <dir>]   (bootstrap/plan.ts)
 *
 * Exit codes: 0 clean; 1 a mandatory policy violation or a program/validation error; 2 bad usage
 * or bad configuration (every bad key named), in which case no stack.json is written.
 *
 * `npm run plan` starts Node.js with `--max-semi-space-size=8`: otherwise V8 lets the young
 * generation grow to 128 MB during a plan of prod, about 90 MB of its peak RSS, for no measurable
 * gain in time (CPU time within noise over 5 runs each; `npm run bench` reports the peak).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, parseStackConfig, type StackConfig } from "../config";
import {
  ALERTMANAGER_CONFIG_KEY,
  RULE_GROUP_NAMES,
  ruleFileYaml,
  type RuleGroup,
} from "../components/observability";
import { runCrossChecks } from "./checks/crossResource";
import { checkGraph, type CheckedResource } from "./checks/graph";
import { toMermaid } from "./graph";
import { MOCK_ACCOUNT_ID } from "./mocks";
import { runProgramUnderMocks } from "./programRun";
import type { PolicyPackConfig } from "@pulumi/policy";
import { evaluateStackExport, PolicyConfigError } from "../policies/lib/runner";
import { coverageSummary } from "../policies/lib/coverage";
import { packCoverage, stackPolicyConfigFile } from "./policy";
import { loadStackConfig, StackFileError } from "./stackFile";
import { revealSecrets, type StackExport } from "./stackExport";

const REPO_ROOT = path.resolve(__dirname, "..");

interface PlanOptions {
  stack: string;
  configFile?: string;
  outDir: string;
  /** Policy pack config; default `policies/config/<stack>.json` when that file exists. */
  policyConfigFile?: string;
  /**
   * Also write the checked resources (inputs, ids, outputs) and the Region here, for the test
   * plan cache (tools/planCache.ts), which shares one plan among test processes.
   * @internal
   */
  checkableFile?: string;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): PlanOptions {
  const opts: Partial<PlanOptions> = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const need = () => {
      if (value === undefined || value.startsWith("--"))
        throw new UsageError(`${flag} needs a value`);
      i++;
      return value;
    };
    if (flag === "--stack") opts.stack = need();
    else if (flag === "--config") opts.configFile = path.resolve(need());
    else if (flag === "--out") opts.outDir = path.resolve(need());
    else if (flag === "--policy-config") opts.policyConfigFile = path.resolve(need());
    else if (flag === "--checkable") opts.checkableFile = path.resolve(need());
    else throw new UsageError(`unknown argument "${flag}"`);
  }
  if (!opts.stack) throw new UsageError("--stack <name> is required (dev, staging, prod, ...)");
  if (!/^[A-Za-z0-9_.-]+$/.test(opts.stack))
    throw new UsageError(`"${opts.stack}" is not a stack name`);
  return {
    stack: opts.stack,
    configFile: opts.configFile,
    outDir: opts.outDir ?? path.join(REPO_ROOT, "out", opts.stack),
    policyConfigFile: opts.policyConfigFile ?? stackPolicyConfigFile(opts.stack),
    checkableFile: opts.checkableFile,
  };
}

const USAGE =
  "usage: npm run plan -- --stack <name> [--config <file>] [--out <dir>] [--policy-config <file>]";

/** Result of running the program under mocks. */
export interface PlanRun {
  export: StackExport;
  invokes: string[];
  /** The validated stack configuration. */
  config: StackConfig;
  /** Secret keys the stack file does not hold, planned with a placeholder. */
  secretPlaceholders: string[];
  /** Types and raw inputs (secrets included) for the engine checks; never written to disk. */
  checkable: CheckedResource[];
}

/** Runs the program for one stack and returns its graph as a stack export. */
export async function runProgram(options: {
  stack: string;
  configFile?: string;
}): Promise<PlanRun> {
  const loaded = loadStackConfig(REPO_ROOT, options.stack, options.configFile);
  // Validate first, so bad config is a usage error and nothing is registered.
  const stackConfig = parseStackConfig(loaded.config, new Set(loaded.secretKeys));

  const run = await runProgramUnderMocks(REPO_ROOT, options.stack, loaded, stackConfig.region);
  return {
    export: run.export,
    invokes: run.invokes,
    config: stackConfig,
    secretPlaceholders: loaded.placeholders,
    checkable: run.checkable,
  };
}

function summarize(doc: StackExport): string[] {
  const resources = doc.deployment.resources;
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const stack = resources.find((r) => r.type === "pulumi:pulumi:Stack");
  const component = (urn: string): string => {
    let r = byUrn.get(urn);
    while (r && r.parent && r.parent !== stack?.urn) r = byUrn.get(r.parent);
    return r && !r.custom ? `${r.type} ${r.urn.split("::").pop()}` : "(stack)";
  };
  const table = new Map<string, Map<string, number>>();
  for (const r of resources.filter((x) => x.custom)) {
    const c = component(r.urn);
    const types = table.get(c) ?? new Map<string, number>();
    types.set(r.type, (types.get(r.type) ?? 0) + 1);
    table.set(c, types);
  }
  const lines: string[] = [];
  for (const [c, types] of [...table.entries()].sort()) {
    const total = [...types.values()].reduce((a, b) => a + b, 0);
    lines.push(`  ${c}: ${total}`);
    for (const [t, n] of [...types.entries()].sort())
      lines.push(`      ${String(n).padStart(3)}  ${t}`);
  }
  return lines;
}

/** The CLI; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let options: PlanOptions;
  try {
    options = parseArgs(argv);
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  let policyConfig: PolicyPackConfig | undefined;
  if (options.policyConfigFile) {
    try {
      policyConfig = JSON.parse(
        fs.readFileSync(options.policyConfigFile, "utf8"),
      ) as PolicyPackConfig;
    } catch (e) {
      console.error(
        `plan: cannot read the policy config ${options.policyConfigFile}: ${(e as Error).message}`,
      );
      return 2;
    }
  }
  let run: PlanRun;
  try {
    run = await runProgram(options);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof StackFileError) {
      console.error(`plan: ${e.message}`);
      console.error("plan: no stack.json written.");
      return 2;
    }
    console.error(`plan: the program failed: ${(e as Error).message}`);
    return 1;
  }

  fs.mkdirSync(options.outDir, { recursive: true });
  const stackJson = path.join(options.outDir, "stack.json");
  const graphMmd = path.join(options.outDir, "graph.mmd");
  fs.writeFileSync(stackJson, JSON.stringify(run.export, null, 2) + "\n");
  fs.writeFileSync(graphMmd, toMermaid(run.export.deployment.resources));
  if (options.checkableFile) {
    fs.writeFileSync(
      options.checkableFile,
      JSON.stringify({ checkable: run.checkable, region: run.config.region }),
    );
  }
  // The rule groups and Alertmanager config the stack deploys, taken from the captured
  // PrometheusRules and config Secret, in the files promtool and amtool read.
  const rulesYaml = path.join(options.outDir, "prometheus-rules.yaml");
  const alertmanagerYaml = path.join(options.outDir, "alertmanager.yaml");
  // A bootstrap run (docs/first-deployment.md) registers no Kubernetes object, so no alerting.
  const bootstrapRun = !run.checkable.some(
    (r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers:"),
  );
  const written = [stackJson, graphMmd];
  if (!bootstrapRun) {
    const deployed = deployedAlerting(run.checkable);
    fs.writeFileSync(rulesYaml, ruleFileYaml(deployed.groups));
    fs.writeFileSync(alertmanagerYaml, deployed.alertmanagerYaml);
    written.push(rulesYaml, alertmanagerYaml);
  }

  let result: Awaited<ReturnType<typeof evaluateStackExport>>;
  try {
    result = await evaluateStackExport(run.export, { config: policyConfig });
  } catch (e) {
    if (e instanceof PolicyConfigError) {
      console.error(`plan: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const resources = run.export.deployment.resources;
  const mandatory = result.violations.filter((v) => v.enforcementLevel === "mandatory");
  const checks = checkGraph(run.checkable);
  const cross = runCrossChecks(run.checkable, {
    accountId: MOCK_ACCOUNT_ID,
    partition: "aws",
    region: run.config.region,
  });
  const out = [
    `Offline plan of stack "${options.stack}": ${resources.filter((r) => r.custom).length} resources in ${resources.filter((r) => !r.custom && r.type !== "pulumi:pulumi:Stack").length} components`,
    ...summarize(run.export),
    ...(run.secretPlaceholders.length
      ? [
          `Secrets not in the stack file, planned with placeholders: ${run.secretPlaceholders.join(", ")} (set each with \`pulumi config set --secret\` before \`pulumi up\`)`,
        ]
      : []),
    `Invokes (all mocked on purpose): ${[...new Set(run.invokes)].sort().join(", ") || "none"}`,
    `Policies: ${result.policiesRun} run on ${result.resourcesChecked} resources: ` +
      `${mandatory.length} mandatory violation(s), ${result.violations.length - mandatory.length} advisory, ` +
      `${result.undecidable.length} not decidable`,
    ...result.violations.map(
      (v) => `  ${v.enforcementLevel} ${v.policyName} ${v.urn}: ${v.message}`,
    ),
    `Control coverage: ${coverageSummary(
      packCoverage(options.stack, resources, policyConfig),
    )} (npm run policy -- --coverage ${path.relative(process.cwd(), stackJson)})`,
    `Engine checks: ${checks.releasesChecked} Helm release(s) against their pinned charts, ` +
      `${checks.objectsChecked} Kubernetes object(s) against their schemas, ` +
      `${checks.stateMachinesChecked} state machine(s) with asl-validator: ${checks.errors.length} error(s)`,
    ...checks.errors.map((e) => `  error ${e}`),
    ...checks.skipped.map((s) => `  skipped ${s}`),
    `Cross-resource checks: ${cross.results.map((r) => `${r.name} ${r.checked} ${r.unit}`).join(", ") || "none"}: ${cross.errors.length} error(s)`,
    ...cross.errors.map((e) => `  error ${e}`),
    ...(options.policyConfigFile
      ? [`Policy config: ${path.relative(process.cwd(), options.policyConfigFile)}`]
      : []),
    ...(bootstrapRun
      ? ["Bootstrap run: AWS resources only, no Kubernetes object, no alert rules to write"]
      : []),
    `Wrote ${written.map((f) => path.relative(process.cwd(), f)).join(", ")}`,
  ];
  console.log(out.join("\n"));
  return mandatory.length > 0 || checks.errors.length > 0 || cross.errors.length > 0 ? 1 : 0;
}

/** `--project bootstrap` plans the bootstrap project (bootstrap/plan.ts) instead. */
async function dispatch(argv: string[]): Promise<number> {
  const at = argv.indexOf("--project");
  if (at === -1) return main(argv);
  const project = argv[at + 1];
  const rest = [...argv.slice(0, at), ...argv.slice(at + 2)];
  if (project === "bootstrap") return (await import("../bootstrap/plan")).main(rest);
  console.error(
    `--project must be "bootstrap" (or omitted for the main project), not "${project}"`,
  );
  return 2;
}

if (require.main === module) {
  dispatch(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}

/**
 * The alert rule groups and the Alertmanager configuration a stack deploys, read from the captured
 * inputs: the `acme-*` PrometheusRules (in RULE_GROUP_NAMES order), then every other one (the
 * services' SLO rules) by name, and the `alertmanager-config`
 * Secret. (The export redacts every Secret's data, as the Kubernetes provider marks it secret; the
 * config names its credentials by file only, so writing it out is safe.)
 */
export function deployedAlerting(resources: PlanRun["checkable"]): {
  groups: RuleGroup[];
  alertmanagerYaml: string;
} {
  const groups: RuleGroup[] = [];
  for (const groupName of RULE_GROUP_NAMES) {
    const found = resources.filter(
      (r) =>
        r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule" &&
        (r.inputs?.metadata as { name?: string } | undefined)?.name === `acme-${groupName}`,
    );
    if (found.length !== 1) {
      throw new Error(`expected one PrometheusRule acme-${groupName}, found ${found.length}`);
    }
    groups.push(...(found[0].inputs.spec as { groups: RuleGroup[] }).groups);
  }
  // Every other PrometheusRule (each service's SLO and breaker alerts), by name.
  const platformNames = new Set(RULE_GROUP_NAMES.map((g) => `acme-${g}`));
  const others = resources
    .filter(
      (r) =>
        r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule" &&
        !platformNames.has(String((r.inputs?.metadata as { name?: string } | undefined)?.name)),
    )
    .sort((a, b) =>
      String((a.inputs.metadata as { name: string }).name).localeCompare(
        String((b.inputs.metadata as { name: string }).name),
      ),
    );
  for (const r of others) groups.push(...(r.inputs.spec as { groups: RuleGroup[] }).groups);
  const secrets = resources.filter(
    (r) =>
      r.type === "kubernetes:core/v1:Secret" &&
      (r.inputs?.metadata as { name?: string } | undefined)?.name === "alertmanager-config",
  );
  // The Kubernetes SDK marks a Secret's stringData secret; only this key is read.
  const stringData = revealSecrets(secrets[0]?.inputs.stringData) as
    Record<string, unknown> | undefined;
  const text = stringData?.[ALERTMANAGER_CONFIG_KEY];
  if (secrets.length !== 1 || typeof text !== "string") {
    throw new Error(
      `expected one Secret alertmanager-config with a plain ${ALERTMANAGER_CONFIG_KEY}, found ${secrets.length}`,
    );
  }
  return { groups, alertmanagerYaml: text };
}
