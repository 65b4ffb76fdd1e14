import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { requestedCertificate } from "../../../fixtures/acm";
import { violationMessages } from "../../../lib/testing";
import { acmeAcmCertificateDisallowWildcardDomain as policy } from "./disallowWildcardDomain";

describe(policy.name, () => {
  test("passes named hosts", async () => {
    const props = { ...requestedCertificate(), subjectAlternativeNames: ["www.example.com"] };
    assert.deepEqual(await violationMessages(policy, props), []);
  });

  test("reports a wildcard alternative name", async () => {
    const props = { ...requestedCertificate(), subjectAlternativeNames: ["*.example.com"] };
    assert.deepEqual(await violationMessages(policy, props), [
      "*.example.com is a wildcard name; list the hosts the certificate serves.",
    ]);
  });
});
