import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { requestedCertificate } from "../../../fixtures/acm";
import { violationMessages } from "../../../lib/testing";
import { acmeAcmCertificateEnableTransparencyLogging as policy } from "./enableTransparencyLogging";

describe(policy.name, () => {
  test("passes the default (enabled) preference", async () => {
    assert.deepEqual(await violationMessages(policy, requestedCertificate()), []);
  });

  test("reports an opt-out", async () => {
    const props = {
      ...requestedCertificate(),
      options: { certificateTransparencyLoggingPreference: "DISABLED" },
    };
    assert.deepEqual(await violationMessages(policy, props), [
      'options.certificateTransparencyLoggingPreference is "DISABLED"; remove it or set it to "ENABLED".',
    ]);
  });
});
