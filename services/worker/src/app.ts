/**
 * Builds the worker from its configuration: the task queue consumer (SQS, or the in-process queue
 * in local mode), the event bus (Kafka, or in memory in local mode), the domain-events consumer,
 * breakers, metrics and the HTTP server for probes and metrics. Clients are injectable so tests
 * run the whole worker against fakes.
 */
import { SQSClient } from "@aws-sdk/client-sqs";
import {
  breakerDefaults,
  breakerOptionsFromEnv,
  createBreaker,
  createHttpService,
  createLogger,
  createMetrics,
  InvalidMessageError,
  problem,
  produce,
  queueName,
  Readiness,
  sendProblem,
  type Breaker,
  type FastifyInstance,
  type Logger,
  type ServiceMetrics,
} from "@acme/service-kit";
import type { WorkerConfig } from "./config";
import { createDomainEventHandler } from "./domainEvents";
import {
  InMemoryEventBus,
  type EventBus,
  type OutgoingRecord,
  type Subscription,
} from "./eventBus";
import { KafkaEventBus, type AuthToken } from "./kafka";
import { LOCAL_DEAD_LETTER_QUEUE_URL, LOCAL_TASK_QUEUE_URL, LocalQueues } from "./localQueue";
import { BoundedProcessedIds, type ProcessedIds } from "./processedIds";
import { createSqsConsumer, sqsApi, type SqsApi, type SqsConsumer } from "./sqsConsumer";
import { createTaskHandler, WORK_TASK_TYPE, type WorkTask } from "./tasks";

export const SERVICE_NAME = "worker";

/** What tests (or another host) may replace. */
export interface WorkerDeps {
  /** The task queue API; defaults to an SQSClient (sqs) or LocalQueues (local). */
  sqs?: SqsApi;
  /** The event bus; defaults to Kafka (EVENT_BUS=kafka) or an InMemoryEventBus (local). */
  bus?: EventBus;
  taskIds?: ProcessedIds;
  eventIds?: ProcessedIds;
  logger?: Logger;
  metrics?: ServiceMetrics;
  /** Where per-breaker overrides (`BREAKER_<NAME>_*`) are read from. */
  env?: NodeJS.ProcessEnv;
  /** Replaces the MSK IAM token generator. */
  generateToken?: (options: { region: string }) => Promise<AuthToken>;
  /** Visibility extension interval (tests); defaults to half the visibility timeout. */
  visibilityExtendIntervalMs?: number;
  /** SQS's visibility limit after receipt (tests); defaults to the real 12 hours. */
  maxVisibilityMs?: number;
  /** The clock of that limit (tests); defaults to `Date.now`. */
  now?: () => number;
}

export interface Worker {
  readonly config: WorkerConfig;
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  readonly readiness: Readiness;
  readonly bus: EventBus;
  readonly tasks: SqsConsumer;
  readonly breakers: Breaker<never[], unknown>[];
  /** The in-process queues in local mode. */
  readonly local?: LocalQueues;
  /** Starts polling the task queue and consuming domain events. */
  start(): Promise<void>;
  /** Stops both consumers, waiting for the messages in hand. */
  stopConsumers(): Promise<void>;
  /** Closes the event bus (Kafka connections). */
  closeBus(): Promise<void>;
  /** The HTTP server: probes, metrics and, in local mode, POST /local/tasks. */
  httpServer(): FastifyInstance;
}

export function buildWorker(config: WorkerConfig, deps: WorkerDeps = {}): Worker {
  const logger = deps.logger ?? createLogger(SERVICE_NAME, { level: config.logLevel });
  const metrics = deps.metrics ?? createMetrics(SERVICE_NAME);
  const env = deps.env ?? process.env;
  const breakerOptions = (name: string) =>
    breakerOptionsFromEnv(name, env, breakerDefaults(config));

  const local = config.transport === "local" && !deps.sqs ? new LocalQueues() : undefined;
  const queueUrl =
    config.transport === "local"
      ? LOCAL_TASK_QUEUE_URL
      : required(config.taskQueueUrl, "TASK_QUEUE_URL");
  const deadLetterQueueUrl =
    config.transport === "local"
      ? LOCAL_DEAD_LETTER_QUEUE_URL
      : required(config.deadLetterQueueUrl, "DEAD_LETTER_QUEUE_URL");
  const api = deps.sqs ?? local ?? sqsApi(new SQSClient({ region: config.awsRegion }));

  const bus =
    deps.bus ??
    (config.eventBus === "kafka"
      ? new KafkaEventBus({
          clientId: config.kafkaClientId,
          brokers: required(config.kafkaBrokers, "KAFKA_BROKERS"),
          tls: config.kafkaTls,
          auth: config.kafkaAuth,
          region: config.awsRegion,
          tokenRefreshMarginMs: config.kafkaTokenRefreshMarginSeconds * 1000,
          logger,
          retry: { onError: logHandlerError(logger) },
          ...(deps.generateToken ? { generateToken: deps.generateToken } : {}),
        })
      : new InMemoryEventBus({ onError: logHandlerError(logger) }));

  // Publishing goes through a breaker too: while Kafka is down, tasks fail fast and stay queued.
  const publishBreaker = createBreaker(
    "event-bus",
    (_signal, topic: string, record: OutgoingRecord) => bus.publish(topic, record),
    breakerOptions("event-bus"),
    { metrics, logger, required: true },
  );
  const publish = (topic: string, record: OutgoingRecord) => publishBreaker.fire(topic, record);

  const tasks = createSqsConsumer({
    api,
    queueUrl,
    deadLetterQueueUrl,
    waitTimeSeconds: config.sqsWaitTimeSeconds,
    maxMessages: config.sqsMaxMessages,
    visibilityTimeoutSeconds: config.sqsVisibilityTimeoutSeconds,
    concurrency: config.concurrency,
    handler: createTaskHandler({ publish, topic: config.kafkaTopic }),
    processedIds: deps.taskIds ?? new BoundedProcessedIds(config.processedIdsCapacity),
    breakerOptions,
    logger,
    metrics,
    ...(deps.visibilityExtendIntervalMs
      ? { visibilityExtendIntervalMs: deps.visibilityExtendIntervalMs }
      : {}),
    ...(deps.maxVisibilityMs ? { maxVisibilityMs: deps.maxVisibilityMs } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  });
  const eventHandler = createDomainEventHandler({
    topic: config.kafkaTopic,
    publish,
    processedIds: deps.eventIds ?? new BoundedProcessedIds(config.processedIdsCapacity),
    logger,
    metrics,
  });

  const breakers = [...tasks.breakers, publishBreaker as unknown as Breaker<never[], unknown>];
  const readiness = new Readiness().watch(...breakers);
  let subscription: Subscription | undefined;

  return {
    config,
    logger,
    metrics,
    readiness,
    bus,
    tasks,
    breakers,
    ...(local ? { local } : {}),
    async start() {
      subscription = await bus.subscribe(config.kafkaTopic, config.kafkaGroupId, eventHandler);
      tasks.start();
      logger.info(
        {
          transport: config.transport,
          queue: queueName(queueUrl),
          event_bus: config.eventBus,
          topic: config.kafkaTopic,
        },
        "worker started",
      );
    },
    async stopConsumers() {
      await Promise.all([tasks.stop(), subscription?.stop()]);
    },
    async closeBus() {
      publishBreaker.shutdown();
      await bus.close();
    },
    httpServer() {
      const app = createHttpService({ logger, metrics, readiness });
      if (local) registerLocalTaskRoute(app, local, queueUrl);
      return app;
    },
  };
}

function required<T>(value: T | undefined, name: string): T {
  // readWorkerConfig reports these; this guards configs built by hand.
  if (value === undefined) throw new Error(`${name} is required for the chosen transport`);
  return value;
}

function logHandlerError(logger: Logger) {
  return (
    error: unknown,
    record: { topic: string; partition: number; offset: bigint },
    attempt: number,
  ) =>
    logger.error(
      {
        err: error,
        topic: record.topic,
        partition: record.partition,
        offset: record.offset.toString(),
        attempt,
      },
      "handling a record failed; retrying it (the offset is not committed)",
    );
}

/**
 * POST /local/tasks (local mode only): the body is a work-task's `data`; it is wrapped in an
 * envelope with a new trace and put on the in-process task queue, as the workflow engine would.
 */
function registerLocalTaskRoute(app: FastifyInstance, local: LocalQueues, queueUrl: string) {
  app.post("/local/tasks", async (request, reply) => {
    try {
      const id = await produce(
        {
          contract: "work-task",
          type: WORK_TASK_TYPE,
          source: "/local",
          data: request.body as WorkTask,
        },
        { system: "aws_sqs", name: queueName(queueUrl) },
        async (envelope, carrier) => {
          await local.sendMessage({
            QueueUrl: queueUrl,
            MessageBody: JSON.stringify(envelope),
            MessageAttributes: Object.fromEntries(
              Object.entries(carrier).map(([k, v]) => [
                k,
                { DataType: "String", StringValue: v as string },
              ]),
            ),
          });
          return envelope.id;
        },
      );
      return reply.code(202).send({ id });
    } catch (error) {
      if (error instanceof InvalidMessageError) {
        return sendProblem(reply, problem("validation", { detail: error.message }));
      }
      throw error;
    }
  });
}
