/**
 * The one module that touches parts of @pulumi/policy marked `@internal` (stripped from its
 * typings, present in its JavaScript). The offline runner needs them to hand rules the same values
 * CrossGuard's analyzer does, and the rule helpers need the type tag the analyzer reads; nothing
 * else may reach past the public API (`policies/lib/boundaries.test.ts` checks).
 *
 * Written against @pulumi/policy {@link VERIFIED_POLICY_SDK_VERSION}: `policyInternals.test.ts`
 * fails when another version is installed and exercises each internal below, so a version bump
 * starts by re-reading the package's `proxy.js`, `policy.js` and `server.js` against this file.
 */
import * as fs from "node:fs";
import * as policySdk from "@pulumi/policy";
import * as proxyModule from "@pulumi/policy/proxy";

/**
 * The @pulumi/policy release whose internals this adapter was checked against.
 * @internal Exported for tests only.
 */
export const VERIFIED_POLICY_SDK_VERSION = "1.21.0";

/**
 * The installed @pulumi/policy version, without the leading "v" its package.json carries.
 * @internal Exported for tests only.
 */
export function installedPolicySdkVersion(): string {
  const file = require.resolve("@pulumi/policy/package.json");
  const { version } = JSON.parse(fs.readFileSync(file, "utf8")) as { version: string };
  return version.replace(/^v/, "");
}

/** `proxy.js`: the property path a proxied read failed on, e.g. `["encryptionConfig", "0"]`. */
export interface UnknownValueError extends Error {
  props: PropertyKey[];
}

const internals = policySdk as unknown as {
  /** `proxy.js`: wraps properties so that reading an unknown value throws `UnknownValueError`. */
  unknownCheckingProxy<T>(value: T): T;
  UnknownValueError: abstract new (...args: never[]) => UnknownValueError;
  /** `policy.js`: an object's `__pulumiType` when it is a non-empty string. */
  getPulumiType(obj: unknown): string | undefined;
};

const sentinels = proxyModule as unknown as Record<
  `unknown${"Boolean" | "Number" | "String" | "Array" | "Asset" | "Archive" | "Object"}Value`,
  string
>;

/**
 * The engine's sentinels for values not known until deployment, by kind. A property holding one
 * makes the proxy throw `UnknownValueError`, which CrossGuard reports as "can't run during preview".
 */
export const UNKNOWN = {
  string: sentinels.unknownStringValue,
  boolean: sentinels.unknownBooleanValue,
  number: sentinels.unknownNumberValue,
  array: sentinels.unknownArrayValue,
  object: sentinels.unknownObjectValue,
  asset: sentinels.unknownAssetValue,
  archive: sentinels.unknownArchiveValue,
} as const;

/** Wraps deserialized properties as the analyzer does before it hands them to a policy. */
export function unknownCheckingProxy<T extends object>(value: T): T {
  return internals.unknownCheckingProxy(value);
}

/** True for the error the proxy throws when a policy reads an unknown value. */
export function isUnknownValueError(e: unknown): e is UnknownValueError {
  return e instanceof internals.UnknownValueError;
}

/**
 * The Pulumi type token tagged on a resource class or a validation function, as the analyzer reads
 * it: it skips a lone resource validation (or a stack validation) tagged with a type the resource
 * (or the stack) does not have, and matches `isType`/`asType` on a tagged class by token.
 */
export function pulumiTypeOf(obj: unknown): string | undefined {
  return internals.getPulumiType(obj);
}

/**
 * Tags `target` with a Pulumi type token the way `validateResourceOfType` and generated resource
 * classes do, so that {@link pulumiTypeOf} (and CrossGuard's fast path) reads it.
 */
export function withPulumiType<T extends object>(target: T, pulumiType: string): T {
  return Object.assign(target, { __pulumiType: pulumiType });
}
