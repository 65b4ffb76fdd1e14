import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  EC_P256_CERTIFICATE,
  importedCertificate,
  requestedCertificate,
  RSA_1024_CERTIFICATE,
  RSA_2048_CERTIFICATE,
} from "../../../fixtures/acm";
import { violationMessages } from "../../../lib/testing";
import { acmeAcmCertificateEnforceKeyLength as policy } from "./enforceKeyLength";

describe(policy.name, () => {
  test("passes a requested ECDSA certificate, and an unset algorithm (RSA_2048)", async () => {
    assert.deepEqual(await violationMessages(policy, requestedCertificate()), []);
    const props = { ...requestedCertificate(), keyAlgorithm: undefined };
    assert.deepEqual(await violationMessages(policy, props), []);
  });

  test("reports a requested RSA_1024 certificate", async () => {
    const props = { ...requestedCertificate(), keyAlgorithm: "RSA_1024" };
    assert.deepEqual(await violationMessages(policy, props), [
      'keyAlgorithm is "RSA_1024"; use one of RSA_2048, RSA_3072, RSA_4096, EC_prime256v1, ' +
        "EC_secp384r1, EC_secp521r1.",
    ]);
  });

  test("passes imported RSA 2048 and ECDSA P-256 certificates", async () => {
    for (const body of [RSA_2048_CERTIFICATE, EC_P256_CERTIFICATE]) {
      assert.deepEqual(await violationMessages(policy, importedCertificate(body)), []);
    }
  });

  test("reports an imported certificate with a 1024-bit RSA key", async () => {
    assert.deepEqual(await violationMessages(policy, importedCertificate(RSA_1024_CERTIFICATE)), [
      "certificateBody has a 1024-bit RSA key; import a certificate with an RSA key of at least " +
        "2048 bits or an ECDSA key.",
    ]);
  });

  test("reports a certificate body that is not a certificate", async () => {
    assert.deepEqual(await violationMessages(policy, importedCertificate("not a certificate")), [
      "certificateBody is not a PEM certificate; import a PEM X.509 certificate.",
    ]);
  });
});
