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
import { SERVICE_ACCOUNT_DIR } from "./argoStatus";
import { WORKFLOW_ENGINES } from "./status";
import { isStateMachineArn } from "./statusAccess";

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
  workflowEngine: envVar("WORKFLOW_ENGINE", parse.oneOf(WORKFLOW_ENGINES), {
    default: "none",
    doc: "Where `GET /v1/workflow-requests/{requestId}` reads a request's status: `argo` (its Workflow, from the Kubernetes API), `step-functions` (DescribeExecution) or `none` (the status recorded at acceptance, always `accepted`: local runs).",
  }),
  argoNamespace: envVar("ARGO_NAMESPACE", parse.text(), {
    optional: true,
    doc: "The namespace the Argo Events sensor submits Workflows to; required when `WORKFLOW_ENGINE=argo`.",
  }),
  argoWorkflowTemplate: envVar("ARGO_WORKFLOW_TEMPLATE", parse.text(), {
    optional: true,
    doc: "The WorkflowTemplate the sensor submits requests from (it prefixes each Workflow's name, contracts/workflowNames.ts); required when `WORKFLOW_ENGINE=argo`.",
  }),
  kubernetesHost: envVar("KUBERNETES_SERVICE_HOST", parse.text(), {
    optional: true,
    doc: "The Kubernetes API server's address; the kubelet sets it in every pod. Required when `WORKFLOW_ENGINE=argo`.",
  }),
  kubernetesPort: envVar("KUBERNETES_SERVICE_PORT", parse.int(1, 65535), {
    default: 443,
    doc: "The Kubernetes API server's HTTPS port; the kubelet sets it in every pod.",
  }),
  serviceAccountDir: envVar("KUBERNETES_SERVICE_ACCOUNT_DIR", parse.text(), {
    default: SERVICE_ACCOUNT_DIR,
    doc: "Where the pod's service-account `token` and the cluster's `ca.crt` are mounted (the token is re-read every minute, as the kubelet rotates it).",
  }),
  stateMachineArn: envVar("STATE_MACHINE_ARN", parse.text(), {
    optional: true,
    doc: "The request state machine's ARN; required when `WORKFLOW_ENGINE=step-functions`.",
  }),
  ...BREAKER_ENV,
  ...SHUTDOWN_ENV,
  // The HTTPS port the API Gateway's load balancer targets; the plain port stays for the kubelet,
  // Prometheus and meshed callers (docs/api-hops.md).
  ...TLS_ENV,
  stripPathPrefix: envVar("STRIP_PATH_PREFIX", parse.text(), {
    optional: true,
    doc: "A leading path segment removed before routing, e.g. `/prod`: API Gateway's private integration sends its stage in the path (docs/api-hops.md).",
  }),
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
  if (
    (config.submitter === "sqs" ||
      config.requestStore === "dynamodb" ||
      config.workflowEngine === "step-functions") &&
    !config.awsRegion
  ) {
    problems.push(
      "AWS_REGION is required when SUBMITTER=sqs, REQUEST_STORE=dynamodb or WORKFLOW_ENGINE=step-functions",
    );
  }
  if (config.workflowEngine === "argo") {
    if (!config.argoNamespace) {
      problems.push(
        "ARGO_NAMESPACE is required when WORKFLOW_ENGINE=argo: set it to the namespace the sensor submits Workflows to",
      );
    }
    if (!config.argoWorkflowTemplate) {
      problems.push(
        "ARGO_WORKFLOW_TEMPLATE is required when WORKFLOW_ENGINE=argo: set it to the WorkflowTemplate the sensor submits from",
      );
    }
    if (!config.kubernetesHost) {
      problems.push(
        "KUBERNETES_SERVICE_HOST is required when WORKFLOW_ENGINE=argo: the kubelet sets it in a pod; elsewhere set it to the API server's address",
      );
    }
  }
  if (config.workflowEngine === "step-functions") {
    if (!config.stateMachineArn) {
      problems.push(
        "STATE_MACHINE_ARN is required when WORKFLOW_ENGINE=step-functions: set it to the request state machine's ARN",
      );
    } else if (!isStateMachineArn(config.stateMachineArn)) {
      problems.push(
        `STATE_MACHINE_ARN="${config.stateMachineArn}" is not a state machine ARN (arn:<partition>:states:<region>:<account>:stateMachine:<name>)`,
      );
    }
    if (config.requestStore !== "dynamodb") {
      problems.push(
        "REQUEST_STORE=dynamodb is required when WORKFLOW_ENGINE=step-functions: each execution records its name in the request table",
      );
    }
  }
  problems.push(...tlsConfigProblems(config));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
