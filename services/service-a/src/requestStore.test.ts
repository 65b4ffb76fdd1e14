import * as assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { DynamoRequestStore, MemoryRequestStore, TABLE_KEY, TTL_ATTRIBUTE } from "./requestStore";
import type { AcceptedResponse, RequestStatus } from "./model";

const NOW = 1_800_000_000_000;
const TABLE = "acme-dev-service-a-requests";
const CLAIM = {
  key: "k-1",
  bodyHash: "h-1",
  requestId: "r-new",
  leaseMs: 30_000,
  ttlSeconds: 86_400,
};
const RESPONSE: AcceptedResponse = {
  requestId: "r-1",
  status: "accepted",
  statusUrl: "/v1/workflow-requests/r-1",
};
const STATUS: RequestStatus = {
  requestId: "r-1",
  workflowTemplate: "nightly-report",
  priority: "normal",
  status: "accepted",
  submittedAt: "2027-01-15T08:00:00.000Z",
  updatedAt: "2027-01-15T08:00:00.000Z",
};

const conditionFailed = (item?: Record<string, unknown>) =>
  Object.assign(
    new ConditionalCheckFailedException({
      message: "The conditional request failed",
      $metadata: {},
    }),
    item ? { Item: item } : {},
  );

describe("DynamoRequestStore", () => {
  const ddb = mockClient(DynamoDBClient);
  let store: DynamoRequestStore;
  beforeEach(() => {
    ddb.reset();
    store = new DynamoRequestStore(new DynamoDBClient({ region: "eu-west-1" }), TABLE, () => NOW);
  });
  afterEach(() => ddb.reset());

  it("claims a new key with one conditional put carrying the lease and the TTL", async () => {
    ddb.on(PutItemCommand).resolves({});
    assert.deepEqual(await store.claim(CLAIM), { kind: "claimed", requestId: "r-new" });
    assert.deepEqual(ddb.commandCalls(PutItemCommand)[0].args[0].input, {
      TableName: TABLE,
      Item: {
        [TABLE_KEY]: { S: "idem#k-1" },
        bodyHash: { S: "h-1" },
        requestId: { S: "r-new" },
        leaseUntil: { N: String(NOW + 30_000) },
        [TTL_ATTRIBUTE]: { N: String(NOW / 1000 + 86_400) },
      },
      ConditionExpression: "attribute_not_exists(pk) OR #expires < :now",
      ExpressionAttributeNames: { "#expires": TTL_ATTRIBUTE },
      ExpressionAttributeValues: { ":now": { N: String(NOW / 1000) } },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    });
  });

  it("replays a completed key, refuses another body, and reports one in progress", async () => {
    ddb
      .on(PutItemCommand)
      .rejectsOnce(
        conditionFailed({
          bodyHash: { S: "h-1" },
          requestId: { S: "r-1" },
          response: { S: JSON.stringify(RESPONSE) },
        }),
      )
      .rejectsOnce(conditionFailed({ bodyHash: { S: "other" }, requestId: { S: "r-1" } }))
      .rejectsOnce(
        conditionFailed({
          bodyHash: { S: "h-1" },
          requestId: { S: "r-1" },
          leaseUntil: { N: String(NOW + 2_500) },
        }),
      );
    assert.deepEqual(await store.claim(CLAIM), { kind: "replay", response: RESPONSE });
    assert.deepEqual(await store.claim(CLAIM), { kind: "mismatch" });
    assert.deepEqual(await store.claim(CLAIM), { kind: "in-progress", retryAfterSeconds: 3 });
    assert.equal(ddb.commandCalls(UpdateItemCommand).length, 0);
  });

  it("takes over a key whose lease ran out, keeping its request id, with a conditional update", async () => {
    ddb.on(PutItemCommand).rejects(
      conditionFailed({
        bodyHash: { S: "h-1" },
        requestId: { S: "r-1" },
        leaseUntil: { N: String(NOW - 1) },
      }),
    );
    ddb.on(UpdateItemCommand).resolves({});
    assert.deepEqual(await store.claim(CLAIM), { kind: "claimed", requestId: "r-1" });
    const update = ddb.commandCalls(UpdateItemCommand)[0].args[0].input;
    assert.equal(update.ConditionExpression, "leaseUntil = :old AND requestId = :rid");
    assert.deepEqual(update.ExpressionAttributeValues, {
      ":lease": { N: String(NOW + 30_000) },
      ":old": { N: String(NOW - 1) },
      ":rid": { S: "r-1" },
    });
    // Someone else took it over first.
    ddb.on(UpdateItemCommand).rejects(conditionFailed());
    assert.deepEqual(await store.claim(CLAIM), { kind: "in-progress", retryAfterSeconds: 1 });
  });

  it("stores the answer and the status in one transaction conditioned on holding the key", async () => {
    ddb.on(TransactWriteItemsCommand).resolves({});
    await store.accept("k-1", RESPONSE, STATUS, 86_400);
    const [update, request] =
      ddb.commandCalls(TransactWriteItemsCommand)[0].args[0].input.TransactItems ?? [];
    assert.equal(update.Update?.ConditionExpression, "requestId = :rid");
    assert.deepEqual(update.Update?.Key, { pk: { S: "idem#k-1" } });
    assert.equal(update.Update?.UpdateExpression, "SET #response = :response REMOVE leaseUntil");
    // The request item is updated, never put: an execution's name written first must survive.
    assert.equal(request.Put, undefined);
    assert.deepEqual(request.Update, {
      TableName: TABLE,
      Key: { pk: { S: "req#r-1" } },
      UpdateExpression: "SET #status = :status, idempotencyKey = :key, #expires = :expires",
      ExpressionAttributeNames: { "#status": "status", "#expires": TTL_ATTRIBUTE },
      ExpressionAttributeValues: {
        ":status": { S: JSON.stringify(STATUS) },
        ":key": { S: "k-1" },
        ":expires": { N: String(NOW / 1000 + 86_400) },
      },
    });
  });

  it("finds a request's record: status, idempotency key and the execution's name once written", async () => {
    ddb.on(GetItemCommand).resolves({
      Item: {
        pk: { S: "req#r-1" },
        status: { S: JSON.stringify(STATUS) },
        idempotencyKey: { S: "k-1" },
        executionName: { S: "4f3c1b9e-7a2d-4c65-9a51-0d9c1f7e2b10" },
        [TTL_ATTRIBUTE]: { N: String(NOW / 1000 + 60) },
      },
    });
    assert.deepEqual(await store.find("r-1"), {
      status: STATUS,
      idempotencyKey: "k-1",
      executionName: "4f3c1b9e-7a2d-4c65-9a51-0d9c1f7e2b10",
    });
    // Written before Service A stored the key: the status alone.
    ddb.on(GetItemCommand).resolves({
      Item: { pk: { S: "req#r-1" }, status: { S: JSON.stringify(STATUS) } },
    });
    assert.deepEqual(await store.find("r-1"), { status: STATUS });
    // Only the execution's name (it started before Service A stored the answer): not accepted yet.
    ddb.on(GetItemCommand).resolves({
      Item: { pk: { S: "req#r-1" }, executionName: { S: "e-1" } },
    });
    assert.equal(await store.find("r-1"), undefined);
  });

  it("releases only its own unanswered claim, and reads status consistently", async () => {
    ddb.on(DeleteItemCommand).rejects(conditionFailed());
    await store.release("k-1", "r-1"); // someone else's or answered: nothing to do, no error
    assert.equal(
      ddb.commandCalls(DeleteItemCommand)[0].args[0].input.ConditionExpression,
      "requestId = :rid AND attribute_not_exists(#response)",
    );
    ddb
      .on(GetItemCommand)
      .resolves({ Item: { pk: { S: "req#r-1" }, status: { S: JSON.stringify(STATUS) } } });
    assert.deepEqual(await store.get("r-1"), STATUS);
    assert.equal(ddb.commandCalls(GetItemCommand)[0].args[0].input.ConsistentRead, true);
    ddb.on(GetItemCommand).resolves({});
    assert.equal(await store.get("r-2"), undefined);
    // Past its TTL but not yet deleted by DynamoDB: gone.
    ddb.on(GetItemCommand).resolves({
      Item: {
        pk: { S: "req#r-1" },
        status: { S: JSON.stringify(STATUS) },
        [TTL_ATTRIBUTE]: { N: String(NOW / 1000 - 1) },
      },
    });
    assert.equal(await store.get("r-1"), undefined);
  });

  it("passes other DynamoDB errors on (the breaker counts them)", async () => {
    const throttled = Object.assign(new Error("Throughput exceeds the current capacity"), {
      name: "ProvisionedThroughputExceededException",
    });
    ddb.on(PutItemCommand).rejects(throttled);
    await assert.rejects(store.claim(CLAIM), /Throughput exceeds/);
  });
});

describe("MemoryRequestStore", () => {
  it("behaves as the table does: claim, replay, mismatch, in progress, take-over, release", async () => {
    let now = NOW;
    const store = new MemoryRequestStore(() => now);
    assert.deepEqual(await store.claim({ ...CLAIM, requestId: "r-1" }), {
      kind: "claimed",
      requestId: "r-1",
    });
    assert.deepEqual(await store.claim(CLAIM), { kind: "in-progress", retryAfterSeconds: 30 });
    assert.deepEqual(await store.claim({ ...CLAIM, bodyHash: "h-2" }), { kind: "mismatch" });
    now += 30_001;
    assert.deepEqual(
      await store.claim(CLAIM),
      { kind: "claimed", requestId: "r-1" },
      "taken over with its id",
    );
    await store.accept("k-1", RESPONSE, STATUS);
    assert.deepEqual(await store.claim(CLAIM), { kind: "replay", response: RESPONSE });
    assert.deepEqual(await store.get("r-1"), STATUS);
    assert.deepEqual(await store.find("r-1"), { status: STATUS, idempotencyKey: "k-1" });
    assert.equal(await store.find("r-unknown"), undefined);
    await store.release("k-1", "r-1");
    assert.deepEqual(
      await store.claim(CLAIM),
      { kind: "replay", response: RESPONSE },
      "an answered key is never released",
    );
    await assert.rejects(
      store.accept("k-2", RESPONSE, STATUS),
      /idempotency key k-2 is not held by request r-1/,
    );
    // After the TTL the key is free again: a new claim, a new request id.
    now += 86_400 * 1000;
    assert.deepEqual(await store.claim({ ...CLAIM, requestId: "r-2" }), {
      kind: "claimed",
      requestId: "r-2",
    });
  });
});
