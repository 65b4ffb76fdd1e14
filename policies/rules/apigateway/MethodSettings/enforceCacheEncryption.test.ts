import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { methodSettings } from "../../../fixtures/apigateway";
import { violationMessages } from "../../../lib/testing";
import { acmeApigatewayMethodsettingsEnforceCacheEncryption as policy } from "./enforceCacheEncryption";

function withSettings(change: Record<string, unknown>) {
  const base = methodSettings();
  return { ...base, settings: { ...base.settings, ...change } };
}

describe(policy.name, () => {
  test("passes settings with caching off", async () => {
    assert.deepEqual(await violationMessages(policy, methodSettings()), []);
  });

  test("passes an encrypted cache", async () => {
    assert.deepEqual(
      await violationMessages(
        policy,
        withSettings({ cachingEnabled: true, cacheDataEncrypted: true }),
      ),
      [],
    );
  });

  test("reports a cache that is not encrypted", async () => {
    assert.deepEqual(await violationMessages(policy, withSettings({ cachingEnabled: true })), [
      "settings.cachingEnabled is true but settings.cacheDataEncrypted is not set; set " +
        "cacheDataEncrypted to true, or turn caching off.",
    ]);
  });
});
