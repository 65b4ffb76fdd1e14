import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import type { Capture } from "../../tools/mocks";
import {
  MOCK_ACCOUNT_ID,
  mockPlatform,
  ofType,
  policyOf,
  simulateIam,
  single,
  TEST_REGION,
} from "../../tools/testing";
import { KeyDomain, PlatformKeys, validatePlatformKeysArgs } from "./keys";

const baseArgs = {
  aliasPrefix: "acme/test",
  accountId: MOCK_ACCOUNT_ID,
  partition: "aws",
  region: TEST_REGION,
};

describe("PlatformKeys", () => {
  let capture: Capture;
  let component: string;

  before(async () => {
    capture = await mockPlatform();
    const keys = new PlatformKeys("keys", baseArgs);
    new PlatformKeys("protected", {
      ...baseArgs,
      aliasPrefix: "acme/prot",
      deletionWindowInDays: 7,
      protect: true,
    });
    new PlatformKeys("delivering", {
      ...baseArgs,
      aliasPrefix: "acme/sfn",
      dataKeyLogDelivery: true,
    });
    await capture.settle();
    component = await new Promise<string>((resolve) => keys.urn.apply(resolve));
  });

  it("creates one symmetric, rotating key and one alias per data domain", () => {
    const keys = ofType(capture, "aws:kms/key:Key", component);
    assert.deepEqual(keys.map((k) => k.name).sort(), [
      "keys-alerts",
      "keys-cluster-secrets",
      "keys-data",
      "keys-logs",
      "keys-volumes",
    ]);
    for (const key of keys) {
      assert.equal(key.inputs.enableKeyRotation, true);
      assert.equal(key.inputs.rotationPeriodInDays, 365);
      assert.equal(key.inputs.deletionWindowInDays, 30);
      assert.equal(key.inputs.customerMasterKeySpec, "SYMMETRIC_DEFAULT");
      assert.equal(key.inputs.keyUsage, "ENCRYPT_DECRYPT");
      assert.equal(key.inputs.bypassPolicyLockoutSafetyCheck, false);
      assert.equal(key.protect, false);
    }
    const aliases = ofType(capture, "aws:kms/alias:Alias", component)
      .map((a) => a.inputs.name)
      .sort();
    assert.deepEqual(
      aliases,
      Object.values(KeyDomain)
        .map((d) => `alias/acme/test/${d}`)
        .sort(),
    );
  });

  it("gives the account root administration and no service kms:*", () => {
    for (const key of ofType(capture, "aws:kms/key:Key", component)) {
      const [root, ...services] = policyOf(key).Statement;
      assert.deepEqual(root, {
        Sid: "AccountAdministration",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${MOCK_ACCOUNT_ID}:root` },
        Action: "kms:*",
        Resource: "*",
      });
      for (const s of services) {
        const actions = ([] as string[]).concat(s.Action as string | string[]);
        assert.ok(
          !actions.includes("kms:*") && !actions.includes("*"),
          `${key.name}: ${String(s.Sid)} grants kms:*`,
        );
        assert.ok(
          s.Condition ||
            String(JSON.stringify(s.Principal)).includes("AWSServiceRoleForAutoScaling"),
        );
      }
    }
  });

  it("lets CloudWatch Logs use the logs key only for this account's log groups", () => {
    const statements = policyOf(single(capture, "aws:kms/key:Key", "keys-logs")).Statement;
    assert.equal(statements.length, 2);
    assert.deepEqual(statements[1], {
      Sid: "CloudWatchLogsInThisAccount",
      Effect: "Allow",
      Principal: { Service: `logs.${TEST_REGION}.amazonaws.com` },
      Action: [
        "kms:Encrypt*",
        "kms:Decrypt*",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey*",
        "kms:DescribeKey",
      ],
      Resource: "*",
      Condition: {
        ArnLike: {
          "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${TEST_REGION}:${MOCK_ACCOUNT_ID}:log-group:*`,
        },
      },
    });
  });

  it("grants no service principal on the data and cluster-secrets keys", () => {
    assert.equal(policyOf(single(capture, "aws:kms/key:Key", "keys-data")).Statement.length, 1);
    assert.equal(
      policyOf(single(capture, "aws:kms/key:Key", "keys-cluster-secrets")).Statement.length,
      1,
    );
  });

  it("lets log delivery decrypt with the data key for this account's log groups only when asked", () => {
    const statements = policyOf(single(capture, "aws:kms/key:Key", "delivering-data")).Statement;
    assert.equal(statements.length, 2);
    assert.deepEqual(statements[1], {
      Sid: "LogDeliveryOfVendedLogs",
      Effect: "Allow",
      Principal: { Service: "delivery.logs.amazonaws.com" },
      Action: "kms:Decrypt",
      Resource: "*",
      Condition: {
        StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID },
        StringLike: {
          "kms:EncryptionContext:SourceArn": `arn:aws:logs:${TEST_REGION}:${MOCK_ACCOUNT_ID}:*`,
        },
      },
    });
    for (const domain of ["logs", "cluster-secrets", "volumes", "alerts"]) {
      assert.ok(
        policyOf(single(capture, "aws:kms/key:Key", `delivering-${domain}`)).Statement.every(
          (st) => st.Sid !== "LogDeliveryOfVendedLogs",
        ),
        `only the data key gets the statement (${domain})`,
      );
    }
  });

  it("lets the Auto Scaling service-linked role use the volumes key without naming it as a principal", async () => {
    const key = single(capture, "aws:kms/key:Key", "keys-volumes");
    const [, use, grant] = policyOf(key).Statement;
    const slr = `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
    // The role may not exist when the key is created (it comes with the first Auto Scaling
    // group): KMS would reject it as a Principal, so only a condition names it.
    assert.ok(
      !JSON.stringify(policyOf(key).Statement.map((s) => s.Principal)).includes("AutoScaling"),
    );
    const onlyTheRole = {
      ArnEquals: { "aws:PrincipalArn": slr },
      StringEquals: { "aws:PrincipalAccount": MOCK_ACCOUNT_ID },
    };
    assert.deepEqual(use, {
      Sid: "AutoScalingUseForEncryptedVolumes",
      Effect: "Allow",
      Principal: { AWS: "*" },
      Action: [
        "kms:Encrypt*",
        "kms:Decrypt*",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey*",
        "kms:DescribeKey",
      ],
      Resource: "*",
      Condition: onlyTheRole,
    });
    assert.deepEqual(grant, {
      Sid: "AutoScalingGrantsForAwsResources",
      Effect: "Allow",
      Principal: { AWS: "*" },
      Action: "kms:CreateGrant",
      Resource: "*",
      Condition: { ...onlyTheRole, Bool: { "kms:GrantIsForAWSResource": "true" } },
    });
    // Evaluated: the role may decrypt and grant for AWS resources; another role of the account,
    // with no IAM policy of its own, may not.
    const keyArn = String(key.outputs.arn);
    const ask = (principal: string, action: string, context?: Record<string, string>) =>
      simulateIam({
        principal,
        identityPolicies: {},
        resourcePolicy: policyOf(key),
        action,
        resource: keyArn,
        // What AWS puts in every request's context for the calling role.
        context: {
          "aws:PrincipalArn": principal,
          "aws:PrincipalAccount": MOCK_ACCOUNT_ID,
          ...context,
        },
      });
    const other = `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/somebody`;
    assert.equal(await ask(slr, "kms:Decrypt"), "Allowed");
    assert.equal(
      await ask(slr, "kms:CreateGrant", { "kms:GrantIsForAWSResource": "true" }),
      "Allowed",
    );
    assert.notEqual(await ask(slr, "kms:CreateGrant"), "Allowed");
    assert.notEqual(await ask(other, "kms:Decrypt"), "Allowed");
  });

  it("protects keys, not aliases, and honours the deletion window when asked", () => {
    const keys = [...capture.resources.values()].filter(
      (r) => r.type === "aws:kms/key:Key" && r.name.startsWith("protected-"),
    );
    assert.equal(keys.length, 5);
    for (const key of keys) {
      assert.equal(key.protect, true);
      assert.equal(key.inputs.deletionWindowInDays, 7);
    }
    const aliases = [...capture.resources.values()].filter(
      (r) => r.type === "aws:kms/alias:Alias" && r.name.startsWith("protected-"),
    );
    assert.ok(aliases.every((a) => !a.protect));
  });

  it("rejects a deletion window outside 7..30 and a reserved alias prefix before registering anything", async () => {
    assert.deepEqual(
      validatePlatformKeysArgs({ ...baseArgs, aliasPrefix: "aws/x", deletionWindowInDays: 6 }).map(
        (e) => e.propertyPath,
      ),
      ["deletionWindowInDays", "aliasPrefix"],
    );
    const before = capture.resources.size;
    assert.throws(
      () => new PlatformKeys("bad", { ...baseArgs, deletionWindowInDays: 31 }),
      (e: Error) =>
        pulumi.InputPropertiesError.isInstance(e) &&
        /deletionWindowInDays: must be an integer from 7 to 30 \(got 31\)/.test(e.message),
    );
    await capture.settle();
    assert.equal(capture.resources.size, before, "nothing, not even the component, registers");
  });
});
