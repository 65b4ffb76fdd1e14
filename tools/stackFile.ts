/**
 * Loads a stack's configuration the way the Pulumi CLI hands it to a program: keys namespaced by
 * the project (`key` -> `<project>:key`), structured values as JSON text, and every `secure:` value
 * replaced by a placeholder that is marked secret (the CLI would decrypt it; offline we cannot, so
 * the program sees a value it must treat as a secret and nothing readable).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { PROJECT, SECRET_CONFIG_KEYS } from "../config";

/** The configuration as the program receives it. */
export interface LoadedConfig {
  project: string;
  /** `namespace:key` -> value text, as in PULUMI_CONFIG. */
  config: Record<string, string>;
  /** Keys whose values are secrets (PULUMI_CONFIG_SECRET_KEYS). */
  secretKeys: string[];
  /**
   * Credential keys (`SECRET_CONFIG_KEYS`) the stack file does not hold, given a secret
   * placeholder: they are set per deployment with `pulumi config set --secret`, and offline a
   * secret is never readable anyway.
   */
  placeholders: string[];
}

/** Problems reading the project or stack file: usage errors (exit 2). */
export class StackFileError extends Error {}

/**
 * The marker offline plans put in place of a `secure:` value.
 * @internal Exported for tests only.
 */
export function secretPlaceholder(key: string): string {
  return `offline-plan-secret:${key}`;
}

function readYaml(file: string): Record<string, unknown> {
  if (!fs.existsSync(file)) throw new StackFileError(`${file} does not exist`);
  try {
    const doc = parse(fs.readFileSync(file, "utf8")) as unknown;
    return doc && typeof doc === "object" ? (doc as Record<string, unknown>) : {};
  } catch (e) {
    throw new StackFileError(`${file} is not valid YAML: ${(e as Error).message}`);
  }
}

function isSecure(value: unknown): value is { secure: string } {
  return (
    typeof value === "object" &&
    value !== null &&
    Object.keys(value).length === 1 &&
    "secure" in value
  );
}

/** True when a structured value holds a `secure:` leaf anywhere (Pulumi marks the whole key secret). */
function hasSecureLeaf(value: unknown): boolean {
  if (isSecure(value)) return true;
  if (Array.isArray(value)) return value.some(hasSecureLeaf);
  if (value && typeof value === "object") return Object.values(value).some(hasSecureLeaf);
  return false;
}

function replaceSecure(value: unknown, key: string): unknown {
  if (isSecure(value)) return secretPlaceholder(key);
  if (Array.isArray(value)) return value.map((v) => replaceSecure(v, key));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, replaceSecure(v, `${key}.${k}`)]),
    );
  }
  return value;
}

/**
 * Reads `Pulumi.yaml` in `projectDir` and the stack file (`Pulumi.<stack>.yaml` there, or
 * `configFile`), merging project-level `config:` defaults under the stack's values.
 */
export function loadStackConfig(
  projectDir: string,
  stack: string,
  configFile?: string,
): LoadedConfig {
  const project = readYaml(path.join(projectDir, "Pulumi.yaml"));
  const projectName = project.name;
  if (typeof projectName !== "string" || !projectName) {
    throw new StackFileError(`${path.join(projectDir, "Pulumi.yaml")} has no project name`);
  }
  const stackPath = configFile ?? path.join(projectDir, `Pulumi.${stack}.yaml`);
  const stackDoc = readYaml(stackPath);
  const entries: Array<[string, unknown]> = [];

  const projectConfig = (project.config ?? {}) as Record<string, unknown>;
  for (const [key, decl] of Object.entries(projectConfig)) {
    // Project-level declarations are `{ default: ... }`/`{ value: ... }` or a bare value.
    const value =
      decl &&
      typeof decl === "object" &&
      !Array.isArray(decl) &&
      ("default" in decl || "value" in decl)
        ? ((decl as Record<string, unknown>).value ?? (decl as Record<string, unknown>).default)
        : decl;
    if (value !== undefined) entries.push([key, value]);
  }
  const stackConfig = stackDoc.config ?? {};
  if (typeof stackConfig !== "object" || Array.isArray(stackConfig)) {
    throw new StackFileError(`${stackPath}: "config" must be a map of keys to values`);
  }
  entries.push(...Object.entries(stackConfig as Record<string, unknown>));

  const config: Record<string, string> = {};
  const secretKeys = new Set<string>();
  for (const [rawKey, value] of entries) {
    const key = rawKey.includes(":") ? rawKey : `${projectName}:${rawKey}`;
    if (hasSecureLeaf(value)) secretKeys.add(key);
    const plain = replaceSecure(value, key);
    config[key] = typeof plain === "string" ? plain : JSON.stringify(plain);
  }
  const placeholders: string[] = [];
  // Only this project's schema has these keys.
  const credentialKeys = projectName === PROJECT ? SECRET_CONFIG_KEYS : [];
  for (const key of credentialKeys.map((k) => `${projectName}:${k}`)) {
    if (key in config) continue;
    config[key] = secretPlaceholder(key);
    secretKeys.add(key);
    placeholders.push(key);
  }
  return { project: projectName, config, secretKeys: [...secretKeys], placeholders };
}
