/**
 * The Kafka event bus, on @platformatic/kafka (pure JavaScript; see the README for why), and the
 * MSK IAM token provider.
 *
 * Authentication: with KAFKA_AUTH=iam every connection uses TLS and SASL OAUTHBEARER. The client
 * asks `sasl.token` (a credential provider function) for a token each time it authenticates a
 * connection, and re-authenticates at 80% of the session lifetime the broker grants (MSK: the
 * token's remaining life), so a provider that returns a token with life left is enough; this one
 * caches the token and replaces it once less than the refresh margin remains.
 */
import { Consumer, Producer, type Message, type SASLOptions } from "@platformatic/kafka";
import { generateAuthToken } from "aws-msk-iam-sasl-signer-js";
import type { Logger } from "@acme/service-kit";
import {
  handleUntilDone,
  toBuffer,
  type EventBus,
  type IncomingRecord,
  type OutgoingRecord,
  type RecordHandler,
  type RetryOptions,
  type Subscription,
} from "./eventBus";

/** A token and when it expires (ms since the epoch), as aws-msk-iam-sasl-signer-js returns it. */
export interface AuthToken {
  token: string;
  expiryTime: number;
}

/**
 * A credential provider for `sasl.token` that reuses a token until less than `refreshMarginMs` of
 * its life remains, then generates a new one. Concurrent calls share one generation.
 */
export function mskIamTokenProvider(options: {
  region: string;
  refreshMarginMs: number;
  generate?: (options: { region: string }) => Promise<AuthToken>;
  now?: () => number;
}): () => Promise<string> {
  const generate = options.generate ?? generateAuthToken;
  const now = options.now ?? Date.now;
  let current: AuthToken | undefined;
  let pending: Promise<AuthToken> | undefined;
  return async () => {
    if (current && current.expiryTime - now() > options.refreshMarginMs) return current.token;
    pending ??= generate({ region: options.region }).finally(() => {
      pending = undefined;
    });
    current = await pending;
    return current.token;
  };
}

export interface KafkaOptions {
  clientId: string;
  brokers: string[];
  tls: boolean;
  auth: "iam" | "none";
  region?: string;
  tokenRefreshMarginMs: number;
  logger: Logger;
  retry?: RetryOptions;
  /** Replaces the MSK token generator (tests). */
  generateToken?: (options: { region: string }) => Promise<AuthToken>;
}

/** The connection options every client of the bus shares. */
export function connectionOptions(options: KafkaOptions) {
  let sasl: SASLOptions | undefined;
  if (options.auth === "iam") {
    if (!options.region)
      throw new Error(
        "KAFKA_AUTH=iam needs AWS_REGION: the token is signed for the cluster's Region",
      );
    sasl = {
      mechanism: "OAUTHBEARER",
      token: mskIamTokenProvider({
        region: options.region,
        refreshMarginMs: options.tokenRefreshMarginMs,
        ...(options.generateToken ? { generate: options.generateToken } : {}),
      }),
    };
  }
  return {
    clientId: options.clientId,
    bootstrapBrokers: options.brokers,
    ...(options.tls ? { tls: {} } : {}),
    ...(sasl ? { sasl } : {}),
  };
}

const bufferOrString = (value?: string | Buffer) =>
  value === undefined ? undefined : toBuffer(value);

export class KafkaEventBus implements EventBus {
  private readonly producer: Producer<string | Buffer, string | Buffer, string, string | Buffer>;
  private readonly subscriptions = new Set<Subscription>();

  constructor(private readonly options: KafkaOptions) {
    this.producer = new Producer({
      ...connectionOptions(options),
      serializers: {
        key: bufferOrString,
        value: bufferOrString,
        headerKey: (k?: string) => (k === undefined ? undefined : Buffer.from(k, "utf8")),
        headerValue: bufferOrString,
      },
      // acks=all (-1) with idempotence: a published event survives the loss of a broker.
      idempotent: true,
      acks: -1,
    });
  }

  async publish(topic: string, record: OutgoingRecord): Promise<void> {
    await this.producer.send({
      messages: [
        {
          topic,
          ...(record.key !== undefined ? { key: record.key } : {}),
          value: record.value,
          headers: record.headers ?? {},
        },
      ],
    });
  }

  async subscribe(topic: string, groupId: string, handler: RecordHandler): Promise<Subscription> {
    const consumer = new Consumer<Buffer, Buffer, string, Buffer>({
      ...connectionOptions(this.options),
      groupId,
      autocommit: false,
      deserializers: { headerKey: (b?: Buffer) => b?.toString("utf8") },
    });
    const stream = await consumer.consume({
      topics: [topic],
      mode: "committed",
      fallbackMode: "earliest",
      autocommit: false,
    });
    let stopped = false;
    const logger = this.options.logger;
    // Records are handled one at a time, in partition order; the offset is committed only after
    // the handler resolved (a failed record is retried, never skipped).
    const loop = (async () => {
      for await (const message of stream as AsyncIterable<
        Message<Buffer, Buffer, string, Buffer>
      >) {
        const record: IncomingRecord = {
          topic: message.topic,
          partition: message.partition,
          offset: message.offset,
          ...(message.key ? { key: message.key } : {}),
          value: message.value ?? Buffer.alloc(0),
          headers: Object.fromEntries(message.headers),
        };
        const handled = await handleUntilDone(handler, record, () => stopped, this.options.retry);
        if (!handled) break;
        await message.commit();
        if (stopped) break;
      }
    })().catch((error: unknown) => {
      if (!stopped)
        logger.error({ err: error, topic, group: groupId }, "Kafka consumer stopped on an error");
    });
    const subscription: Subscription = {
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await stream.close();
        await loop;
        await consumer.close();
        this.subscriptions.delete(subscription);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    await this.producer.close();
  }
}
