/**
 * Turns captured registrations into a `pulumi stack export` document (deployment version 3), the
 * same kind of file a real stack exports, so that the policy runner and any other tool read both.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import type { CapturedResource } from "./mocks";

/** The engine's signature key and secret signature (`@pulumi/pulumi` runtime/rpc). */
const SIG_KEY = pulumi.runtime.specialSigKey;
const SECRET_SIG = pulumi.runtime.specialSecretSig;

/** One resource of a v3 deployment (the fields `pulumi stack export` writes). */
export interface ExportedResource {
  urn: string;
  custom: boolean;
  id?: string;
  type: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  parent?: string;
  protect?: boolean;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
  provider?: string;
  aliases?: string[];
  customTimeouts?: { create?: number; update?: number; delete?: number };
  retainOnDelete?: boolean;
  deleteBeforeReplace?: boolean;
  ignoreChanges?: string[];
  replaceOnChanges?: string[];
  additionalSecretOutputs?: string[];
  deletedWith?: string;
}

/** A `pulumi stack export` document. */
export interface StackExport {
  version: 3;
  deployment: {
    manifest: { time: string; magic: string; version: string };
    resources: ExportedResource[];
  };
}

/** True for a secret wrapper: `{ <sig>: <secret sig>, value | ciphertext }`. */
function isSecret(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
  );
}

function asSecret(value: unknown): Record<string, unknown> {
  return isSecret(value) ? value : { [SIG_KEY]: SECRET_SIG, value };
}

/**
 * Replaces every captured secret by its plaintext, for checks that never write it out; a redacted
 * one (ciphertext only) becomes the string "secret".
 */
export function revealSecrets(value: unknown): unknown {
  if (isSecret(value)) return "value" in value ? revealSecrets(value.value) : "secret";
  if (Array.isArray(value)) return value.map(revealSecrets);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealSecrets(v)]));
  }
  return value;
}

/** Replaces every secret by the ciphertext form an export without `--show-secrets` has. */
export function redactSecrets(value: unknown): unknown {
  if (isSecret(value)) return { [SIG_KEY]: SECRET_SIG, ciphertext: "offline-plan:redacted" };
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v)]));
  }
  return value;
}

/** Go duration text ("30m", "1h30m", "90s") to seconds, as state stores custom timeouts. */
export function durationSeconds(text: string): number {
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const n = Number(m[1]);
    total += m[2] === "h" ? n * 3600 : m[2] === "m" ? n * 60 : m[2] === "s" ? n : n / 1000;
  }
  return total;
}

function compact<T extends object>(record: T): T {
  return Object.fromEntries(
    Object.entries(record).filter(
      ([, v]) =>
        v !== undefined &&
        v !== false &&
        !(Array.isArray(v) && v.length === 0) &&
        !(typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0),
    ),
  ) as T;
}

/**
 * Resources registered without a provider get the engine's default provider for their package,
 * `pulumi:providers:<pkg>::default_<version>`, registered once before its first user, as a real
 * deployment records it.
 */
function withDefaultProviders(
  resources: CapturedResource[],
  versions: Record<string, string>,
): CapturedResource[] {
  const stack = resources.find((r) => r.type === "pulumi:pulumi:Stack");
  const match = stack ? /^urn:pulumi:([^:]+)::([^:]+)::/.exec(stack.urn) : null;
  if (!match) return resources;
  const [, stackName, project] = match;
  const out: CapturedResource[] = [];
  const defaults = new Map<string, CapturedResource>();
  for (const r of resources) {
    if (r.custom && !r.provider && !r.type.startsWith("pulumi:providers:")) {
      const pkg = r.type.split(":")[0];
      let provider = defaults.get(pkg);
      if (!provider) {
        const version = versions[pkg];
        const name = version ? `default_${version.replace(/[.-]/g, "_")}` : "default";
        provider = {
          urn: `urn:pulumi:${stackName}::${project}::pulumi:providers:${pkg}::${name}`,
          type: `pulumi:providers:${pkg}`,
          name,
          custom: true,
          id: createHash("sha256").update(`${pkg}:${name}`).digest("hex").slice(0, 32),
          dependencies: [],
          propertyDependencies: {},
          protect: false,
          retainOnDelete: false,
          deleteBeforeReplace: false,
          aliases: [],
          ignoreChanges: [],
          replaceOnChanges: [],
          additionalSecretOutputs: [],
          inputs: version ? { version } : {},
          outputs: version ? { version } : {},
        };
        defaults.set(pkg, provider);
        out.push(provider);
      }
      out.push({ ...r, provider: `${provider.urn}::${provider.id}` });
    } else {
      out.push(r);
    }
  }
  return out;
}

/**
 * Builds the export. Resources keep registration order (parents before children, as in a real
 * state file). Inputs that were secret are redacted in the outputs too, since mocks echo inputs.
 */
export function toStackExport(
  resources: CapturedResource[],
  pulumiVersion: string,
  now = new Date(),
  providerVersions: Record<string, string> = {},
): StackExport {
  const exported = withDefaultProviders(resources, providerVersions).map((r): ExportedResource => {
    const inputs = redactSecrets(r.inputs) as Record<string, unknown>;
    const outputs = redactSecrets(r.outputs) as Record<string, unknown>;
    for (const [k, v] of Object.entries(r.inputs))
      if (isSecret(v) && k in outputs) outputs[k] = inputs[k];
    // Outputs the resource declares secret (a generated password, say) are secret in state too.
    for (const k of r.additionalSecretOutputs) {
      if (k in outputs) outputs[k] = redactSecrets(asSecret(outputs[k]));
    }
    return {
      urn: r.urn,
      custom: r.custom,
      ...(r.custom && r.id ? { id: r.id } : {}),
      type: r.type,
      inputs,
      outputs,
      ...compact({
        parent: r.parent,
        protect: r.protect,
        dependencies: r.dependencies,
        propertyDependencies: compact(r.propertyDependencies),
        provider: r.provider,
        aliases: r.aliases,
        customTimeouts: r.customTimeouts
          ? compact({
              create: r.customTimeouts.create
                ? durationSeconds(r.customTimeouts.create)
                : undefined,
              update: r.customTimeouts.update
                ? durationSeconds(r.customTimeouts.update)
                : undefined,
              delete: r.customTimeouts.delete
                ? durationSeconds(r.customTimeouts.delete)
                : undefined,
            })
          : undefined,
        retainOnDelete: r.retainOnDelete,
        deleteBeforeReplace: r.deleteBeforeReplace,
        ignoreChanges: r.ignoreChanges,
        replaceOnChanges: r.replaceOnChanges,
        additionalSecretOutputs: r.additionalSecretOutputs,
        deletedWith: r.deletedWith,
      }),
    };
  });
  const version = `v${pulumiVersion}`;
  return {
    version: 3,
    deployment: {
      // The engine's magic is the SHA-256 of the CLI version it writes in the manifest.
      manifest: {
        time: now.toISOString(),
        magic: createHash("sha256").update(version).digest("hex"),
        version,
      },
      resources: exported,
    },
  };
}
