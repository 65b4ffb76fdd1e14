import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  ACM_CERTIFICATE,
  importedCertificate,
  RSA_2048_CERTIFICATE,
  requestedCertificate,
} from "../../../fixtures/acm";
import { evaluateS3Stack, type StackResource } from "../../../fixtures/s3";
import { testUrn } from "../../../lib/testing";
import { acmeAcmCertificateEnableAutomaticRenewal as policy } from "./enableAutomaticRenewal";

const CERT_ARN =
  "arn:aws:acm:us-east-1:111122223333:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

const certificate = (props: object): StackResource => ({
  type: ACM_CERTIFICATE,
  name: "api",
  outputs: { ...props, arn: CERT_ARN },
});
const validation: StackResource = {
  type: "aws:acm/certificateValidation:CertificateValidation",
  name: "api",
  outputs: { certificateArn: CERT_ARN },
};

describe(policy.name, () => {
  test("passes a DNS-validated certificate with its validation", async () => {
    const stack = [certificate(requestedCertificate()), validation];
    assert.deepEqual((await evaluateS3Stack(policy, stack)).violations, []);
  });

  test("reports a certificate without its validation, and an imported one", async () => {
    const unvalidated = await evaluateS3Stack(policy, [certificate(requestedCertificate())]);
    assert.deepEqual(
      unvalidated.violations.map((v) => [v.urn, v.message]),
      [
        [
          testUrn(ACM_CERTIFICATE, "api"),
          "ACM certificate api has no aws.acm.CertificateValidation in the stack; add one with " +
            "its validation records so it is issued and renewed.",
        ],
      ],
    );
    const imported = await evaluateS3Stack(policy, [
      certificate(importedCertificate(RSA_2048_CERTIFICATE)),
    ]);
    assert.deepEqual(
      imported.violations.map((v) => v.message),
      [
        "ACM certificate api is imported, so ACM cannot renew it; request it from ACM with " +
          'validationMethod "DNS".',
      ],
    );
  });
});
