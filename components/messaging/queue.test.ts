import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { sqsPolicies } from "../../policies/rules/sqs";
import type { Capture, CapturedResource } from "../../tools/mocks";
import { evaluateStackExport } from "../../policies/lib/runner";
import { toStackExport } from "../../tools/stackExport";
import {
  MOCK_ACCOUNT_ID,
  mockPlatform,
  ofType,
  policyOf,
  single,
  TEST_REGION,
  testQueueArgs,
  valueOf,
} from "../../tools/testing";
import { policyDocument } from "../lib";
import { listMessageContracts, MESSAGE_CONTRACTS_DIR } from "../lib/contracts";
import { PlatformKeys } from "../security";
import { Queue, type QueueArgs, validateQueueArgs } from "./queue";

const QUEUE = "aws:sqs/queue:Queue";
const QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy";
const REDRIVE_ALLOW = "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy";
const KEY_ARN = `arn:aws:kms:${TEST_REGION}:${MOCK_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
/** The version the schema file declares; the tag must follow it when the schema changes. */
const WORKFLOW_REQUEST_VERSION = (
  JSON.parse(
    fs.readFileSync(path.join(MESSAGE_CONTRACTS_DIR, "workflow-request.schema.json"), "utf8"),
  ) as { version: string }
).version;
const CONTRACT_TAGS = { "acme.io/contract": `workflow-request@${WORKFLOW_REQUEST_VERSION}` };

const args = (overrides: Partial<QueueArgs> = {}): QueueArgs => testQueueArgs(KEY_ARN, overrides);

const parsed = (resource: CapturedResource, key: string): unknown =>
  JSON.parse(resource.inputs[key] as string);

describe("Queue", () => {
  let capture: Capture;
  let work: Queue;
  let workUrn: string;
  let orderedUrn: string;
  let dataKeyArn: string;

  before(async () => {
    capture = await mockPlatform();
    const keys = new PlatformKeys("keys", {
      aliasPrefix: "acme/test",
      accountId: MOCK_ACCOUNT_ID,
      partition: "aws",
      region: TEST_REGION,
    });
    work = new Queue("work", args({ kmsKeyArn: keys.dataKeyArn }));
    const ordered = new Queue(
      "ordered",
      args({
        fifo: true,
        contentBasedDeduplication: true,
        kmsDataKeyReusePeriodSeconds: 3600,
        visibilityTimeoutSeconds: 120,
        consumerProcessingTimeoutSeconds: 120,
        messageRetentionSeconds: 86400,
        receiveWaitTimeSeconds: 10,
        deadLetter: { maxReceiveCount: 3, messageRetentionSeconds: 604800 },
        protect: true,
      }),
    );
    await capture.settle();
    workUrn = await valueOf(work.urn);
    orderedUrn = await valueOf(ordered.urn);
    dataKeyArn = single(capture, "aws:kms/key:Key", "keys-data").outputs.arn as string;
  });

  it("registers two queues, one redrive-allow policy and two queue policies, all its own children", () => {
    for (const urn of [workUrn, orderedUrn]) {
      const children = [...capture.resources.values()].filter((r) => r.parent === urn);
      const counts: Record<string, number> = {};
      for (const child of children) counts[child.type] = (counts[child.type] ?? 0) + 1;
      assert.deepEqual(counts, { [QUEUE]: 2, [REDRIVE_ALLOW]: 1, [QUEUE_POLICY]: 2 });
    }
    assert.deepEqual(
      ofType(capture, QUEUE, workUrn)
        .map((q) => q.name)
        .sort(),
      ["work", "work-dlq"],
    );
  });

  it("encrypts the dead-letter queue with the data key and keeps its messages 14 days", () => {
    const dlq = single(capture, QUEUE, "work-dlq");
    assert.deepEqual(dlq.inputs, {
      fifoQueue: false,
      kmsMasterKeyId: dataKeyArn,
      kmsDataKeyReusePeriodSeconds: 300,
      messageRetentionSeconds: 1209600,
      receiveWaitTimeSeconds: 20,
      tags: CONTRACT_TAGS,
    });
    assert.equal(dlq.protect, false);
  });

  it("encrypts the queue with the same key, never SSE-SQS, and redrives to its DLQ after maxReceiveCount", () => {
    const queue = single(capture, QUEUE, "work");
    const dlq = single(capture, QUEUE, "work-dlq");
    assert.deepEqual(
      { ...queue.inputs, redrivePolicy: parsed(queue, "redrivePolicy") },
      {
        fifoQueue: false,
        kmsMasterKeyId: dataKeyArn,
        kmsDataKeyReusePeriodSeconds: 300,
        visibilityTimeoutSeconds: 900,
        messageRetentionSeconds: 345600,
        receiveWaitTimeSeconds: 20,
        redrivePolicy: { deadLetterTargetArn: dlq.outputs.arn, maxReceiveCount: 5 },
        tags: CONTRACT_TAGS,
      },
    );
    assert.equal("sqsManagedSseEnabled" in queue.inputs, false);
    assert.equal("name" in queue.inputs || "namePrefix" in queue.inputs, false, "auto-named");
  });

  it("lets only its own queue move messages into the DLQ", () => {
    const allow = single(capture, REDRIVE_ALLOW, "work-dlq");
    assert.equal(allow.inputs.queueUrl, single(capture, QUEUE, "work-dlq").outputs.url);
    assert.deepEqual(parsed(allow, "redriveAllowPolicy"), {
      redrivePermission: "byQueue",
      sourceQueueArns: [single(capture, QUEUE, "work").outputs.arn],
    });
  });

  it("gives each queue a policy that denies every request made without TLS", () => {
    for (const name of ["work", "work-dlq", "ordered", "ordered-dlq"]) {
      const queue = single(capture, QUEUE, name);
      const policy = single(capture, QUEUE_POLICY, name);
      assert.equal(policy.inputs.queueUrl, queue.outputs.url, name);
      assert.deepEqual(policyOf(policy), {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "sqs:*",
            Resource: queue.outputs.arn,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      });
      assert.equal("policy" in queue.inputs, false, `${name}: the QueuePolicy is its only policy`);
    }
  });

  it("builds a FIFO pair with deduplication, the given timings, and protects both queues", () => {
    const queue = single(capture, QUEUE, "ordered");
    const dlq = single(capture, QUEUE, "ordered-dlq");
    assert.deepEqual(
      { ...queue.inputs, redrivePolicy: parsed(queue, "redrivePolicy") },
      {
        fifoQueue: true,
        contentBasedDeduplication: true,
        kmsMasterKeyId: KEY_ARN,
        kmsDataKeyReusePeriodSeconds: 3600,
        visibilityTimeoutSeconds: 120,
        messageRetentionSeconds: 86400,
        receiveWaitTimeSeconds: 10,
        redrivePolicy: { deadLetterTargetArn: dlq.outputs.arn, maxReceiveCount: 3 },
        tags: CONTRACT_TAGS,
      },
    );
    assert.deepEqual(dlq.inputs, {
      fifoQueue: true,
      kmsMasterKeyId: KEY_ARN,
      kmsDataKeyReusePeriodSeconds: 3600,
      messageRetentionSeconds: 604800,
      receiveWaitTimeSeconds: 10,
      tags: CONTRACT_TAGS,
    });
    // The provider's auto-naming appends the suffix for fifoQueue: true, and the mock mirrors it.
    assert.match(queue.outputs.name as string, /^ordered-[0-9a-f]{7}\.fifo$/);
    assert.match(dlq.outputs.name as string, /^ordered-dlq-[0-9a-f]{7}\.fifo$/);
    assert.deepEqual(
      [queue, dlq].map((q) => q.protect),
      [true, true],
    );
    assert.deepEqual(
      [
        ...ofType(capture, QUEUE_POLICY, orderedUrn),
        single(capture, REDRIVE_ALLOW, "ordered-dlq"),
      ].map((p) => p.protect),
      [false, false, false],
    );
  });

  it("registers its URLs, ARNs, names and contract as outputs", () => {
    const component = capture.resources.get(workUrn) as CapturedResource;
    const queue = single(capture, QUEUE, "work");
    const dlq = single(capture, QUEUE, "work-dlq");
    assert.deepEqual(component.outputs, {
      queueUrl: queue.outputs.url,
      queueArn: queue.outputs.arn,
      queueName: queue.outputs.name,
      deadLetterQueueUrl: dlq.outputs.url,
      deadLetterQueueArn: dlq.outputs.arn,
      deadLetterQueueName: dlq.outputs.name,
      contract: {
        name: "workflow-request",
        id: "https://contracts.acme.example/messages/workflow-request.schema.json",
        version: WORKFLOW_REQUEST_VERSION,
        file: "contracts/messages/workflow-request.schema.json",
      },
    });
    assert.equal(work.contract.version, WORKFLOW_REQUEST_VERSION);
  });

  it("grants a producer send on this queue and the key only through SQS", async () => {
    const queueArn = single(capture, QUEUE, "work").outputs.arn;
    const viaSqs = { StringEquals: { "kms:ViaService": `sqs.${TEST_REGION}.amazonaws.com` } };
    assert.deepEqual(JSON.parse(await valueOf(policyDocument(work.grantProducer()))), {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
          Resource: queueArn,
        },
        {
          Effect: "Allow",
          Action: ["kms:GenerateDataKey", "kms:Decrypt"],
          Resource: dataKeyArn,
          Condition: viaSqs,
        },
      ],
    });
    const consumer = (arn: unknown) => [
      {
        Effect: "Allow",
        Action: [
          "sqs:ReceiveMessage",
          "sqs:DeleteMessage",
          "sqs:ChangeMessageVisibility",
          "sqs:GetQueueAttributes",
          "sqs:GetQueueUrl",
        ],
        Resource: arn,
      },
      { Effect: "Allow", Action: ["kms:Decrypt"], Resource: dataKeyArn, Condition: viaSqs },
    ];
    assert.deepEqual(
      JSON.parse(await valueOf(policyDocument(work.grantConsumer()))).Statement,
      consumer(queueArn),
    );
    assert.deepEqual(
      JSON.parse(await valueOf(policyDocument(work.grantDeadLetterConsumer()))).Statement,
      consumer(single(capture, QUEUE, "work-dlq").outputs.arn),
    );
  });

  it("passes the pack's SQS policies, both standard and FIFO", async () => {
    const result = await evaluateStackExport(
      toStackExport([...capture.resources.values()], "3.248.0"),
      { policies: sqsPolicies },
    );
    assert.deepEqual(result.violations, []);
    assert.deepEqual(result.undecidable, []);
    // CMK encryption, TLS only, dead-letter queue, and no public QueuePolicy (issue 16).
    assert.equal(result.policiesRun, 4);
  });

  it("accepts the documented defaults and limits", () => {
    assert.deepEqual(validateQueueArgs(args(), "work"), []);
    assert.deepEqual(
      validateQueueArgs(
        args({
          fifo: true,
          visibilityTimeoutSeconds: 43200,
          consumerProcessingTimeoutSeconds: 43200,
          messageRetentionSeconds: 1209600,
          kmsDataKeyReusePeriodSeconds: 86400,
          receiveWaitTimeSeconds: 0,
          deadLetter: { maxReceiveCount: 1000, messageRetentionSeconds: 1209600 },
        }),
        "x".repeat(63),
      ),
      [],
    );
  });

  it("names each invalid argument with its fix", () => {
    const reasons = (overrides: Partial<QueueArgs>, name?: string) =>
      validateQueueArgs(args(overrides), name).map((e) => `${e.propertyPath}: ${e.reason}`);
    assert.deepEqual(reasons({ visibilityTimeoutSeconds: 300 }), [
      "visibilityTimeoutSeconds: is 300 but consumerProcessingTimeoutSeconds is 600; a message " +
        "would reappear while it is still being processed, so raise visibilityTimeoutSeconds to " +
        "at least the processing timeout",
    ]);
    assert.deepEqual(reasons({ contract: "no-such-contract" }), [
      'contract: unknown message contract "no-such-contract"; create ' +
        "contracts/messages/no-such-contract.schema.json or use one of: " +
        listMessageContracts().join(", "),
    ]);
    assert.ok(listMessageContracts().includes("workflow-request"));
    assert.equal(reasons({ contract: "envelope" }).length, 1, "the envelope is not a contract");
    assert.deepEqual(
      reasons({ deadLetter: { maxReceiveCount: 5, messageRetentionSeconds: 3600 } }),
      [
        "deadLetter.messageRetentionSeconds: is 3600 but messageRetentionSeconds is 345600; a " +
          "dead-lettered message keeps its original enqueue time and would expire early, so make " +
          "it at least messageRetentionSeconds",
      ],
    );
    assert.deepEqual(reasons({ deadLetter: { maxReceiveCount: 0 } }), [
      "deadLetter.maxReceiveCount: must be an integer from 1 to 1000 (receives before a message " +
        "is dead-lettered); got 0",
    ]);
    assert.deepEqual(reasons({ contentBasedDeduplication: true }), [
      "contentBasedDeduplication: applies to FIFO queues only; set fifo: true or remove " +
        "contentBasedDeduplication",
    ]);
    assert.deepEqual(reasons({ kmsKeyArn: "alias/acme/dev/data" }), [
      'kmsKeyArn: "alias/acme/dev/data" is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); ' +
        "pass the key's ARN, not an alias or key ID, so the grants name the key IAM checks",
    ]);
    assert.deepEqual(reasons({ fifo: true }, "x".repeat(64)), [
      `name: "${"x".repeat(64)}" cannot name an SQS queue; use at most 63 letters, digits, "-" and ` +
        '"_" (the queue names add "-dlq", a random suffix and ".fifo")',
    ]);
    assert.deepEqual(
      validateQueueArgs(
        args({
          kmsDataKeyReusePeriodSeconds: 30,
          messageRetentionSeconds: 30,
          receiveWaitTimeSeconds: 21,
          region: "Europe",
        }),
      ).map((e) => e.propertyPath),
      [
        "kmsDataKeyReusePeriodSeconds",
        "messageRetentionSeconds",
        "receiveWaitTimeSeconds",
        "region",
      ],
    );
  });

  it("rejects bad arguments with one error naming every problem and registers nothing", async () => {
    const before = capture.resources.size;
    const bad = args({
      visibilityTimeoutSeconds: 300,
      contract: "no-such-contract",
      deadLetter: { maxReceiveCount: 0, messageRetentionSeconds: 3600 },
    });
    assert.throws(
      () => new Queue("bad", bad),
      (e: Error) =>
        pulumi.InputPropertiesError.isInstance(e) &&
        /^Queue: 4 invalid arguments:\n/.test(e.message) &&
        [
          "  - contract: ",
          "  - visibilityTimeoutSeconds: ",
          "  - deadLetter.maxReceiveCount: ",
          "  - deadLetter.messageRetentionSeconds: ",
        ].every((line) => e.message.includes(line)),
    );
    await capture.settle();
    assert.equal(capture.resources.size, before);
  });
});
