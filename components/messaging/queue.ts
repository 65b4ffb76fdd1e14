/**
 * An SQS work queue with its dead-letter queue, both encrypted with the platform's data key,
 * reachable only over TLS, and tagged with the message contract their messages follow.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  type AwsContext,
  denyInsecureTransport,
  keyUseViaService,
  KMS_KEY_ARN,
  policyDocument,
  PolicyStatement,
  REGION,
  throwIfInvalid,
  ValidationError,
} from "../lib";
import { listMessageContracts, messageContract, MessageContract } from "../lib/contracts";
import { SQS_MAX_VISIBILITY_TIMEOUT_SECONDS } from "../../services/kit/src/conventions";

/** The tag both queues carry: `<contract name>@<contract version>`. */
export const CONTRACT_TAG = "acme.io/contract";

/** SQS's own limits, shared by the validation and the argument docs. */
const RETENTION = { min: 60, max: 1209600 };
const MAX_VISIBILITY_TIMEOUT = SQS_MAX_VISIBILITY_TIMEOUT_SECONDS;
const DATA_KEY_REUSE = { min: 60, max: 86400, default: 300 };
const MAX_RECEIVE_COUNT = 1000;
const MAX_RECEIVE_WAIT = 20;

/** SQS queue names: 1 to 80 letters, digits, `-` and `_`; FIFO names end in `.fifo`. */
const QUEUE_NAME_CHARS = /^[A-Za-z0-9_-]+$/;
const MAX_QUEUE_NAME = 80;
/** What auto-naming adds to the longest child name (`<name>-dlq`): `-` and 7 hex characters. */
const AUTO_NAME_SUFFIX = "-dlq".length + 1 + 7;
const FIFO_SUFFIX = ".fifo";

/** The dead-letter queue of a {@link Queue}. */
export interface DeadLetterArgs {
  /**
   * Receives after which SQS moves a message to the dead-letter queue, 1 to 1000. Count the
   * consumer's own retries: each failed attempt is one receive.
   * See https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
   */
  maxReceiveCount: number;
  /**
   * Retention of the dead-letter queue in seconds, at least the queue's `messageRetentionSeconds`:
   * a dead-lettered message keeps its original enqueue time, so a shorter retention would expire
   * it before anyone looks.
   * @default 1209600 (14 days, the SQS maximum)
   */
  messageRetentionSeconds?: number;
}

/** Arguments of {@link Queue}. */
export interface QueueArgs extends Pick<AwsContext, "region"> {
  /**
   * A FIFO queue (ordered per message group, deduplicated) instead of a standard one; the
   * dead-letter queue is of the same kind, as SQS requires. Plain: it decides the queue names.
   * High-throughput FIFO is not offered.
   * @default false
   * See https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-fifo-queues.html
   */
  fifo?: boolean;
  /**
   * FIFO only: deduplicate on a SHA-256 of the body when the producer sends no
   * MessageDeduplicationId. Rejected on a standard queue.
   * @default false
   */
  contentBasedDeduplication?: boolean;
  /**
   * The message contract, a schema name under contracts/messages/ (e.g. `workflow-request`).
   * Both queues are tagged `acme.io/contract` = `<name>@<version>`.
   */
  contract: string;
  /**
   * ARN of the customer-managed KMS key for SSE-KMS (the platform's `data` key). A key ARN, not an
   * alias: the grants name it as their IAM resource.
   */
  kmsKeyArn: pulumi.Input<string>;
  /**
   * How long SQS reuses a data key before calling KMS again, 60 to 86400 seconds. Longer means
   * fewer KMS calls (cost, throttling); shorter means a revoked key grant takes effect sooner.
   * @default 300
   * See https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html
   */
  kmsDataKeyReusePeriodSeconds?: number;
  /**
   * How long a received message stays invisible to other consumers, 0 to 43200 seconds; at least
   * `consumerProcessingTimeoutSeconds`.
   * See https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html
   */
  visibilityTimeoutSeconds: number;
  /**
   * The longest the consumer works on one message before giving up, in seconds. Not an SQS
   * setting: it is here so that a visibility timeout shorter than the work is rejected, since the
   * message would reappear and be processed twice.
   */
  consumerProcessingTimeoutSeconds: number;
  /** How long an unconsumed message is kept, 60 to 1209600 seconds (14 days). */
  messageRetentionSeconds: number;
  /**
   * Long polling on both queues: how long a ReceiveMessage call waits for a message, 0 to 20
   * seconds. 20 cuts empty receives (and their cost) the most.
   * @default 20
   */
  receiveWaitTimeSeconds?: number;
  /** The dead-letter queue every message goes to after `maxReceiveCount` failed receives. */
  deadLetter: DeadLetterArgs;
  /** Protect both queues from `pulumi destroy` (deleting a queue deletes its messages). */
  protect?: boolean;
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

/**
 * Validates {@link QueueArgs} and, when given, the component name the queue names derive from;
 * returns every problem.
 */
export function validateQueueArgs(args: QueueArgs, name?: string): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });
  const range = (path: string, value: unknown, min: number, max: number, what: string) => {
    if (!isIntegerIn(value, min, max)) {
      add(path, `must be an integer from ${min} to ${max} (${what}); got ${String(value)}`);
    }
  };
  const fifo = args.fifo ?? false;

  if (name !== undefined) {
    const longest = MAX_QUEUE_NAME - AUTO_NAME_SUFFIX - (fifo ? FIFO_SUFFIX.length : 0);
    if (!QUEUE_NAME_CHARS.test(name) || name.length > longest) {
      add(
        "name",
        `"${name}" cannot name an SQS queue; use at most ${longest} letters, digits, "-" and "_" ` +
          `(the queue names add "-dlq", a random suffix${fifo ? ' and ".fifo"' : ""})`,
      );
    }
  }
  if (!fifo && args.contentBasedDeduplication) {
    add(
      "contentBasedDeduplication",
      "applies to FIFO queues only; set fifo: true or remove contentBasedDeduplication",
    );
  }

  const known = listMessageContracts();
  if (!known.includes(args.contract)) {
    add(
      "contract",
      `unknown message contract "${args.contract}"; create contracts/messages/${args.contract}.schema.json ` +
        `or use one of: ${known.join(", ")}`,
    );
  } else {
    try {
      messageContract(args.contract);
    } catch (e) {
      add("contract", (e as Error).message);
    }
  }

  if (typeof args.kmsKeyArn === "string" && !KMS_KEY_ARN.test(args.kmsKeyArn)) {
    add(
      "kmsKeyArn",
      `"${args.kmsKeyArn}" is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); pass the ` +
        "key's ARN, not an alias or key ID, so the grants name the key IAM checks",
    );
  }
  range(
    "kmsDataKeyReusePeriodSeconds",
    args.kmsDataKeyReusePeriodSeconds ?? DATA_KEY_REUSE.default,
    DATA_KEY_REUSE.min,
    DATA_KEY_REUSE.max,
    "seconds SQS may reuse a data key",
  );
  range(
    "visibilityTimeoutSeconds",
    args.visibilityTimeoutSeconds,
    0,
    MAX_VISIBILITY_TIMEOUT,
    "the SQS visibility timeout range",
  );
  range(
    "consumerProcessingTimeoutSeconds",
    args.consumerProcessingTimeoutSeconds,
    1,
    MAX_VISIBILITY_TIMEOUT,
    "it must fit in a visibility timeout",
  );
  if (
    typeof args.visibilityTimeoutSeconds === "number" &&
    typeof args.consumerProcessingTimeoutSeconds === "number" &&
    args.consumerProcessingTimeoutSeconds > args.visibilityTimeoutSeconds
  ) {
    add(
      "visibilityTimeoutSeconds",
      `is ${args.visibilityTimeoutSeconds} but consumerProcessingTimeoutSeconds is ` +
        `${args.consumerProcessingTimeoutSeconds}; a message would reappear while it is still being ` +
        "processed, so raise visibilityTimeoutSeconds to at least the processing timeout",
    );
  }
  range(
    "messageRetentionSeconds",
    args.messageRetentionSeconds,
    RETENTION.min,
    RETENTION.max,
    "the SQS retention range",
  );
  range(
    "receiveWaitTimeSeconds",
    args.receiveWaitTimeSeconds ?? MAX_RECEIVE_WAIT,
    0,
    MAX_RECEIVE_WAIT,
    "the SQS long-polling range",
  );
  range(
    "deadLetter.maxReceiveCount",
    args.deadLetter.maxReceiveCount,
    1,
    MAX_RECEIVE_COUNT,
    "receives before a message is dead-lettered",
  );
  const dlqRetention = args.deadLetter.messageRetentionSeconds ?? RETENTION.max;
  range(
    "deadLetter.messageRetentionSeconds",
    dlqRetention,
    RETENTION.min,
    RETENTION.max,
    "the SQS retention range",
  );
  if (
    typeof args.messageRetentionSeconds === "number" &&
    dlqRetention < args.messageRetentionSeconds
  ) {
    add(
      "deadLetter.messageRetentionSeconds",
      `is ${dlqRetention} but messageRetentionSeconds is ${args.messageRetentionSeconds}; a ` +
        "dead-lettered message keeps its original enqueue time and would expire early, so make it " +
        "at least messageRetentionSeconds",
    );
  }
  if (!REGION.test(args.region)) {
    add("region", `"${args.region}" is not an AWS Region code; use the form eu-west-1`);
  }
  return errors;
}

/** The TLS-only queue policy: SQS accepts one policy per queue, so this is the whole of it. */
function tlsOnlyQueuePolicy(queueArn: pulumi.Input<string>): PolicyStatement[] {
  return [denyInsecureTransport("sqs:*", queueArn)];
}

/**
 * A standard or FIFO SQS queue with a dead-letter queue, SSE-KMS with a customer-managed key, a
 * TLS-only queue policy on both queues, and grants that produce least-privilege IAM statements for
 * the roles that send to or receive from it.
 *
 * The queues are auto-named from the component name; for FIFO queues the AWS provider appends the
 * `.fifo` suffix SQS requires to the generated name.
 */
export class Queue extends pulumi.ComponentResource {
  public readonly queue: aws.sqs.Queue;
  public readonly deadLetterQueue: aws.sqs.Queue;
  public readonly queueUrl: pulumi.Output<string>;
  public readonly queueArn: pulumi.Output<string>;
  public readonly queueName: pulumi.Output<string>;
  public readonly deadLetterQueueUrl: pulumi.Output<string>;
  public readonly deadLetterQueueArn: pulumi.Output<string>;
  public readonly deadLetterQueueName: pulumi.Output<string>;
  /** The message contract the queue carries. */
  public readonly contract: MessageContract;

  private readonly kmsKeyArn: pulumi.Input<string>;
  private readonly region: string;

  constructor(name: string, args: QueueArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): a bad argument must fail before anything, the component included, registers.
    throwIfInvalid("Queue", validateQueueArgs(args, name));
    super("acme:messaging:Queue", name, {}, opts);

    const fifo = args.fifo ?? false;
    const kmsDataKeyReusePeriodSeconds =
      args.kmsDataKeyReusePeriodSeconds ?? DATA_KEY_REUSE.default;
    const receiveWaitTimeSeconds = args.receiveWaitTimeSeconds ?? MAX_RECEIVE_WAIT;
    this.contract = messageContract(args.contract);
    this.kmsKeyArn = args.kmsKeyArn;
    this.region = args.region;
    const tags = { [CONTRACT_TAG]: `${this.contract.name}@${this.contract.version}` };
    // Same encryption on both queues: a message moved to the DLQ stays under the same key.
    const encryption = { kmsMasterKeyId: args.kmsKeyArn, kmsDataKeyReusePeriodSeconds };

    this.deadLetterQueue = new aws.sqs.Queue(
      `${name}-dlq`,
      {
        fifoQueue: fifo,
        ...encryption,
        messageRetentionSeconds: args.deadLetter.messageRetentionSeconds ?? RETENTION.max,
        receiveWaitTimeSeconds,
        tags,
      },
      { parent: this, protect: args.protect },
    );

    this.queue = new aws.sqs.Queue(
      name,
      {
        fifoQueue: fifo,
        ...(fifo ? { contentBasedDeduplication: args.contentBasedDeduplication ?? false } : {}),
        ...encryption,
        visibilityTimeoutSeconds: args.visibilityTimeoutSeconds,
        messageRetentionSeconds: args.messageRetentionSeconds,
        receiveWaitTimeSeconds,
        // Inline rather than an aws.sqs.RedrivePolicy: the queue never exists without its DLQ.
        redrivePolicy: pulumi.jsonStringify({
          deadLetterTargetArn: this.deadLetterQueue.arn,
          maxReceiveCount: args.deadLetter.maxReceiveCount,
        }),
        tags,
      },
      { parent: this, protect: args.protect },
    );

    // A separate resource: inline on the DLQ it would need the main queue's ARN, a cycle.
    new aws.sqs.RedriveAllowPolicy(
      `${name}-dlq`,
      {
        queueUrl: this.deadLetterQueue.url,
        redriveAllowPolicy: pulumi.jsonStringify({
          redrivePermission: "byQueue",
          sourceQueueArns: [this.queue.arn],
        }),
      },
      { parent: this },
    );

    for (const [child, queue] of [
      [name, this.queue],
      [`${name}-dlq`, this.deadLetterQueue],
    ] as const) {
      new aws.sqs.QueuePolicy(
        child,
        { queueUrl: queue.url, policy: policyDocument(tlsOnlyQueuePolicy(queue.arn)) },
        { parent: this },
      );
    }

    this.queueUrl = this.queue.url;
    this.queueArn = this.queue.arn;
    this.queueName = this.queue.name;
    this.deadLetterQueueUrl = this.deadLetterQueue.url;
    this.deadLetterQueueArn = this.deadLetterQueue.arn;
    this.deadLetterQueueName = this.deadLetterQueue.name;

    this.registerOutputs({
      queueUrl: this.queueUrl,
      queueArn: this.queueArn,
      queueName: this.queueName,
      deadLetterQueueUrl: this.deadLetterQueueUrl,
      deadLetterQueueArn: this.deadLetterQueueArn,
      deadLetterQueueName: this.deadLetterQueueName,
      contract: { ...this.contract },
    });
  }

  /**
   * IAM statements for a role that sends to this queue: SendMessage (and the reads an SDK makes
   * first) on this queue only, and the data key only when SQS calls KMS on the role's behalf.
   * Render them with `policyDocument()`.
   */
  public grantProducer(): PolicyStatement[] {
    return [
      {
        Effect: "Allow",
        Action: ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
        Resource: this.queueArn,
      },
      this.keyUse(["kms:GenerateDataKey", "kms:Decrypt"]),
    ];
  }

  /** IAM statements for a role that receives from and deletes messages on this queue. */
  public grantConsumer(): PolicyStatement[] {
    return this.consumerOf(this.queueArn);
  }

  /**
   * IAM statements for a consumer that rejects a message it can never process (it fails its
   * contract) straight to the dead-letter queue, instead of letting it be received
   * maxReceiveCount times: SendMessage on the dead-letter queue only.
   */
  public grantDeadLetterProducer(): PolicyStatement[] {
    return [
      {
        Effect: "Allow",
        Action: ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
        Resource: this.deadLetterQueueArn,
      },
      this.keyUse(["kms:GenerateDataKey", "kms:Decrypt"]),
    ];
  }

  /** IAM statements for a role that drains the dead-letter queue (inspection, replay tooling). */
  public grantDeadLetterConsumer(): PolicyStatement[] {
    return this.consumerOf(this.deadLetterQueueArn);
  }

  private consumerOf(queueArn: pulumi.Input<string>): PolicyStatement[] {
    return [
      {
        Effect: "Allow",
        Action: [
          "sqs:ReceiveMessage",
          "sqs:DeleteMessage",
          "sqs:ChangeMessageVisibility",
          "sqs:GetQueueAttributes",
          "sqs:GetQueueUrl",
        ],
        Resource: queueArn,
      },
      this.keyUse(["kms:Decrypt"]),
    ];
  }

  // Only through SQS: the same permission cannot decrypt data of other services sharing the key.
  private keyUse(actions: string[]): PolicyStatement {
    return keyUseViaService(this.kmsKeyArn, "sqs", this.region, actions);
  }
}
