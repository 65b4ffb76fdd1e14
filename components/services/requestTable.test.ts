import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { dynamodbPolicies } from "../../policies/rules/dynamodb";
import { evaluateStackExport } from "../../policies/lib/runner";
import type { Capture, CapturedResource } from "../../tools/mocks";
import { toStackExport } from "../../tools/stackExport";
import {
  type IamDecision,
  MOCK_ACCOUNT_ID,
  mockPlatform,
  ofType,
  simulateIam,
  single,
  TEST_REGION,
  valueOf,
} from "../../tools/testing";
import { TABLE_KEY, TTL_ATTRIBUTE } from "../../services/service-a/src/table";
import { policyDocument } from "../lib";
import { PlatformKeys } from "../security";
import {
  RequestTable,
  type RequestTableArgs,
  requestTableAccess,
  validateRequestTableArgs,
} from "./requestTable";

const TABLE = "aws:dynamodb/table:Table";
const KEY_ARN = `arn:aws:kms:${TEST_REGION}:${MOCK_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ROLE = `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/service-a`;
const VIA_DYNAMODB = { "kms:ViaService": `dynamodb.${TEST_REGION}.amazonaws.com` };

const args = (overrides: Partial<RequestTableArgs> = {}): RequestTableArgs => ({
  kmsKeyArn: KEY_ARN,
  region: TEST_REGION,
  ...overrides,
});

describe("RequestTable", () => {
  let capture: Capture;
  let requests: RequestTable;
  let requestsUrn: string;
  let dataKeyArn: string;
  let gate: aws.sqs.Queue;

  before(async () => {
    capture = await mockPlatform();
    const keys = new PlatformKeys("keys", {
      aliasPrefix: "acme/test",
      accountId: MOCK_ACCOUNT_ID,
      partition: "aws",
      region: TEST_REGION,
    });
    gate = new aws.sqs.Queue("gate", {});
    requests = new RequestTable("requests", args({ kmsKeyArn: keys.dataKeyArn }), {
      dependsOn: [gate],
    });
    new RequestTable("protected", args({ protect: true }));
    new RequestTable("other", args());
    await capture.settle();
    requestsUrn = await valueOf(requests.urn);
    dataKeyArn = single(capture, "aws:kms/key:Key", "keys-data").outputs.arn as string;
  });

  it("registers one table, its own child, waiting for what the component waits for", async () => {
    const children = [...capture.resources.values()].filter((r) => r.parent === requestsUrn);
    assert.deepEqual(
      children.map((c) => [c.type, c.name]),
      [[TABLE, "requests"]],
    );
    // The gate from opts.dependsOn, and the key its encryption input names.
    assert.deepEqual(children[0].dependencies, [
      await valueOf(gate.urn),
      single(capture, "aws:kms/key:Key", "keys-data").urn,
    ]);
    assert.deepEqual(single(capture, TABLE, "other").dependencies, []);
    assert.equal(
      (capture.resources.get(requestsUrn) as CapturedResource).type,
      "acme:services:RequestTable",
    );
  });

  it("keys the table as the service reads it, encrypts it with the data key and keeps PITR and TTL on", () => {
    const table = single(capture, TABLE, "requests");
    assert.deepEqual(table.inputs, {
      billingMode: "PAY_PER_REQUEST",
      hashKey: TABLE_KEY,
      attributes: [{ name: TABLE_KEY, type: "S" }],
      ttl: { enabled: true, attributeName: TTL_ATTRIBUTE },
      serverSideEncryption: { enabled: true, kmsKeyArn: dataKeyArn },
      pointInTimeRecovery: { enabled: true },
    });
    assert.deepEqual([TABLE_KEY, TTL_ATTRIBUTE], ["pk", "expiresAt"]);
    assert.equal("rangeKey" in table.inputs, false, "no sort key");
    assert.equal("name" in table.inputs, false, "auto-named");
  });

  it("protects the table only when asked, with deletion protection and Pulumi protect", () => {
    const plain = single(capture, TABLE, "requests");
    assert.equal(plain.protect, false);
    assert.equal("deletionProtectionEnabled" in plain.inputs, false);
    const guarded = single(capture, TABLE, "protected");
    assert.equal(guarded.protect, true);
    assert.equal(guarded.inputs.deletionProtectionEnabled, true);
    assert.deepEqual(guarded.inputs.serverSideEncryption, { enabled: true, kmsKeyArn: KEY_ARN });
  });

  it("registers the table's name and ARN and the key as outputs", () => {
    const table = single(capture, TABLE, "requests");
    assert.match(
      String(table.outputs.arn),
      /^arn:aws:dynamodb:eu-west-1:111122223333:table\/requests-[0-9a-f]{7}$/,
    );
    assert.deepEqual((capture.resources.get(requestsUrn) as CapturedResource).outputs, {
      tableName: table.outputs.name,
      tableArn: table.outputs.arn,
      keyArn: dataKeyArn,
    });
  });

  it("grants the item operations on this table and the key only through DynamoDB", async () => {
    assert.deepEqual(JSON.parse(await valueOf(policyDocument(requestTableAccess(requests)))), {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: [
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:ConditionCheckItem",
          ],
          Resource: single(capture, TABLE, "requests").outputs.arn,
        },
        {
          Effect: "Allow",
          Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
          Resource: dataKeyArn,
          Condition: { StringEquals: VIA_DYNAMODB },
        },
      ],
    });
  });

  it("passes the pack's DynamoDB policies", async () => {
    const result = await evaluateStackExport(
      toStackExport([...capture.resources.values()], "3.248.0"),
      { policies: dynamodbPolicies },
    );
    assert.deepEqual(result.violations, []);
    assert.deepEqual(result.undecidable, []);
    assert.equal(result.policiesRun, 2);
  });

  describe("under IAM evaluation", () => {
    let access: unknown;
    let keyPolicy: unknown;
    let own: string;
    let other: string;
    const decide = (action: string, resource: string, context: Record<string, string> = {}) =>
      simulateIam({
        principal: ROLE,
        identityPolicies: { access },
        // KMS honours IAM policies only where the key policy delegates to the account.
        resourcePolicy: action.startsWith("kms:") ? keyPolicy : undefined,
        action,
        resource,
        context,
      }) as Promise<IamDecision>;

    before(async () => {
      access = JSON.parse(await valueOf(policyDocument(requestTableAccess(requests))));
      keyPolicy = JSON.parse(
        single(capture, "aws:kms/key:Key", "keys-data").inputs.policy as string,
      );
      own = single(capture, TABLE, "requests").outputs.arn as string;
      other = single(capture, TABLE, "other").outputs.arn as string;
    });

    it("allows PutItem on this table and denies it on another table", async () => {
      assert.notEqual(own, other);
      assert.equal(await decide("dynamodb:PutItem", own), "Allowed");
      assert.equal(await decide("dynamodb:PutItem", other), "ImplicitlyDenied");
    });

    it("allows every item operation the service makes, and no Scan, Query or table management", async () => {
      for (const action of [
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem",
      ]) {
        assert.equal(await decide(action, own), "Allowed", action);
      }
      for (const action of [
        "dynamodb:Scan",
        "dynamodb:Query",
        "dynamodb:BatchWriteItem",
        "dynamodb:DeleteTable",
        "dynamodb:UpdateTable",
      ]) {
        assert.equal(await decide(action, own), "ImplicitlyDenied", action);
      }
    });

    it("lets the role use the data key only through DynamoDB in the table's Region", async () => {
      assert.equal(await decide("kms:GenerateDataKey", dataKeyArn, VIA_DYNAMODB), "Allowed");
      assert.equal(await decide("kms:Decrypt", dataKeyArn, VIA_DYNAMODB), "Allowed");
      assert.equal(await decide("kms:Decrypt", dataKeyArn), "ImplicitlyDenied");
      assert.equal(
        await decide("kms:Decrypt", dataKeyArn, {
          "kms:ViaService": `sqs.${TEST_REGION}.amazonaws.com`,
        }),
        "ImplicitlyDenied",
      );
    });
  });

  it("accepts a key ARN and a Region", () => {
    assert.deepEqual(validateRequestTableArgs(args(), "requests"), []);
    assert.deepEqual(validateRequestTableArgs(args(), "x".repeat(247)), []);
  });

  it("names each invalid argument with its fix", () => {
    const reasons = (overrides: Partial<RequestTableArgs>, name?: string) =>
      validateRequestTableArgs(args(overrides), name).map((e) => `${e.propertyPath}: ${e.reason}`);
    assert.deepEqual(reasons({ kmsKeyArn: "alias/acme/dev/data" }), [
      'kmsKeyArn: "alias/acme/dev/data" is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); ' +
        "pass the key's ARN (PlatformKeys.dataKeyArn), not an alias or key ID, so the access " +
        "statements name the key IAM checks",
    ]);
    assert.deepEqual(reasons({ region: "Europe" }), [
      'region: "Europe" is not an AWS Region code; use the form eu-west-1',
    ]);
    assert.deepEqual(reasons({}, "x".repeat(248)), [
      `name: "${"x".repeat(248)}" cannot name a DynamoDB table; use at most 247 letters, digits, ` +
        '"_", "-" and "." (the table name adds a random suffix)',
    ]);
    assert.deepEqual(reasons({}, "requests/a"), [
      'name: "requests/a" cannot name a DynamoDB table; use at most 247 letters, digits, "_", "-" ' +
        'and "." (the table name adds a random suffix)',
    ]);
  });

  it("rejects bad arguments with one error naming every problem and registers nothing", async () => {
    const before = capture.resources.size;
    assert.throws(
      () => new RequestTable("bad", args({ kmsKeyArn: "alias/data", region: "Europe" })),
      (e: Error) =>
        pulumi.InputPropertiesError.isInstance(e) &&
        /^RequestTable: 2 invalid arguments:\n/.test(e.message) &&
        ["  - kmsKeyArn: ", "  - region: "].every((line) => e.message.includes(line)),
    );
    await capture.settle();
    assert.equal(capture.resources.size, before);
    assert.equal(ofType(capture, TABLE).length, 3);
  });
});
