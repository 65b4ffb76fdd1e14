/**
 * The workflow step's handoff (what `dist/handoff.js` runs in the reference WorkflowTemplate): it
 * turns the workflow's arguments into one `work-task` message on the worker's task queue, in the
 * trace of the request that started the workflow.
 *
 * - The arguments are checked first; a bad one stops the step before anything is sent, with a
 *   message that names the argument and the fix (exit code 2).
 * - The step's span is a CONSUMER span, child of the incoming `--traceparent` (the workflow-request
 *   message's context, which the sensor passes through), or the root of a new trace when it is
 *   empty. The message is sent with the kit's `produce`, so the envelope and the `traceparent`
 *   attribute carry the PRODUCER span's context, a child of the step's span
 *   (contracts/tracing.md, producers).
 * - The envelope id is derived from the request id, the task name and the sequence
 *   ({@link taskIdFor}): Argo retries a failed step (`retryStrategy`), and a retry after a send
 *   that reached SQS but was reported failed sends the same id again, which the worker's
 *   `ProcessedIds` drops (in the replica that processed the first copy: the store is in memory).
 */
import { SendMessageCommand, SQSClient, type MessageAttributeValue } from "@aws-sdk/client-sqs";
import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";
import { TRACEPARENT_PATTERN, validateMessage } from "@acme/contracts";
import {
  ConfigError,
  createLogger,
  produce,
  queueName,
  readEnv,
  recordError,
  type Envelope,
} from "@acme/service-kit";
import { HANDOFF_ENV_SPEC, type HandoffConfig } from "./config";
import { derivedId, WORK_TASK_TYPE, type WorkTask } from "./tasks";

/** The CloudEvents `source` of the tasks workflow steps send. */
export const HANDOFF_SOURCE = "/workflows/handoff";
/** The task name when `--task` is not given: the reference template's one step. */
export const DEFAULT_TASK = "main";

/** What the command line gives. */
export interface HandoffArgs {
  requestId: string;
  workflowTemplate: string;
  task: string;
  sequence: number;
  parameters: Record<string, string>;
  /** The incoming W3C traceparent, or undefined to start a new trace. */
  traceparent?: string;
}

/** A bad command line: `problems` names each argument and its fix. */
export class HandoffArgumentError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid arguments:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "HandoffArgumentError";
  }
}

/** The options the command takes, each with what it accepts (for messages and `--help`). */
export const HANDOFF_OPTIONS = {
  "--request-id": "the workflow request's id, a UUID ({{workflow.parameters.requestId}})",
  "--workflow-template":
    "the WorkflowTemplate's name, a DNS-1123 label ({{workflow.parameters.workflowTemplate}})",
  "--parameters":
    'the request\'s parameters as a JSON object of strings, e.g. {"reportDate":"2026-03-13"} ({{workflow.parameters.parameters}})',
  "--traceparent":
    "the request's W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>), or empty to start a new trace ({{workflow.parameters.traceparent}})",
  "--task": `the step's name, a DNS-1123 label (default ${DEFAULT_TASK})`,
  "--sequence": "the task's position in its request's history, a whole number (default 0)",
} as const;
type Option = keyof typeof HANDOFF_OPTIONS;
const REQUIRED: Option[] = ["--request-id", "--workflow-template", "--parameters", "--traceparent"];

/**
 * Parses the command line (`--name value` pairs; a value may be empty). Throws one
 * HandoffArgumentError naming every bad argument; the work-task contract checks the values'
 * forms (UUID, label, parameter names) so the step and the worker agree on them.
 */
export function parseHandoffArgs(argv: readonly string[]): HandoffArgs {
  const problems: string[] = [];
  const given = new Map<Option, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i];
    if (!(name in HANDOFF_OPTIONS)) {
      problems.push(
        `${JSON.stringify(name)} is not an option; valid: ${Object.keys(HANDOFF_OPTIONS).join(", ")}`,
      );
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined) {
      problems.push(`${name} needs a value: ${HANDOFF_OPTIONS[name as Option]}`);
      continue;
    }
    if (given.has(name as Option)) problems.push(`${name} is given twice; give it once`);
    given.set(name as Option, value);
  }
  for (const name of REQUIRED) {
    if (!given.has(name)) problems.push(`${name} is required: ${HANDOFF_OPTIONS[name]}`);
  }

  let parameters: Record<string, string> = {};
  const parametersText = given.get("--parameters");
  if (parametersText !== undefined) {
    try {
      const value: unknown = JSON.parse(parametersText);
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        problems.push(`--parameters must be a JSON object: ${HANDOFF_OPTIONS["--parameters"]}`);
      } else parameters = value as Record<string, string>;
    } catch (error) {
      problems.push(
        `--parameters is not JSON (${(error as Error).message}): ${HANDOFF_OPTIONS["--parameters"]}`,
      );
    }
  }
  const traceparent = given.get("--traceparent");
  if (traceparent && !TRACEPARENT_PATTERN.test(traceparent)) {
    problems.push(
      `--traceparent ${JSON.stringify(traceparent)} is not a W3C traceparent: ${HANDOFF_OPTIONS["--traceparent"]}`,
    );
  }
  const sequenceText = given.get("--sequence") ?? "0";
  const sequence = Number(sequenceText);
  if (!/^\d+$/.test(sequenceText) || !Number.isSafeInteger(sequence)) {
    problems.push(
      `--sequence ${JSON.stringify(sequenceText)} is invalid: ${HANDOFF_OPTIONS["--sequence"]}`,
    );
  }

  const args: HandoffArgs = {
    requestId: given.get("--request-id") ?? "",
    workflowTemplate: given.get("--workflow-template") ?? "",
    task: given.get("--task") ?? DEFAULT_TASK,
    sequence,
    parameters,
    ...(traceparent ? { traceparent } : {}),
  };
  if (problems.length === 0) {
    // The values against the contract, reported by the option that carried them.
    const fieldToOption: Record<string, Option> = {
      "/data/requestId": "--request-id",
      "/data/workflowTemplate": "--workflow-template",
      "/data/task": "--task",
      "/data/sequence": "--sequence",
      "/data/parameters": "--parameters",
    };
    for (const e of validateMessage("work-task", sampleEnvelope(args))) {
      const option = Object.entries(fieldToOption).find(
        ([field]) => e.field === field || e.field.startsWith(`${field}/`),
      )?.[1];
      problems.push(
        option
          ? `${option} ${e.message} (at ${e.field}): ${HANDOFF_OPTIONS[option]}`
          : `${e.field} ${e.message}`,
      );
    }
  }
  if (problems.length > 0) throw new HandoffArgumentError(problems);
  return args;
}

/** The work-task `data` of a handoff. */
export function workTaskData(args: HandoffArgs): WorkTask {
  return {
    requestId: args.requestId,
    workflowTemplate: args.workflowTemplate,
    task: args.task,
    sequence: args.sequence,
    parameters: args.parameters,
  };
}

/** An envelope with placeholder trace and time: what the contract check of the arguments reads. */
function sampleEnvelope(args: HandoffArgs): Envelope<WorkTask> {
  return {
    specversion: "1.0",
    id: taskIdFor(args.requestId, args.task, args.sequence),
    source: HANDOFF_SOURCE,
    type: WORK_TASK_TYPE,
    time: new Date(0).toISOString(),
    datacontenttype: "application/json",
    traceparent: "00-00000000000000000000000000000001-0000000000000001-00",
    data: workTaskData(args),
  };
}

/**
 * The envelope id of the task a step hands off for one request: the same for every retry of the
 * step, different for each request, each step and each position in the request's history (a
 * step handing off the same task name twice, at sequences 0 and 1, sends two tasks, not one
 * the worker would drop as a duplicate).
 */
export function taskIdFor(requestId: string, task: string, sequence: number): string {
  return derivedId(WORK_TASK_TYPE, requestId, task, sequence);
}

/** The SQS calls the handoff makes (an `SQSClient` satisfies it). */
export interface HandoffSqs {
  send(command: SendMessageCommand): Promise<unknown>;
}

/**
 * Sends the task to the queue inside the step's span and returns the envelope sent. Throws when
 * the send fails (the caller exits non-zero so Argo retries the step).
 */
export async function handOff(
  args: HandoffArgs,
  deps: { sqs: HandoffSqs; queueUrl: string },
): Promise<Envelope<WorkTask>> {
  const parent = args.traceparent
    ? propagation.extract(ROOT_CONTEXT, { traceparent: args.traceparent })
    : ROOT_CONTEXT;
  const name = queueName(deps.queueUrl);
  const span = trace.getTracer("@acme/worker").startSpan(
    `handoff ${args.task}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        "messaging.operation.type": "process",
        "messaging.message.id": args.requestId,
        "acme.workflow.template": args.workflowTemplate,
        "acme.workflow.task": args.task,
      },
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () =>
      produce(
        {
          contract: "work-task",
          type: WORK_TASK_TYPE,
          source: HANDOFF_SOURCE,
          subject: args.requestId,
          id: taskIdFor(args.requestId, args.task, args.sequence),
          data: workTaskData(args),
        },
        { system: "aws_sqs", name },
        async (envelope, carrier) => {
          const attributes: Record<string, MessageAttributeValue> = {};
          for (const [key, value] of Object.entries(carrier)) {
            if (value) attributes[key] = { DataType: "String", StringValue: value };
          }
          await deps.sqs.send(
            new SendMessageCommand({
              QueueUrl: deps.queueUrl,
              MessageBody: JSON.stringify(envelope),
              MessageAttributes: attributes,
            }),
          );
          return envelope;
        },
      ),
    );
  } catch (error) {
    recordError(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Exit codes of the handoff: what Argo and an operator read from the step. */
export const HANDOFF_EXIT = {
  /** The task is on the queue. */
  sent: 0,
  /** The send failed (SQS, credentials, network): Argo's retryStrategy runs the step again. */
  sendFailed: 1,
  /** Bad arguments or environment: nothing was sent; retrying cannot help. */
  invalid: 2,
} as const;

/** What {@link runHandoff} uses; tests replace the queue client and the output streams. */
export interface HandoffRuntime {
  env: NodeJS.ProcessEnv;
  /** Defaults to an SQSClient for the configured Region. */
  sqs?: HandoffSqs;
  /** Where the log lines go (JSON, one a line); defaults to stdout. */
  log?: { write(line: string): void };
  /** Where argument and configuration errors go; defaults to stderr. */
  stderr?: { write(text: string): void };
}

/**
 * The whole command: checks the arguments and the environment, sends the task, and returns the
 * exit code ({@link HANDOFF_EXIT}). Never throws.
 */
export async function runHandoff(
  argv: readonly string[],
  runtime: HandoffRuntime,
): Promise<number> {
  const stderr = runtime.stderr ?? process.stderr;
  const problems: string[] = [];
  let args: HandoffArgs | undefined;
  let config: HandoffConfig | undefined;
  try {
    args = parseHandoffArgs(argv);
  } catch (error) {
    if (!(error instanceof HandoffArgumentError)) throw error;
    problems.push(...error.problems);
  }
  try {
    config = readEnv(HANDOFF_ENV_SPEC, runtime.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0 || !args || !config) {
    stderr.write(
      `handoff: nothing sent; fix these and run again:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`,
    );
    return HANDOFF_EXIT.invalid;
  }
  const logger = createLogger("worker-handoff", {
    level: config.logLevel,
    destination: runtime.log ?? process.stdout,
  });
  const sqs = runtime.sqs ?? new SQSClient({ region: config.awsRegion });
  try {
    const envelope = await handOff(args, { sqs, queueUrl: config.taskQueueUrl });
    logger.info(
      {
        message_id: envelope.id,
        request_id: args.requestId,
        task: args.task,
        traceparent: envelope.traceparent,
      },
      "task handed to the worker",
    );
    return HANDOFF_EXIT.sent;
  } catch (error) {
    logger.error(
      { err: error, request_id: args.requestId, task: args.task },
      "task not sent; the step fails so Argo retries it",
    );
    return HANDOFF_EXIT.sendFailed;
  }
}
