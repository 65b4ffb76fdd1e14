import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { eksCluster } from "../../../fixtures/eks";
import { violationMessages } from "../../../lib/testing";
import {
  acmeEksClusterEnforceSupportedVersion as policy,
  enforceSupportedVersion,
} from "./enforceSupportedVersion";

const window = {
  version: "1.34",
  until: "2027-02-28",
  reason: "upgrade to 1.35 after the add-on pins are looked up",
};
/** The rule on a fixed UTC day. */
const on = (day: string) => enforceSupportedVersion(() => new Date(`${day}T12:00:00Z`));

describe(policy.name, () => {
  test("passes the oldest version in standard support and newer ones", async () => {
    assert.deepEqual(await violationMessages(policy, eksCluster()), []);
    assert.deepEqual(await violationMessages(policy, { ...eksCluster(), version: "1.36" }), []);
  });

  test("reports a version past standard support and an unset one", async () => {
    assert.deepEqual(await violationMessages(policy, { ...eksCluster(), version: "1.34" }), [
      'version is "1.34"; pin a Kubernetes version in EKS standard support, 1.35 or newer.',
    ]);
    assert.deepEqual(await violationMessages(policy, { ...eksCluster(), version: undefined }), [
      "version is not set; pin a Kubernetes version in EKS standard support, 1.35 or newer.",
    ]);
  });

  test("takes the oldest supported version from config", async () => {
    assert.deepEqual(
      await violationMessages(policy, eksCluster(), { oldestSupportedVersion: "1.36" }),
      ['version is "1.35"; pin a Kubernetes version in EKS standard support, 1.36 or newer.'],
    );
  });

  test("passes the window's version through its last day, and fails it the day after", async () => {
    const cluster = { ...eksCluster(), version: "1.34" };
    const config = { upgradeWindows: [window] };
    assert.deepEqual(await violationMessages(on("2026-12-06"), cluster, config), []);
    assert.deepEqual(await violationMessages(on("2027-02-28"), cluster, config), []);
    assert.deepEqual(await violationMessages(on("2027-03-01"), cluster, config), [
      'version is "1.34", whose upgrade window closed on 2027-02-28; pin a Kubernetes version in EKS standard support, 1.35 or newer.',
    ]);
  });

  test("lets no other version through the window", async () => {
    assert.deepEqual(
      await violationMessages(
        on("2026-12-06"),
        { ...eksCluster(), version: "1.33" },
        { upgradeWindows: [window] },
      ),
      ['version is "1.33"; pin a Kubernetes version in EKS standard support, 1.35 or newer.'],
    );
  });

  test("refuses a window for a version older than the one just before the floor", async () => {
    const cluster = { ...eksCluster(), version: "1.33" };
    const older = { ...window, version: "1.33" };
    assert.deepEqual(
      await violationMessages(on("2026-12-06"), cluster, { upgradeWindows: [older] }),
      [
        'the policy config\'s upgradeWindows[0] version "1.33" is not the one minor version before the oldest supported 1.35 ("1.34"); upgrade instead.',
      ],
    );
    // With the floor raised, the same window is the one before it, and passes until its day.
    assert.deepEqual(
      await violationMessages(on("2026-12-06"), cluster, {
        oldestSupportedVersion: "1.34",
        upgradeWindows: [older],
      }),
      [],
    );
  });

  test("rejects a malformed window, naming the field", async () => {
    for (const [bad, field] of [
      [{ ...window, version: "1.34.2" }, "version"],
      [{ ...window, until: "28/02/2027" }, "until"],
      [{ ...window, reason: "later" }, "reason"],
    ] as const) {
      const messages = await violationMessages(on("2026-12-06"), eksCluster(), {
        upgradeWindows: [bad],
      });
      assert.equal(messages.length, 1);
      assert.match(messages[0], new RegExp(`^the policy config's upgradeWindows\\[0\\] ${field} `));
    }
  });
});
