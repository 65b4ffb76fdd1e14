/**
 * Runs the CrossGuard rules of `policies/rules` against a `pulumi stack export` document, offline.
 *
 * The rule objects are the ones the policy pack serves, and they are called the way
 * @pulumi/policy's analyzer server calls them: resource policies get each resource's inputs
 * behind `unknownCheckingProxy`, stack policies get every resource's outputs, and an
 * `UnknownValueError` is never a violation (CrossGuard turns it into an advisory "can't run
 * during preview"; here it becomes an `undecidable` entry). Differences from a live run: secrets
 * exported without `--show-secrets` (ciphertext) count as unknown, and resources read with `get`
 * (`external`) are not given to resource policies, since their inputs are not declared config.
 *
 * The analyzer's internals come from `./policyInternals`, the one module that touches them. This
 * file does not construct a `PolicyPack` (which would start its gRPC server), so the CLI, the plan
 * and tests load it freely.
 */
import * as pulumi from "@pulumi/pulumi";
import type {
  EnforcementLevel,
  PolicyPackConfig,
  PolicyProviderResource,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  Severity,
  StackValidationArgs,
} from "@pulumi/policy";
import {
  isUnknownValueError,
  pulumiTypeOf,
  UNKNOWN,
  unknownCheckingProxy,
  withPulumiType,
} from "./policyInternals";
import { allPolicies, type AcmePolicy } from "../rules";

/** One property of a policy's `configSchema`. */
type PolicyConfigJSONSchema = NonNullable<
  ResourceValidationPolicy["configSchema"]
>["properties"][string];

// The engine's value signatures (`@pulumi/pulumi` runtime/rpc).
const SIG_KEY = pulumi.runtime.specialSigKey;
const SECRET_SIG = pulumi.runtime.specialSecretSig;
const ASSET_SIG = pulumi.runtime.specialAssetSig;
const ARCHIVE_SIG = pulumi.runtime.specialArchiveSig;
const RESOURCE_REF_SIG = pulumi.runtime.specialResourceSig;
const OUTPUT_SIG = pulumi.runtime.specialOutputValueSig;

/** Level of a pack without its own: what `new PolicyPack` defaults to. */
const PACK_ENFORCEMENT_LEVEL: EnforcementLevel = "advisory";

/** One resource of a v3 deployment, as `pulumi stack export` writes it. */
export interface ExportResource {
  urn: string;
  type: string;
  custom?: boolean;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  parent?: string;
  /** `<provider URN>::<provider id>`. */
  provider?: string;
  protect?: boolean;
  retainOnDelete?: boolean;
  external?: boolean;
  delete?: boolean;
  pendingReplacement?: boolean;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
  ignoreChanges?: string[];
  aliases?: unknown[];
  customTimeouts?: { create?: number; update?: number; delete?: number };
  additionalSecretOutputs?: string[];
  deleteBeforeReplace?: boolean;
}

/** A `pulumi stack export` document (only the parts the runner reads). */
export interface StackExport {
  version: number;
  deployment: { resources?: ExportResource[] };
}

/** The options CrossGuard gives a policy, plus state-only fields the export has. */
export interface RunnerResourceOptions extends PolicyResourceOptions {
  /** Not in CrossGuard 1.21's options; rules must not depend on it. */
  retainOnDelete: boolean;
  /** Not in CrossGuard 1.21's options; rules must not depend on it. */
  dependencies: string[];
}

/** Options of {@link evaluateStackExport}. */
export interface EvaluateOptions {
  /** The rules to run; every pack rule by default. */
  policies?: readonly AcmePolicy[];
  /** A policy pack config, as given to `pulumi preview --policy-pack-config`. */
  config?: PolicyPackConfig;
  /** Stack tags handed to the policies. */
  stackTags?: Record<string, string>;
}

/** A reported violation. */
export interface Violation {
  policyName: string;
  enforcementLevel: EnforcementLevel;
  /** The resource's URN, or "" for a violation of the stack as a whole. */
  urn: string;
  message: string;
  controls: string[];
  severity?: Severity;
}

/** A check that could not run because a value it read is unknown or an encrypted secret. */
export interface Undecidable {
  policyName: string;
  urn: string;
  message: string;
}

/** A policy that declared itself not applicable to a resource (`args.notApplicable`). */
export interface NotApplicable {
  policyName: string;
  urn: string;
  reason?: string;
}

/** What {@link evaluateStackExport} found. */
export interface EvaluationResult {
  violations: Violation[];
  undecidable: Undecidable[];
  notApplicable: NotApplicable[];
  /** Policies that ran (those not disabled by config). */
  policiesRun: number;
  /** Resources given to resource policies. */
  resourcesChecked: number;
}

/** The document is not a usable v3 stack export. */
export class StackExportError extends Error {}

/** The policy pack config does not fit the pack. */
export class PolicyConfigError extends Error {}

/** A rule threw something other than an unknown-value or not-applicable signal. */
export class PolicyRunError extends Error {}

class NotApplicableSignal extends Error {
  constructor(readonly reason?: string) {
    super(reason ?? "Policy does not apply");
  }
}

function throwNotApplicable(reason?: string): never {
  throw new NotApplicableSignal(reason);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Reading the export

function readResources(doc: unknown): ExportResource[] {
  if (!isRecord(doc)) {
    throw new StackExportError("the stack export is not a JSON object");
  }
  if (doc.version !== 3) {
    throw new StackExportError(
      `the stack export has version ${JSON.stringify(doc.version)}; only version 3 ` +
        "(written by `pulumi stack export`) is supported",
    );
  }
  if (!isRecord(doc.deployment)) {
    throw new StackExportError("the stack export has no deployment object");
  }
  const resources = doc.deployment.resources ?? [];
  if (!Array.isArray(resources)) {
    throw new StackExportError("deployment.resources is not an array");
  }
  resources.forEach((r: unknown, i) => {
    if (!isRecord(r) || typeof r.urn !== "string" || typeof r.type !== "string") {
      throw new StackExportError(`deployment.resources[${i}] has no string urn and type`);
    }
  });
  return resources as ExportResource[];
}

/** The name part of `urn:pulumi:<stack>::<project>::<type>::<name>`; names may contain "::". */
function nameFromUrn(urn: string): string {
  return urn.split("::").slice(3).join("::");
}

/** The type part of a URN; for a child resource, the last of its `parent$child` types. */
function typeFromUrn(urn: string): string {
  const qualified = urn.split("::")[2] ?? "";
  return qualified.slice(qualified.lastIndexOf("$") + 1);
}

/**
 * Turns exported property values into what the analyzer hands policies: secrets unwrapped,
 * assets as asset objects, resource references as their ID (custom) or URN (component). A
 * ciphertext secret becomes the unknown sentinel and its path is recorded.
 */
function decode(value: unknown, path: string[], encrypted: Set<string>): unknown {
  if (Array.isArray(value)) {
    return value.map((v, i) => decode(v, [...path, String(i)], encrypted));
  }
  if (!isRecord(value)) {
    return value;
  }
  switch (value[SIG_KEY]) {
    case undefined:
      break;
    case SECRET_SIG:
      if (typeof value.plaintext === "string") {
        let plaintext: unknown;
        try {
          plaintext = JSON.parse(value.plaintext);
        } catch {
          throw new StackExportError(
            `the secret at .${path.join(".")} has plaintext that is not JSON`,
          );
        }
        return decode(plaintext, path, encrypted);
      }
      encrypted.add(path.join("."));
      return UNKNOWN.string;
    case OUTPUT_SIG:
      return "value" in value ? decode(value.value, path, encrypted) : UNKNOWN.string;
    case RESOURCE_REF_SIG:
      if (typeof value.id === "string") {
        return value.id === "" ? UNKNOWN.string : value.id;
      }
      return value.urn;
    case ASSET_SIG:
      if (typeof value.path === "string") return new pulumi.asset.FileAsset(value.path);
      if (typeof value.text === "string") return new pulumi.asset.StringAsset(value.text);
      if (typeof value.uri === "string") return new pulumi.asset.RemoteAsset(value.uri);
      return value;
    case ARCHIVE_SIG:
      if (isRecord(value.assets)) {
        const assets: pulumi.asset.AssetMap = {};
        for (const [name, asset] of Object.entries(value.assets)) {
          assets[name] = decode(asset, [...path, name], encrypted) as pulumi.asset.Asset;
        }
        return new pulumi.asset.AssetArchive(assets);
      }
      if (typeof value.path === "string") return new pulumi.asset.FileArchive(value.path);
      if (typeof value.uri === "string") return new pulumi.asset.RemoteArchive(value.uri);
      return value;
    default:
      return value;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = decode(v, [...path, k], encrypted);
  }
  return out;
}

interface DecodedProps {
  props: Record<string, unknown>;
  /** Dotted paths of ciphertext secrets. */
  encrypted: Set<string>;
}

function decodeProps(properties: Record<string, unknown> | undefined): DecodedProps {
  const encrypted = new Set<string>();
  const decoded = decode(properties ?? {}, [], encrypted) as Record<string, unknown>;
  return { props: unknownCheckingProxy(decoded) as Record<string, unknown>, encrypted };
}

function resourceOptions(r: ExportResource): RunnerResourceOptions {
  const timeouts = r.customTimeouts ?? {};
  const opts: RunnerResourceOptions = {
    protect: r.protect === true,
    ignoreChanges: r.ignoreChanges ?? [],
    aliases: (r.aliases ?? []).filter((a): a is string => typeof a === "string"),
    customTimeouts: {
      createSeconds: timeouts.create ?? 0,
      updateSeconds: timeouts.update ?? 0,
      deleteSeconds: timeouts.delete ?? 0,
    },
    additionalSecretOutputs: r.additionalSecretOutputs ?? [],
    retainOnDelete: r.retainOnDelete === true,
    dependencies: r.dependencies ?? [],
  };
  if (r.deleteBeforeReplace !== undefined) {
    opts.deleteBeforeReplace = r.deleteBeforeReplace;
  }
  if (r.parent) {
    opts.parent = r.parent;
  }
  return opts;
}

function providerUrn(reference: string | undefined): string | undefined {
  if (!reference) {
    return undefined;
  }
  const at = reference.lastIndexOf("::");
  return at > 0 ? reference.slice(0, at) : reference;
}

/** `isType` as the analyzer implements it: the class's type token, else its `isInstance`. */
function isTypeOf(type: string, resourceClass: unknown): boolean {
  const classType = pulumiTypeOf(resourceClass);
  if (classType) {
    return type === classType;
  }
  const isInstance = (resourceClass as { isInstance?: unknown }).isInstance;
  return typeof isInstance === "function" && isInstance(withPulumiType({}, type)) === true;
}

// ---------------------------------------------------------------------------------------------
// Configuration

interface EffectivePolicy {
  policy: AcmePolicy;
  enforcementLevel: EnforcementLevel;
  config: Record<string, unknown>;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number" && Number.isInteger(value)) return "integer";
  return typeof value;
}

/** Checks the subset of JSON Schema the pack's configSchemas use. */
function schemaProblems(name: string, value: unknown, schema: PolicyConfigJSONSchema): string[] {
  const problems: string[] = [];
  const actual = jsonType(value);
  const types = schema.type === undefined ? [] : [schema.type].flat();
  const typeOk =
    types.length === 0 ||
    types.some((t) => t === actual || (t === "number" && actual === "integer"));
  if (!typeOk) {
    problems.push(`${name} must be ${types.join(" or ")}, got ${JSON.stringify(value)}`);
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) {
      problems.push(`${name} must be at least ${schema.minimum}, got ${value}`);
    }
    if (schema.maximum !== undefined && value > schema.maximum) {
      problems.push(`${name} must be at most ${schema.maximum}, got ${value}`);
    }
  }
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    problems.push(`${name} must be one of ${JSON.stringify(schema.enum)}`);
  }
  return problems;
}

const LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

function isLevel(value: unknown): value is EnforcementLevel {
  return LEVELS.includes(value as EnforcementLevel);
}

/**
 * Resolves each policy's enforcement level and config the way the CLI does: `all` sets every
 * level, a policy's own entry overrides it, and configSchema defaults fill unset properties.
 */
function resolvePolicies(
  policies: readonly AcmePolicy[],
  packConfig: PolicyPackConfig = {},
): EffectivePolicy[] {
  const problems: string[] = [];
  const known = new Set(policies.map((p) => p.name));
  for (const key of Object.keys(packConfig)) {
    if (key !== "all" && !known.has(key)) {
      problems.push(`"${key}" is not a policy of this pack`);
    }
  }
  const all = packConfig.all;
  if (all !== undefined && !isLevel(all)) {
    problems.push(`"all" must be one of ${LEVELS.join(", ")}`);
  }

  const resolved = policies.map((policy): EffectivePolicy => {
    const entry: unknown = packConfig[policy.name];
    let level = (isLevel(all) ? all : undefined) ?? policy.enforcementLevel;
    let properties: Record<string, unknown> = {};
    if (typeof entry === "string") {
      if (isLevel(entry)) level = entry;
      else problems.push(`${policy.name}: "${entry}" is not an enforcement level`);
    } else if (isRecord(entry)) {
      const { enforcementLevel, ...rest } = entry;
      if (enforcementLevel !== undefined) {
        if (isLevel(enforcementLevel)) level = enforcementLevel;
        else problems.push(`${policy.name}.enforcementLevel is not an enforcement level`);
      }
      properties = rest;
    } else if (entry !== undefined) {
      problems.push(`${policy.name} must be an enforcement level or an object`);
    }

    const schema = policy.configSchema;
    const defaults: Record<string, unknown> = {};
    for (const [key, prop] of Object.entries(schema?.properties ?? {})) {
      if (prop.default !== undefined) defaults[key] = prop.default;
    }
    for (const [key, value] of Object.entries(properties)) {
      const prop = schema?.properties[key];
      if (prop === undefined) {
        problems.push(`${policy.name}.${key} is not a config property of this policy`);
      } else {
        problems.push(...schemaProblems(`${policy.name}.${key}`, value, prop));
      }
    }
    const config = { ...defaults, ...properties };
    for (const key of schema?.required ?? []) {
      if (config[key] === undefined) problems.push(`${policy.name}.${key} is required`);
    }
    return {
      policy,
      enforcementLevel: level ?? PACK_ENFORCEMENT_LEVEL,
      config,
    };
  });

  if (problems.length > 0) {
    throw new PolicyConfigError(`invalid policy config: ${problems.join("; ")}`);
  }
  return resolved.filter((p) => p.enforcementLevel !== "disabled");
}

// ---------------------------------------------------------------------------------------------
// Running

class Run {
  readonly violations: Violation[] = [];
  readonly undecidable: Undecidable[] = [];
  readonly notApplicable: NotApplicable[] = [];

  report(p: EffectivePolicy, urn: string, message: string): void {
    this.violations.push({
      policyName: p.policy.name,
      // CrossGuard reports a remediate-level violation as mandatory: remediation did not fix it.
      enforcementLevel: p.enforcementLevel === "remediate" ? "mandatory" : p.enforcementLevel,
      urn,
      // As in CrossGuard, an empty message falls back to the description.
      message: message || p.policy.description,
      controls: [...p.policy.controls],
      severity: p.policy.severity,
    });
  }

  /** Records the outcome of a thrown validation; rethrows anything that is a bug. */
  caught(p: EffectivePolicy, urn: string, e: unknown, encrypted: Set<string>): void {
    if (isUnknownValueError(e)) {
      const path = e.props.map(String).join(".");
      this.undecidable.push({
        policyName: p.policy.name,
        urn,
        message: encrypted.has(path)
          ? `value at .${path} is an encrypted secret in the export; export with --show-secrets to check it`
          : e.message,
      });
    } else if (e instanceof NotApplicableSignal) {
      this.notApplicable.push({ policyName: p.policy.name, urn, reason: e.reason });
    } else {
      const detail = e instanceof Error ? e.message : String(e);
      throw new PolicyRunError(
        `policy ${p.policy.name} failed on ${urn || "the stack"}: ${detail}`,
      );
    }
  }
}

function providerResource(
  r: ExportResource,
  byUrn: Map<string, ExportResource>,
): PolicyProviderResource | undefined {
  const urn = providerUrn(r.provider);
  if (urn === undefined) {
    return undefined;
  }
  // A partial export may lack the provider itself; its URN still says what it is.
  const provider = byUrn.get(urn);
  return {
    type: provider?.type ?? typeFromUrn(urn),
    props: decodeProps(provider?.inputs).props,
    urn,
    name: nameFromUrn(urn),
  };
}

async function runResourcePolicies(
  run: Run,
  policies: EffectivePolicy[],
  resources: ExportResource[],
  byUrn: Map<string, ExportResource>,
  stackTags: ReadonlyMap<string, string>,
): Promise<void> {
  for (const r of resources) {
    for (const p of policies) {
      const policy = p.policy;
      if (!("validateResource" in policy) || policy.validateResource === undefined) {
        continue;
      }
      const validations = Array.isArray(policy.validateResource)
        ? policy.validateResource
        : [policy.validateResource];
      // The analyzer's fast path: a lone validation tagged with another type is not called.
      const tagged = validations.length === 1 ? pulumiTypeOf(validations[0]) : undefined;
      if (tagged !== undefined && tagged !== r.type) {
        continue;
      }
      for (const validation of validations) {
        // Fresh props per validation, as the analyzer deserializes them again for each.
        const { props, encrypted } = decodeProps(r.inputs);
        const args: ResourceValidationArgs = {
          type: r.type,
          props,
          urn: r.urn,
          name: nameFromUrn(r.urn),
          opts: resourceOptions(r),
          stackTags,
          isType: (cls) => isTypeOf(r.type, cls),
          asType: ((cls: unknown) =>
            isTypeOf(r.type, cls) ? props : undefined) as ResourceValidationArgs["asType"],
          getConfig: <T extends object>() => ({ ...p.config }) as T,
          notApplicable: throwNotApplicable,
        };
        const provider = providerResource(r, byUrn);
        if (provider) {
          args.provider = provider;
        }
        try {
          // A resource policy's reported URN is ignored: the violation is the resource's.
          await validation(args, (message) => run.report(p, r.urn, message));
        } catch (e) {
          run.caught(p, r.urn, e, encrypted);
        }
      }
    }
  }
}

async function runStackPolicies(
  run: Run,
  policies: EffectivePolicy[],
  resources: ExportResource[],
  byUrn: Map<string, ExportResource>,
  stackTags: ReadonlyMap<string, string>,
): Promise<void> {
  for (const p of policies) {
    const policy = p.policy;
    if (!("validateStack" in policy) || typeof policy.validateStack !== "function") {
      continue;
    }
    const tagged = pulumiTypeOf(policy.validateStack);
    if (tagged !== undefined && !resources.some((r) => r.type === tagged)) {
      continue;
    }
    const encrypted = new Set<string>();
    const policyResources = new Map<string, PolicyResource>();
    for (const r of resources) {
      const decoded = decodeProps(r.outputs);
      decoded.encrypted.forEach((path) => encrypted.add(path));
      const resource: PolicyResource = {
        type: r.type,
        props: decoded.props,
        urn: r.urn,
        name: nameFromUrn(r.urn),
        opts: resourceOptions(r),
        dependencies: [],
        propertyDependencies: {},
        isType: (cls) => isTypeOf(r.type, cls),
        asType: ((cls: unknown) =>
          isTypeOf(r.type, cls) ? decoded.props : undefined) as PolicyResource["asType"],
      };
      const provider = providerResource(r, byUrn);
      if (provider) {
        resource.provider = provider;
      }
      policyResources.set(r.urn, resource);
    }
    const lookup = (urns: string[] | undefined): PolicyResource[] =>
      (urns ?? []).flatMap((u) => policyResources.get(u) ?? []);
    for (const r of resources) {
      const resource = policyResources.get(r.urn) as PolicyResource;
      const parent = r.parent === undefined ? undefined : policyResources.get(r.parent);
      if (parent) {
        resource.parent = parent;
      }
      resource.dependencies = lookup(r.dependencies);
      for (const [key, urns] of Object.entries(r.propertyDependencies ?? {})) {
        resource.propertyDependencies[key] = lookup(urns);
      }
    }
    const args: StackValidationArgs = {
      resources: [...policyResources.values()],
      getConfig: <T extends object>() => ({ ...p.config }) as T,
      stackTags,
      notApplicable: throwNotApplicable,
    };
    try {
      await policy.validateStack(args, (message, urn) => run.report(p, urn ?? "", message));
    } catch (e) {
      // Encrypted-secret paths are not tied to one resource here, so the message names the path.
      run.caught(p, "", e, encrypted);
    }
  }
}

/**
 * Evaluates the pack's rules against a parsed `pulumi stack export` document (version 3).
 * Resources being deleted (`delete`) or awaiting replacement (`pendingReplacement`) are skipped.
 *
 * @throws StackExportError when `doc` is not a v3 stack export.
 * @throws PolicyConfigError when `options.config` does not fit the pack.
 * @throws PolicyRunError when a rule fails with an error of its own.
 */
export async function evaluateStackExport(
  doc: unknown,
  options: EvaluateOptions = {},
): Promise<EvaluationResult> {
  const live = readResources(doc).filter((r) => r.delete !== true && r.pendingReplacement !== true);
  const policies = resolvePolicies(options.policies ?? allPolicies, options.config);
  const byUrn = new Map(live.map((r) => [r.urn, r]));
  const stackTags: ReadonlyMap<string, string> = new Map(Object.entries(options.stackTags ?? {}));

  const run = new Run();
  const managed = live.filter((r) => r.external !== true);
  await runResourcePolicies(run, policies, managed, byUrn, stackTags);
  await runStackPolicies(run, policies, live, byUrn, stackTags);
  return {
    violations: run.violations,
    undecidable: run.undecidable,
    notApplicable: run.notApplicable,
    policiesRun: policies.length,
    resourcesChecked: managed.length,
  };
}
