/**
 * Service A's configuration: every environment variable, its default and what it means. The
 * README's table is generated from this spec (a test keeps them equal).
 */
import {
  BREAKER_ENV,
  ConfigError,
  envVar,
  parse,
  readEnv,
  SHUTDOWN_ENV,
  TLS_ENV,
  tlsConfigProblems,
  type EnvConfig,
} from "@acme/service-kit";

export const SERVICE_NAME = "service-a";

export const ENV = {
  port: envVar("PORT", parse.int(0, 65535), {
    default: 8080,
    doc: "The HTTP port (0 picks a free one, as tests do).",
  }),
  host: envVar("HOST", parse.text(), {
    default: "0.0.0.0",
    doc: "The address to listen on (`127.0.0.1` for loopback only).",
  }),
  logLevel: envVar("LOG_LEVEL", parse.oneOf(["trace", "debug", "info", "warn", "error"]), {
    default: "info",
    doc: "The lowest log level written.",
  }),
  submitter: envVar("SUBMITTER", parse.oneOf(["sqs", "local"]), {
    default: "local",
    doc: "`sqs` sends each request to the work queue; `local` keeps it in the process (development and tests).",
  }),
  workQueueUrl: envVar("WORK_QUEUE_URL", parse.url(), {
    optional: true,
    doc: "The work queue's URL; required when `SUBMITTER=sqs`. A `.fifo` queue gets the idempotency key as deduplication id.",
  }),
  requestStore: envVar("REQUEST_STORE", parse.oneOf(["dynamodb", "memory"]), {
    default: "memory",
    doc: "Where idempotency records and request status live: `dynamodb` (the request table) or `memory` (one process only).",
  }),
  requestTable: envVar("REQUEST_TABLE", parse.text(), {
    optional: true,
    doc: "The DynamoDB request table's name; required when `REQUEST_STORE=dynamodb`.",
  }),
  awsRegion: envVar("AWS_REGION", parse.text(), {
    optional: true,
    doc: "The AWS Region of the queue and table; required when either is used.",
  }),
  idempotencyTtlHours: envVar("IDEMPOTENCY_TTL_HOURS", parse.int(1, 24 * 30), {
    default: 24,
    doc: "How long a key and its answer are kept: a retry within this time gets the first answer.",
  }),
  idempotencyLeaseMs: envVar("IDEMPOTENCY_LEASE_MS", parse.int(1000, 600_000), {
    default: 30_000,
    doc: "How long a submission holds its key; a retry after a crash mid-submission may take the key over after this.",
  }),
  localFailureRate: envVar("LOCAL_SUBMITTER_FAILURE_RATE", parse.number(0, 1), {
    default: 0,
    doc: "With `SUBMITTER=local`, the share of submissions (0 to 1) that fail, for trying the circuit breaker by hand.",
  }),
  localLatencyMs: envVar("LOCAL_SUBMITTER_LATENCY_MS", parse.int(0, 600_000), {
    default: 0,
    doc: "With `SUBMITTER=local`, milliseconds each submission takes.",
  }),
  ...BREAKER_ENV,
  ...SHUTDOWN_ENV,
  // The HTTPS port the API Gateway's load balancer targets; the plain port stays for the kubelet,
  // Prometheus and meshed callers (docs/api-hops.md).
  ...TLS_ENV,
};
export type Config = EnvConfig<typeof ENV>;

/** Reads and cross-checks the configuration; one error names every problem. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const config = readEnv(ENV, env);
  const problems: string[] = [];
  if (config.submitter === "sqs" && !config.workQueueUrl) {
    problems.push("WORK_QUEUE_URL is required when SUBMITTER=sqs: set it to the work queue's URL");
  }
  if (config.requestStore === "dynamodb" && !config.requestTable) {
    problems.push(
      "REQUEST_TABLE is required when REQUEST_STORE=dynamodb: set it to the table's name",
    );
  }
  if ((config.submitter === "sqs" || config.requestStore === "dynamodb") && !config.awsRegion) {
    problems.push("AWS_REGION is required when SUBMITTER=sqs or REQUEST_STORE=dynamodb");
  }
  problems.push(...tlsConfigProblems(config));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
