import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  ACCOUNT_ID,
  evaluateSqsStack,
  policyText,
  queueArn,
  queuePolicyResource,
  queueResource,
  type QueuePolicyProps,
  SQS_QUEUE,
  SQS_QUEUE_POLICY,
  sqsStack,
  type StackResource,
  tlsOnlyStatement,
} from "../../../fixtures/sqs";
import { testUrn, unknownValue } from "../../../lib/testing";
import { acmeSqsQueueEnforceTlsOnly as policy } from "./enforceTlsOnly";

const FIX =
  'a statement that denies Principal "*" every SQS action ("sqs:*") on the queue under ' +
  '{"Bool": {"aws:SecureTransport": "false"}}.';

/** The happy-path stack with the QueuePolicy of `work` replaced by one made of `statement`. */
function withWorkStatement(statement: Record<string, unknown>): StackResource[] {
  return sqsStack().map((r) =>
    r.type === SQS_QUEUE_POLICY && r.name === "work"
      ? queuePolicyResource("work", policyText(statement))
      : r,
  );
}

/** The TLS-only statement of `work` with `change` applied. */
const tlsStatement = (change: Record<string, unknown>) => ({
  ...tlsOnlyStatement(queueArn("work")),
  ...change,
});

async function violations(resources: StackResource[]): Promise<[string, string][]> {
  return (await evaluateSqsStack(policy, resources)).violations.map((v) => [v.urn, v.message]);
}

const onWork = (message: string): [string, string][] => [[testUrn(SQS_QUEUE, "work"), message]];
const NOT_DENIED = `SQS queue work: QueuePolicy work does not deny requests without TLS; add ${FIX}`;

describe(policy.name, () => {
  test("passes two queues that each have a TLS-only QueuePolicy", async () => {
    assert.deepEqual(await violations(sqsStack()), []);
  });

  test("reports a queue without any policy", async () => {
    const stack = sqsStack().filter((r) => !(r.type === SQS_QUEUE_POLICY && r.name === "work"));
    assert.deepEqual(
      await violations(stack),
      onWork(`SQS queue work has no queue policy; attach an aws.sqs.QueuePolicy with ${FIX}`),
    );
  });

  test("reports a QueuePolicy without the TLS condition", async () => {
    assert.deepEqual(
      await violations(withWorkStatement(tlsStatement({ Condition: undefined }))),
      onWork(NOT_DENIED),
    );
  });

  test("reports a condition that denies TLS requests instead", async () => {
    const condition = { Bool: { "aws:SecureTransport": "true" } };
    assert.deepEqual(
      await violations(withWorkStatement(tlsStatement({ Condition: condition }))),
      onWork(NOT_DENIED),
    );
  });

  test("reports an Allow in place of the Deny", async () => {
    assert.deepEqual(
      await violations(withWorkStatement(tlsStatement({ Effect: "Allow" }))),
      onWork(NOT_DENIED),
    );
  });

  test("reports a deny that covers only some actions", async () => {
    assert.deepEqual(
      await violations(withWorkStatement(tlsStatement({ Action: ["sqs:SendMessage"] }))),
      onWork(NOT_DENIED),
    );
  });

  test("reports a deny that applies to one principal only", async () => {
    const principal = { AWS: `arn:aws:iam::${ACCOUNT_ID}:role/app` };
    assert.deepEqual(
      await violations(withWorkStatement(tlsStatement({ Principal: principal }))),
      onWork(NOT_DENIED),
    );
  });

  test("reports a deny on another queue", async () => {
    assert.deepEqual(
      await violations(withWorkStatement(tlsStatement({ Resource: queueArn("other") }))),
      onWork(NOT_DENIED),
    );
  });

  test("reports each of two QueuePolicies on a queue that lacks the deny", async () => {
    const stack = [
      ...sqsStack(),
      queuePolicyResource("work", policyText({ ...tlsStatement({ Effect: "Allow" }) }), "second"),
    ];
    assert.deepEqual(
      await violations(stack),
      onWork(`SQS queue work: QueuePolicy second does not deny requests without TLS; add ${FIX}`),
    );
  });

  test("passes equivalent forms of the deny", async () => {
    for (const change of [
      { Principal: { AWS: "*" } },
      { Action: "*" },
      { Action: ["sqs:SendMessage", "SQS:*"] },
      { Resource: "*" },
      { Resource: `arn:aws:sqs:*:${ACCOUNT_ID}:*` },
      { Resource: [queueArn("other"), queueArn("work")] },
      { Condition: { BoolIfExists: { "aws:SecureTransport": "false" } } },
      { Condition: { Bool: { "aws:SecureTransport": false } } },
    ]) {
      assert.deepEqual(
        await violations(withWorkStatement(tlsStatement(change))),
        [],
        JSON.stringify(change),
      );
    }
  });

  test("passes a policy given as a document object rather than JSON text", async () => {
    const document: QueuePolicyProps["policy"] = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Deny",
          Principal: "*",
          Action: "sqs:*",
          Resource: queueArn("work"),
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    };
    const stack = sqsStack().map((r) =>
      r.type === SQS_QUEUE_POLICY && r.name === "work" ? queuePolicyResource("work", document) : r,
    );
    assert.deepEqual(await violations(stack), []);
  });

  test("passes a queue whose own policy denies requests without TLS", async () => {
    const stack = [
      queueResource("inline", { policy: policyText(tlsOnlyStatement(queueArn("inline"))) }),
    ];
    assert.deepEqual(await violations(stack), []);
  });

  test("reports a queue whose own policy lacks the deny", async () => {
    const stack = [
      queueResource("inline", {
        policy: policyText({ ...tlsOnlyStatement(queueArn("inline")), Effect: "Allow" }),
      }),
    ];
    assert.deepEqual(await violations(stack), [
      [
        testUrn(SQS_QUEUE, "inline"),
        `SQS queue inline has a policy that does not deny requests without TLS; add ${FIX}`,
      ],
    ]);
  });

  test("leaves a queue with an unknown URL undecided instead of reporting it", async () => {
    const stack = sqsStack().map((r) =>
      r.type === SQS_QUEUE && r.name === "work"
        ? queueResource("work", { url: unknownValue<string>("string") })
        : r,
    );
    const result = await evaluateSqsStack(policy, stack);
    assert.deepEqual(result.violations, []);
    assert.deepEqual(result.undecidable, [
      {
        policyName: policy.name,
        urn: "",
        message: "string value at .url can't be known during preview",
      },
    ]);
  });

  test("leaves an unknown policy document undecided instead of reporting it", async () => {
    const stack = sqsStack().map((r) =>
      r.type === SQS_QUEUE_POLICY && r.name === "work"
        ? queuePolicyResource("work", unknownValue<string>("string"))
        : r,
    );
    const result = await evaluateSqsStack(policy, stack);
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["string value at .policy can't be known during preview"],
    );
  });

  test("leaves a QueuePolicy with an unknown queue URL undecided instead of reporting it", async () => {
    const unknownTarget: StackResource = {
      type: SQS_QUEUE_POLICY,
      name: "work",
      outputs: { queueUrl: unknownValue<string>("string"), policy: policyText() },
    };
    const stack = sqsStack().map((r) =>
      r.type === SQS_QUEUE_POLICY && r.name === "work" ? unknownTarget : r,
    );
    const result = await evaluateSqsStack(policy, stack);
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["string value at .queueUrl can't be known during preview"],
    );
  });

  test("leaves an unknown own policy undecided instead of reporting it", async () => {
    const result = await evaluateSqsStack(policy, [
      queueResource("inline", { policy: unknownValue<string>("string") }),
    ]);
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["string value at .policy can't be known during preview"],
    );
  });
});
