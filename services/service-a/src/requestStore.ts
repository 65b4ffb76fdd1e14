/**
 * Where Service A keeps idempotency records and request status. One table, two kinds of item:
 *  - `idem#<Idempotency-Key>`: the body's hash, the request id, and either a lease (a submission
 *    is in progress) or the stored answer (it was accepted);
 *  - `req#<requestId>`: the request's status and idempotency key, written in the same transaction
 *    that stores the answer, so a request is visible exactly when it was accepted; a Step
 *    Functions execution adds its name (statusAccess.ts), possibly before that transaction.
 * Both expire through the table's TTL attribute.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import type { AcceptedResponse, RequestStatus, StoredRequest } from "./model";
import { EXECUTION_NAME_ATTRIBUTE } from "./statusAccess";
import { REQUEST_ITEM_PREFIX, TABLE_KEY, TTL_ATTRIBUTE } from "./table";

export { TABLE_KEY, TTL_ATTRIBUTE };

/** The outcome of claiming an idempotency key. */
export type Claim =
  | { kind: "claimed"; requestId: string }
  | { kind: "replay"; response: AcceptedResponse }
  | { kind: "mismatch" }
  | { kind: "in-progress"; retryAfterSeconds: number };

export interface ClaimInput {
  key: string;
  bodyHash: string;
  /** The id to use if the key is new. */
  requestId: string;
  leaseMs: number;
  ttlSeconds: number;
}

/** Idempotency records and request status. Each call may take an AbortSignal. */
export interface RequestStore {
  /** Claims a key for a submission, or says why not. */
  claim(input: ClaimInput, signal?: AbortSignal): Promise<Claim>;
  /** Stores the answer under the key and the request's status, atomically. */
  accept(
    key: string,
    response: AcceptedResponse,
    status: RequestStatus,
    ttlSeconds: number,
    signal?: AbortSignal,
  ): Promise<void>;
  /** Gives up a claim after a failed submission, so a retry can proceed at once. */
  release(key: string, requestId: string, signal?: AbortSignal): Promise<void>;
  /** A request's status as recorded at acceptance. */
  get(requestId: string, signal?: AbortSignal): Promise<RequestStatus | undefined>;
  /** A request's record: its recorded status and what finds its run in the engine. */
  find(requestId: string, signal?: AbortSignal): Promise<StoredRequest | undefined>;
}

const secondsLeft = (until: number, now: number) => Math.max(1, Math.ceil((until - now) / 1000));

interface IdemRecord {
  bodyHash: string;
  requestId: string;
  /** Epoch milliseconds after which the record is gone (the table's TTL). */
  expiresAt?: number;
  leaseUntil?: number;
  response?: AcceptedResponse;
}

/** Decides a claim against an existing record (shared by both stores). */
function decide(existing: IdemRecord, input: ClaimInput, now: number): Claim | "take-over" {
  if (existing.bodyHash !== input.bodyHash) return { kind: "mismatch" };
  if (existing.response) return { kind: "replay", response: existing.response };
  if (existing.leaseUntil !== undefined && existing.leaseUntil > now) {
    return { kind: "in-progress", retryAfterSeconds: secondsLeft(existing.leaseUntil, now) };
  }
  return "take-over";
}

/** One process only: for local runs and tests. */
export class MemoryRequestStore implements RequestStore {
  private readonly keys = new Map<string, IdemRecord>();
  private readonly requests = new Map<string, StoredRequest>();
  constructor(private readonly now: () => number = Date.now) {}

  async claim(input: ClaimInput): Promise<Claim> {
    const now = this.now();
    const existing = this.keys.get(input.key);
    if (existing && (existing.expiresAt ?? Infinity) > now) {
      const decision = decide(existing, input, now);
      if (decision !== "take-over") return decision;
      existing.leaseUntil = now + input.leaseMs;
      return { kind: "claimed", requestId: existing.requestId };
    }
    this.keys.set(input.key, {
      bodyHash: input.bodyHash,
      requestId: input.requestId,
      leaseUntil: now + input.leaseMs,
      expiresAt: now + input.ttlSeconds * 1000,
    });
    return { kind: "claimed", requestId: input.requestId };
  }

  async accept(key: string, response: AcceptedResponse, status: RequestStatus): Promise<void> {
    const record = this.keys.get(key);
    if (!record || record.requestId !== response.requestId) {
      throw new Error(`idempotency key ${key} is not held by request ${response.requestId}`);
    }
    record.response = response;
    delete record.leaseUntil;
    this.requests.set(status.requestId, { status, idempotencyKey: key });
  }

  async release(key: string, requestId: string): Promise<void> {
    const record = this.keys.get(key);
    if (record && record.requestId === requestId && !record.response) this.keys.delete(key);
  }

  async get(requestId: string): Promise<RequestStatus | undefined> {
    return this.requests.get(requestId)?.status;
  }

  async find(requestId: string): Promise<StoredRequest | undefined> {
    return this.requests.get(requestId);
  }
}

const idemKey = (key: string) => ({ [TABLE_KEY]: { S: `idem#${key}` } });
const reqKey = (id: string) => ({ [TABLE_KEY]: { S: `${REQUEST_ITEM_PREFIX}${id}` } });
const expiry = (ttlSeconds: number, now: number) => ({
  N: String(Math.floor(now / 1000) + ttlSeconds),
});

function fromItem(item: Record<string, AttributeValue>): IdemRecord {
  return {
    bodyHash: item.bodyHash?.S ?? "",
    requestId: item.requestId?.S ?? "",
    ...(item.leaseUntil?.N ? { leaseUntil: Number(item.leaseUntil.N) } : {}),
    ...(item.response?.S ? { response: JSON.parse(item.response.S) as AcceptedResponse } : {}),
  };
}

/** The request table in DynamoDB (conditional writes; items expire through TTL). */
export class DynamoRequestStore implements RequestStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {}

  async claim(input: ClaimInput, signal?: AbortSignal): Promise<Claim> {
    const now = this.now();
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            ...idemKey(input.key),
            bodyHash: { S: input.bodyHash },
            requestId: { S: input.requestId },
            leaseUntil: { N: String(now + input.leaseMs) },
            [TTL_ATTRIBUTE]: expiry(input.ttlSeconds, now),
          },
          // DynamoDB deletes expired items late (up to days): one past its TTL counts as absent.
          ConditionExpression: `attribute_not_exists(${TABLE_KEY}) OR #expires < :now`,
          ExpressionAttributeNames: { "#expires": TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ":now": { N: String(Math.floor(now / 1000)) } },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
        { abortSignal: signal },
      );
      return { kind: "claimed", requestId: input.requestId };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) || !error.Item) throw error;
      const existing = fromItem(error.Item);
      const decision = decide(existing, input, now);
      if (decision !== "take-over") return decision;
      return this.takeOver(input, existing, now, signal);
    }
  }

  /** Takes over a key whose submitter's lease expired (it crashed mid-submission). */
  private async takeOver(
    input: ClaimInput,
    existing: IdemRecord,
    now: number,
    signal?: AbortSignal,
  ): Promise<Claim> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: idemKey(input.key),
          UpdateExpression: "SET leaseUntil = :lease",
          ConditionExpression: "leaseUntil = :old AND requestId = :rid",
          ExpressionAttributeValues: {
            ":lease": { N: String(now + input.leaseMs) },
            ":old": { N: String(existing.leaseUntil ?? 0) },
            ":rid": { S: existing.requestId },
          },
        }),
        { abortSignal: signal },
      );
      return { kind: "claimed", requestId: existing.requestId };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        return { kind: "in-progress", retryAfterSeconds: 1 };
      throw error;
    }
  }

  async accept(
    key: string,
    response: AcceptedResponse,
    status: RequestStatus,
    ttlSeconds: number,
    signal?: AbortSignal,
  ): Promise<void> {
    const now = this.now();
    await this.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName: this.table,
              Key: idemKey(key),
              UpdateExpression: "SET #response = :response REMOVE leaseUntil",
              ConditionExpression: "requestId = :rid",
              ExpressionAttributeNames: { "#response": "response" },
              ExpressionAttributeValues: {
                ":response": { S: JSON.stringify(response) },
                ":rid": { S: response.requestId },
              },
            },
          },
          {
            // An update, not a put: a Step Functions execution may already have written its
            // name onto the item (statusAccess.ts), and a put would erase it.
            Update: {
              TableName: this.table,
              Key: reqKey(status.requestId),
              UpdateExpression: "SET #status = :status, idempotencyKey = :key, #expires = :expires",
              ExpressionAttributeNames: { "#status": "status", "#expires": TTL_ATTRIBUTE },
              ExpressionAttributeValues: {
                ":status": { S: JSON.stringify(status) },
                ":key": { S: key },
                ":expires": expiry(ttlSeconds, now),
              },
            },
          },
        ],
      }),
      { abortSignal: signal },
    );
  }

  async release(key: string, requestId: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.table,
          Key: idemKey(key),
          ConditionExpression: "requestId = :rid AND attribute_not_exists(#response)",
          ExpressionAttributeNames: { "#response": "response" },
          ExpressionAttributeValues: { ":rid": { S: requestId } },
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async get(requestId: string, signal?: AbortSignal): Promise<RequestStatus | undefined> {
    return (await this.find(requestId, signal))?.status;
  }

  async find(requestId: string, signal?: AbortSignal): Promise<StoredRequest | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: reqKey(requestId), ConsistentRead: true }),
      { abortSignal: signal },
    );
    // An item past its TTL that DynamoDB has not deleted yet is gone for us; one with only an
    // execution's name was not accepted (yet).
    const expired = Number(Item?.[TTL_ATTRIBUTE]?.N ?? Infinity) < Math.floor(this.now() / 1000);
    if (!Item?.status?.S || expired) return undefined;
    return {
      status: JSON.parse(Item.status.S) as RequestStatus,
      ...(Item.idempotencyKey?.S ? { idempotencyKey: Item.idempotencyKey.S } : {}),
      ...(Item[EXECUTION_NAME_ATTRIBUTE]?.S
        ? { executionName: Item[EXECUTION_NAME_ATTRIBUTE].S }
        : {}),
    };
  }
}
