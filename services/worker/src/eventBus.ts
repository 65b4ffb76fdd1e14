/**
 * The event bus the worker publishes domain events to and consumes them from, behind an interface
 * so tests and local runs use the in-memory bus and production uses Kafka (kafka.ts).
 *
 * Delivery is at least once: a subscription hands records of a partition to its handler one at a
 * time and commits a record's offset only after the handler resolved. When the handler rejects,
 * the same record is offered again after a delay (nothing later in the partition is committed
 * past it), so the handler must be idempotent and must itself route records it can never process
 * to a dead-letter topic.
 */

/** A record to publish. Strings are sent as UTF-8. */
export interface OutgoingRecord {
  key?: string | Buffer;
  value: string | Buffer;
  headers?: Record<string, string | Buffer>;
}

/** A record received, with its bytes as they were on the topic. */
export interface IncomingRecord {
  topic: string;
  partition: number;
  offset: bigint;
  key?: Buffer;
  value: Buffer;
  headers: Record<string, Buffer>;
}

export type RecordHandler = (record: IncomingRecord) => Promise<void>;

/** A running subscription; `stop` waits for the record in hand and stops fetching. */
export interface Subscription {
  stop(): Promise<void>;
}

export interface EventBus {
  publish(topic: string, record: OutgoingRecord): Promise<void>;
  subscribe(topic: string, groupId: string, handler: RecordHandler): Promise<Subscription>;
  /** Stops every subscription and closes the connections. */
  close(): Promise<void>;
}

/** What a subscription does when a handler rejects. */
export interface RetryOptions {
  /** Delay before a failed record is offered again. */
  retryDelayMs?: number;
  onError?: (error: unknown, record: IncomingRecord, attempt: number) => void;
}

/**
 * Runs the handler on one record until it resolves or the subscription stops. Returns whether
 * the record was handled (and may be committed).
 */
export async function handleUntilDone(
  handler: RecordHandler,
  record: IncomingRecord,
  stopped: () => boolean,
  options: RetryOptions = {},
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await handler(record);
      return true;
    } catch (error) {
      options.onError?.(error, record, attempt);
      if (stopped()) return false;
      await new Promise((r) => setTimeout(r, options.retryDelayMs ?? 1000));
      if (stopped()) return false;
    }
  }
}

/** Converts an outgoing value to the bytes on the wire. */
export function toBuffer(value: string | Buffer): Buffer {
  return typeof value === "string" ? Buffer.from(value, "utf8") : value;
}

interface StoredRecord {
  key?: Buffer;
  value: Buffer;
  headers: Record<string, Buffer>;
}

/**
 * An in-process bus with one partition per topic: records are kept, every consumer group has its
 * own committed offset and sees every record from the start of the topic.
 */
export class InMemoryEventBus implements EventBus {
  private readonly topics = new Map<string, StoredRecord[]>();
  private readonly offsets = new Map<string, bigint>();
  private readonly wakers = new Set<() => void>();
  private readonly subscriptions = new Set<Subscription>();

  constructor(private readonly retry: RetryOptions = {}) {}

  async publish(topic: string, record: OutgoingRecord): Promise<void> {
    const headers = Object.fromEntries(
      Object.entries(record.headers ?? {}).map(([k, v]) => [k, toBuffer(v)]),
    );
    this.log(topic).push({
      ...(record.key !== undefined ? { key: toBuffer(record.key) } : {}),
      value: toBuffer(record.value),
      headers,
    });
    for (const wake of [...this.wakers]) wake();
  }

  /** The records on a topic so far (for tests and local runs). */
  records(topic: string): IncomingRecord[] {
    return this.log(topic).map((r, i) => ({ topic, partition: 0, offset: BigInt(i), ...r }));
  }

  /** The next offset a group will read (the committed offset). */
  committed(topic: string, groupId: string): bigint {
    return this.offsets.get(`${groupId}\u0000${topic}`) ?? 0n;
  }

  async subscribe(topic: string, groupId: string, handler: RecordHandler): Promise<Subscription> {
    const key = `${groupId}\u0000${topic}`;
    let stopped = false;
    let wake: (() => void) | undefined;
    const loop = (async () => {
      while (!stopped) {
        const offset = this.committed(topic, groupId);
        const records = this.records(topic);
        if (offset >= BigInt(records.length)) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            this.wakers.add(resolve);
          });
          if (wake) this.wakers.delete(wake);
          continue;
        }
        const handled = await handleUntilDone(
          handler,
          records[Number(offset)],
          () => stopped,
          this.retry,
        );
        if (handled) this.offsets.set(key, offset + 1n);
      }
    })();
    const subscription: Subscription = {
      stop: async () => {
        stopped = true;
        wake?.();
        await loop;
        this.subscriptions.delete(subscription);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Resolves once every subscription has handled every record published so far (for tests). */
  async idle(topic: string, groupId: string): Promise<void> {
    while (this.committed(topic, groupId) < BigInt(this.log(topic).length)) {
      await new Promise((r) => setImmediate(r));
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
  }

  private log(topic: string): StoredRecord[] {
    let log = this.topics.get(topic);
    if (!log) this.topics.set(topic, (log = []));
    return log;
  }
}
