import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { kmsKey } from "../../../fixtures/kms";
import { evaluateProps, unknownValue, violationMessages } from "../../../lib/testing";
import { acmeKmsKeyEnableKeyRotation as policy } from "./enableKeyRotation";

describe(policy.name, () => {
  test("passes a symmetric key with rotation enabled", async () => {
    assert.deepEqual(await violationMessages(policy, kmsKey()), []);
  });

  test("passes an explicit SYMMETRIC_DEFAULT key with rotation enabled", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...kmsKey(), customerMasterKeySpec: "SYMMETRIC_DEFAULT" }),
      [],
    );
  });

  test("reports rotation set to false", async () => {
    assert.deepEqual(await violationMessages(policy, { ...kmsKey(), enableKeyRotation: false }), [
      "enableKeyRotation is false; set it to true so KMS rotates the key material every year.",
    ]);
  });

  test("reports unset rotation, since AWS leaves rotation off by default", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...kmsKey(), enableKeyRotation: undefined }),
      ["enableKeyRotation is not set; set it to true so KMS rotates the key material every year."],
    );
  });

  test("skips an asymmetric key, which cannot rotate", async () => {
    const result = await evaluateProps(policy, {
      ...kmsKey(),
      customerMasterKeySpec: "RSA_2048",
    });
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.notApplicable.map((n) => n.reason),
      ["Keys with spec RSA_2048 cannot rotate automatically."],
    );
  });

  test("skips an HMAC key given through keySpec", async () => {
    const result = await evaluateProps(policy, {
      ...kmsKey(),
      keySpec: "HMAC_256",
    });
    assert.deepEqual(
      result.notApplicable.map((n) => n.reason),
      ["Keys with spec HMAC_256 cannot rotate automatically."],
    );
  });

  test("skips a key in a custom key store", async () => {
    const result = await evaluateProps(policy, {
      ...kmsKey(),
      customKeyStoreId: "cks-1234567890abcdef0",
    });
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.notApplicable.map((n) => n.reason),
      ["Keys in a custom key store cannot rotate automatically."],
    );
  });

  test("leaves an unknown rotation setting undecided instead of reporting it", async () => {
    const result = await evaluateProps(policy, {
      ...kmsKey(),
      enableKeyRotation: unknownValue<boolean>("boolean"),
    });
    assert.deepEqual(result.violations, []);
    assert.deepEqual(result.undecidable, [
      {
        policyName: policy.name,
        urn: "urn:pulumi:test::acme-platform::aws:kms/key:Key::subject",
        message: "boolean value at .enableKeyRotation can't be known during preview",
      },
    ]);
  });

  test("leaves an unknown key spec undecided", async () => {
    const result = await evaluateProps(policy, {
      ...kmsKey(),
      customerMasterKeySpec: unknownValue<string>("string"),
    });
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["string value at .customerMasterKeySpec can't be known during preview"],
    );
  });
});
