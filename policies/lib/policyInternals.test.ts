import assert from "node:assert/strict";
import { createRequire } from "node:module";
import * as path from "node:path";
import { describe, test } from "node:test";
import { validateResourceOfType, validateStackResourcesOfType } from "@pulumi/policy";
import {
  installedPolicySdkVersion,
  isUnknownValueError,
  pulumiTypeOf,
  UNKNOWN,
  unknownCheckingProxy,
  VERIFIED_POLICY_SDK_VERSION,
  withPulumiType,
} from "./policyInternals";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** A resource class as SDK-generated ones look to CrossGuard: a static `__pulumiType`. */
function resourceClass(pulumiType: string): Parameters<typeof validateResourceOfType>[0] {
  return withPulumiType(class {}, pulumiType) as unknown as Parameters<
    typeof validateResourceOfType
  >[0];
}

/** What reading `read(proxy)` throws, or `undefined` when it does not throw. */
function thrownBy(read: () => unknown): unknown {
  try {
    read();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("policyInternals, the adapter over @pulumi/policy's @internal parts", () => {
  test("was verified against the installed @pulumi/policy", () => {
    const installed = installedPolicySdkVersion();
    assert.equal(
      installed,
      VERIFIED_POLICY_SDK_VERSION,
      `@pulumi/policy ${installed} is installed, but policies/lib/policyInternals.ts was verified ` +
        `against ${VERIFIED_POLICY_SDK_VERSION}. Re-read the new release's proxy.js ` +
        "(unknownCheckingProxy, UnknownValueError, the unknown*Value sentinels), policy.js " +
        "(getPulumiType, the __pulumiType tag) and server.js (how the analyzer calls policies) " +
        "against the adapter and policies/lib/runner.ts, fix what changed, then set " +
        `VERIFIED_POLICY_SDK_VERSION to "${installed}".`,
    );
  });

  test("reads the version of the copy it loads, and that copy is this project's", () => {
    // The root tsconfig maps @pulumi/policy and @pulumi/pulumi to the project's node_modules, so
    // the runner does not load the pack's own copies (policies/node_modules) beside them.
    const hostRequire = createRequire(path.join(REPO_ROOT, "package.json"));
    const hostSdk = hostRequire("@pulumi/policy") as { validateResourceOfType: unknown };
    assert.equal(hostSdk.validateResourceOfType, validateResourceOfType);
    hostRequire("@pulumi/pulumi");
    const copies = Object.keys(require.cache).filter((file) =>
      /[/\\]node_modules[/\\]@pulumi[/\\]pulumi[/\\]index\.js$/.test(file),
    );
    assert.equal(copies.length, 1, `@pulumi/pulumi is loaded more than once: ${copies.join(", ")}`);
    assert.equal(
      require.resolve("@pulumi/policy/package.json"),
      hostRequire.resolve("@pulumi/policy/package.json"),
    );
  });

  test("the proxy hands known values through, nested objects and arrays included", () => {
    const props = unknownCheckingProxy({
      name: "key",
      rotation: { enabled: true, days: [90, 180] },
    });
    assert.equal(props.name, "key");
    assert.equal(props.rotation.enabled, true);
    assert.deepEqual(
      props.rotation.days.filter((d) => d > 100),
      [180],
    );
  });

  const kinds: Array<[keyof typeof UNKNOWN, string]> = [
    ["string", "string"],
    ["boolean", "boolean"],
    ["number", "number"],
    ["array", "Array"],
    ["object", "Object"],
    ["asset", "asset"],
    ["archive", "archive"],
  ];
  for (const [kind, label] of kinds) {
    test(`reading an unknown ${kind} throws UnknownValueError with its path`, () => {
      const props = unknownCheckingProxy({ outer: { inner: [UNKNOWN[kind]] } });
      const e = thrownBy(() => props.outer.inner[0]);
      assert.ok(isUnknownValueError(e), `expected an UnknownValueError, got ${String(e)}`);
      assert.deepEqual(e.props, ["outer", "inner", "0"]);
      assert.equal(e.message, `${label} value at .outer.inner.0 can't be known during preview`);
    });
  }

  test("tells UnknownValueError from other errors", () => {
    assert.equal(isUnknownValueError(new Error("x")), false);
    assert.equal(isUnknownValueError(Object.assign(new Error("x"), { props: ["a"] })), false);
    assert.equal(isUnknownValueError(undefined), false);
  });

  test("reads the type tag the public helpers attach", () => {
    const validation = validateResourceOfType(resourceClass("aws:kms/key:Key"), () => {});
    assert.equal(pulumiTypeOf(validation), "aws:kms/key:Key");
    const stackValidation = validateStackResourcesOfType(
      resourceClass("aws:sqs/queue:Queue"),
      () => {},
    );
    assert.equal(pulumiTypeOf(stackValidation), "aws:sqs/queue:Queue");
    assert.equal(
      pulumiTypeOf(() => {}),
      undefined,
    );
    assert.equal(pulumiTypeOf(undefined), undefined);
    assert.equal(pulumiTypeOf(withPulumiType(() => {}, "")), undefined);
  });

  test("tags a function exactly as validateResourceOfType does", () => {
    const type = "aws:eks/cluster:Cluster";
    const byPublicHelper = validateResourceOfType(resourceClass(type), () => {});
    const byAdapter = withPulumiType(() => {}, type);
    assert.deepEqual(Object.entries(byAdapter), Object.entries(byPublicHelper));
    assert.equal(pulumiTypeOf(byAdapter), type);
  });
});
