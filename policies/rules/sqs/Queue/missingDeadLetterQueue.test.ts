import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  evaluateSqsStack,
  queueResource,
  redrivePolicyResource,
  redriveTo,
  SQS_QUEUE,
  sqsStack,
  type StackResource,
} from "../../../fixtures/sqs";
import { testUrn, unknownValue } from "../../../lib/testing";
import { acmeSqsQueueMissingDeadLetterQueue as policy } from "./missingDeadLetterQueue";

const missing = (queue: string): [string, string] => [
  testUrn(SQS_QUEUE, queue),
  `SQS queue ${queue} has no dead-letter queue and is not one; set its redrivePolicy (inline or ` +
    'with an aws.sqs.RedrivePolicy) to {"deadLetterTargetArn": <DLQ ARN>, "maxReceiveCount": <receives>}.',
];

async function violations(resources: StackResource[]): Promise<[string, string][]> {
  return (await evaluateSqsStack(policy, resources)).violations.map((v) => [v.urn, v.message]);
}

/** The happy-path stack with queue `work` replaced by one with `redrivePolicy`. */
function withWorkRedrive(redrivePolicy: string | undefined): StackResource[] {
  return sqsStack().map((r) =>
    r.type === SQS_QUEUE && r.name === "work" ? queueResource("work", { redrivePolicy }) : r,
  );
}

describe(policy.name, () => {
  test("passes a queue whose dead-letter queue is in the stack", async () => {
    assert.deepEqual(await violations(sqsStack()), []);
  });

  test("reports a queue without a redrive policy, and its former DLQ that is no longer one", async () => {
    assert.deepEqual(await violations(withWorkRedrive(undefined)), [
      missing("work-dlq"),
      missing("work"),
    ]);
  });

  test("reports a standalone queue beside a correct pair", async () => {
    assert.deepEqual(await violations([...sqsStack(), queueResource("lonely")]), [
      missing("lonely"),
    ]);
  });

  test("reports a redrive policy without a target", async () => {
    assert.deepEqual(await violations(withWorkRedrive(JSON.stringify({ maxReceiveCount: 5 }))), [
      missing("work-dlq"),
      missing("work"),
    ]);
  });

  test("reports a redrive policy that is not JSON", async () => {
    assert.deepEqual(await violations(withWorkRedrive("not json")), [
      missing("work-dlq"),
      missing("work"),
    ]);
  });

  test("passes a queue whose dead-letter queue lies outside the stack", async () => {
    assert.deepEqual(
      await violations([queueResource("work", { redrivePolicy: redriveTo("shared-dlq") })]),
      [],
    );
  });

  test("passes a redrive policy set by an aws.sqs.RedrivePolicy", async () => {
    const stack = [...withWorkRedrive(undefined), redrivePolicyResource("work", "work-dlq")];
    assert.deepEqual(await violations(stack), []);
  });

  test("does not count an aws.sqs.RedrivePolicy of another queue", async () => {
    const stack = [
      ...sqsStack(),
      queueResource("lonely"),
      redrivePolicyResource("elsewhere", "work-dlq"),
    ];
    assert.deepEqual(await violations(stack), [missing("lonely")]);
  });

  test("leaves an unknown redrive policy undecided instead of reporting it", async () => {
    const result = await evaluateSqsStack(policy, withWorkRedrive(unknownValue<string>("string")));
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["string value at .redrivePolicy can't be known during preview"],
    );
  });

  test("leaves a queue with an unknown ARN undecided instead of reporting it", async () => {
    const stack = sqsStack().map((r) =>
      r.type === SQS_QUEUE && r.name === "work-dlq"
        ? queueResource("work-dlq", { arn: unknownValue<string>("string") })
        : r,
    );
    const result = await evaluateSqsStack(policy, stack);
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["string value at .arn can't be known during preview"],
    );
  });
});
