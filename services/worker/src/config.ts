/**
 * The worker's configuration: every environment variable it reads, declared once with its parser,
 * default and documentation (the README's table is generated from this spec). Variables that are
 * only needed for one transport are optional here and checked together afterwards, so one error
 * lists every problem and names each variable.
 */
import {
  BREAKER_ENV,
  ConfigError,
  envVar,
  parse,
  readEnv,
  SHUTDOWN_ENV,
  SQS_MAX_VISIBILITY_TIMEOUT_SECONDS,
  type EnvConfig,
} from "@acme/service-kit";

/** The worker's own variables (breaker and shutdown variables come from the kit). */
export const WORKER_ENV = {
  port: envVar("PORT", parse.int(1, 65_535), {
    default: 8080,
    doc: "Port of the HTTP server for /healthz, /readyz and /metrics (and POST /local/tasks in local mode).",
  }),
  transport: envVar("WORKER_TRANSPORT", parse.oneOf(["sqs", "local"]), {
    default: "local" as const,
    doc: "Where tasks come from: `sqs` (the task queue) or `local` (an in-process queue fed by POST /local/tasks, for development; no AWS).",
  }),
  taskQueueUrl: envVar("TASK_QUEUE_URL", parse.url(), {
    optional: true,
    doc: "URL of the SQS task queue carrying `work-task` messages. Required when WORKER_TRANSPORT=sqs.",
  }),
  deadLetterQueueUrl: envVar("DEAD_LETTER_QUEUE_URL", parse.url(), {
    optional: true,
    doc: "URL of the task queue's dead-letter queue, where messages that fail their contract go at once. Required when WORKER_TRANSPORT=sqs.",
  }),
  awsRegion: envVar("AWS_REGION", parse.text(), {
    optional: true,
    doc: "AWS Region of the queues and the MSK cluster. Required when WORKER_TRANSPORT=sqs or KAFKA_AUTH=iam.",
  }),
  sqsWaitTimeSeconds: envVar("SQS_WAIT_TIME_SECONDS", parse.int(0, 20), {
    default: 20,
    doc: "Long-polling wait of each ReceiveMessage call, in seconds (0 to 20).",
  }),
  sqsMaxMessages: envVar("SQS_MAX_MESSAGES", parse.int(1, 10), {
    default: 10,
    doc: "The most messages one ReceiveMessage call asks for (1 to 10).",
  }),
  sqsVisibilityTimeoutSeconds: envVar(
    "SQS_VISIBILITY_TIMEOUT_SECONDS",
    parse.int(10, SQS_MAX_VISIBILITY_TIMEOUT_SECONDS),
    {
      default: 60,
      doc: "Visibility timeout the worker holds on a message in hand; it is extended every half of this while the handler works.",
    },
  ),
  concurrency: envVar("WORKER_CONCURRENCY", parse.int(1, 1000), {
    default: 10,
    doc: "The most task messages handled at once; polling waits while this many are in hand.",
  }),
  processedIdsCapacity: envVar("PROCESSED_IDS_CAPACITY", parse.int(1, 10_000_000), {
    default: 100_000,
    doc: "How many processed message ids the in-memory idempotency store remembers (oldest forgotten first).",
  }),
  eventBus: envVar("EVENT_BUS", parse.oneOf(["kafka", "local"]), {
    default: "local" as const,
    doc: "Where domain events go and come from: `kafka` (MSK) or `local` (in process, for development; no Kafka).",
  }),
  kafkaBrokers: envVar("KAFKA_BROKERS", parse.list(), {
    optional: true,
    doc: "Comma-separated bootstrap brokers (`host:port`). Required when EVENT_BUS=kafka.",
  }),
  kafkaTopic: envVar("KAFKA_TOPIC", parse.text(), {
    default: "domain-events",
    doc: "Topic the worker publishes domain events to and consumes; rejected records go to `<topic>.dlt`.",
  }),
  kafkaGroupId: envVar("KAFKA_GROUP_ID", parse.text(), {
    default: "worker",
    doc: "Consumer group of the domain-events consumer.",
  }),
  kafkaClientId: envVar("KAFKA_CLIENT_ID", parse.text(), {
    default: "worker",
    doc: "Client id the worker's Kafka clients send to the brokers.",
  }),
  kafkaAuth: envVar("KAFKA_AUTH", parse.oneOf(["iam", "none"]), {
    default: "iam" as const,
    doc: "Kafka authentication: `iam` (SASL OAUTHBEARER with MSK IAM tokens) or `none`.",
  }),
  kafkaTls: envVar("KAFKA_TLS", parse.bool(), {
    default: true,
    doc: "Whether Kafka connections use TLS (MSK IAM requires it).",
  }),
  kafkaTokenRefreshMarginSeconds: envVar("KAFKA_TOKEN_REFRESH_MARGIN_SECONDS", parse.int(1, 600), {
    default: 60,
    doc: "An MSK IAM token is replaced by a new one when less than this many seconds of its life remain.",
  }),
  logLevel: envVar("LOG_LEVEL", parse.oneOf(["trace", "debug", "info", "warn", "error", "fatal"]), {
    default: "info" as const,
    doc: "Lowest level of log lines written.",
  }),
};

/**
 * The variables of the workflow step's handoff (`dist/handoff.js`, src/handoff.ts): the same names
 * as the worker's, required here since the step only sends to the task queue.
 */
export const HANDOFF_ENV_SPEC = {
  taskQueueUrl: envVar("TASK_QUEUE_URL", parse.url(), {
    doc: "URL of the SQS task queue the step sends its `work-task` message to.",
  }),
  awsRegion: envVar("AWS_REGION", parse.text(), {
    doc: "AWS Region of the task queue.",
  }),
  logLevel: WORKER_ENV.logLevel,
};

export type HandoffConfig = EnvConfig<typeof HANDOFF_ENV_SPEC>;

/** Everything the worker reads from the environment, in README order. */
export const ENV_SPEC = { ...WORKER_ENV, ...BREAKER_ENV, ...SHUTDOWN_ENV };

export type WorkerConfig = EnvConfig<typeof ENV_SPEC>;

/**
 * Reads and checks the worker's configuration. Throws one ConfigError listing every invalid
 * variable and every variable a chosen transport needs but is unset.
 */
export function readWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const problems: string[] = [];
  let config: WorkerConfig | undefined;
  try {
    config = readEnv(ENV_SPEC, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  // Cross-field rules are read from the raw values, so they are reported even when another
  // variable failed to parse.
  const set = (v: { name: string }) => (env[v.name] ?? "") !== "";
  const requireFor = (condition: string, ...vars: { name: string; doc: string }[]) => {
    for (const v of vars) {
      if (!set(v)) problems.push(`${v.name} is required when ${condition}: ${v.doc}`);
    }
  };
  if (env.WORKER_TRANSPORT === "sqs") {
    requireFor(
      "WORKER_TRANSPORT=sqs",
      WORKER_ENV.taskQueueUrl,
      WORKER_ENV.deadLetterQueueUrl,
      WORKER_ENV.awsRegion,
    );
  }
  if (env.EVENT_BUS === "kafka") {
    requireFor("EVENT_BUS=kafka", WORKER_ENV.kafkaBrokers);
    if ((env.KAFKA_AUTH ?? "") === "" || env.KAFKA_AUTH === "iam") {
      requireFor("EVENT_BUS=kafka and KAFKA_AUTH=iam", WORKER_ENV.awsRegion);
      if (env.KAFKA_TLS !== undefined && /^(false|0|no|off)$/i.test(env.KAFKA_TLS)) {
        problems.push(
          "KAFKA_TLS must be true when KAFKA_AUTH=iam: MSK accepts IAM authentication over TLS only",
        );
      }
    }
  }
  const unique = [...new Set(problems)];
  if (unique.length > 0 || !config) throw new ConfigError(unique);
  return config;
}
