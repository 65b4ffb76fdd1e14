/**
 * StepFunctionsEngine under the platform mocks: the state machine's encryption, logging and
 * tracing, both trust policies, the exact grants, the namespace-scoped EKS access, the pipe's
 * settings, and what the grants allow under an IAM policy evaluator.
 */
import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import type { Capture } from "../../tools/mocks";
import {
  type IamDecision,
  MOCK_ACCOUNT_ID,
  mockPlatform,
  policyOf,
  simulateIam,
  single,
  TEST_REGION,
  testQueueArgs,
  valueOf,
} from "../../tools/testing";
import { logDeliveryKeyStatement } from "../lib";
import { Queue } from "../messaging/queue";
import {
  StepFunctionsEngine,
  type StepFunctionsEngineArgs,
  validateStepFunctionsEngineArgs,
} from "./stepFunctionsEngine";

const DATA_KEY = `arn:aws:kms:${TEST_REGION}:${MOCK_ACCOUNT_ID}:key/0f1e2d3c-4b5a-4987-8877-665544332211`;
const LOGS_KEY = `arn:aws:kms:${TEST_REGION}:${MOCK_ACCOUNT_ID}:key/1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d`;
const STATES = `arn:aws:states:${TEST_REGION}:${MOCK_ACCOUNT_ID}:stateMachine`;
const PIPES = `arn:aws:pipes:${TEST_REGION}:${MOCK_ACCOUNT_ID}:pipe`;
const VIA_STATES = { "kms:ViaService": `states.${TEST_REGION}.amazonaws.com` };
const VIA_SQS = { "kms:ViaService": `sqs.${TEST_REGION}.amazonaws.com` };

/** A small valid STANDARD definition with one container step, as the compiler would emit it. */
const DEFINITION = JSON.stringify({
  Comment: "request workflow",
  StartAt: "handoff",
  States: {
    handoff: {
      Type: "Task",
      Resource: "arn:aws:states:::eks:runJob.sync",
      Parameters: {
        ClusterName: "acme-test",
        CertificateAuthority: "LS0tLS1CRUdJTi...",
        Endpoint: "https://ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com",
        Namespace: "workflows",
        Job: {
          apiVersion: "batch/v1",
          kind: "Job",
          metadata: { generateName: "handoff-" },
          spec: {
            backoffLimit: 0,
            template: {
              spec: {
                restartPolicy: "Never",
                containers: [{ name: "main", image: "worker@sha256:0", command: ["node"] }],
              },
            },
          },
        },
      },
      Retry: [{ ErrorEquals: ["States.ALL"], MaxAttempts: 2, BackoffRate: 2, IntervalSeconds: 5 }],
      TimeoutSeconds: 600,
      End: true,
    },
  },
});

describe("StepFunctionsEngine", () => {
  let capture: Capture;
  let workQueue: Queue;
  let otherQueue: Queue;
  let stateMachineArn: string;
  let queueArn: string;

  const args = (overrides: Partial<StepFunctionsEngineArgs> = {}): StepFunctionsEngineArgs => ({
    definition: DEFINITION,
    runner: { kind: "eks", clusterName: "acme-test", namespace: "workflows" },
    workQueue,
    dataKeyArn: DATA_KEY,
    logsKeyArn: LOGS_KEY,
    logRetentionInDays: 30,
    region: TEST_REGION,
    accountId: MOCK_ACCOUNT_ID,
    partition: "aws",
    ...overrides,
  });

  before(async () => {
    capture = await mockPlatform();
    const queue = (name: string, contract: string) =>
      new Queue(name, testQueueArgs(DATA_KEY, { contract }));
    workQueue = queue("workflow-requests", "workflow-request");
    otherQueue = queue("tasks", "work-task");
    new StepFunctionsEngine("requests", args());
    await capture.settle();
    stateMachineArn = single(capture, "aws:sfn/stateMachine:StateMachine", "requests").outputs
      .arn as string;
    queueArn = single(capture, "aws:sqs/queue:Queue", "workflow-requests").outputs.arn as string;
  });

  it("creates a STANDARD state machine encrypted with the data key, logging ALL, traced", () => {
    const machine = single(capture, "aws:sfn/stateMachine:StateMachine", "requests");
    const logs = single(capture, "aws:cloudwatch/logGroup:LogGroup", "requests-logs");
    assert.equal(machine.inputs.type, "STANDARD");
    assert.equal(machine.inputs.namePrefix, "requests-");
    assert.equal(machine.inputs.definition, DEFINITION);
    assert.equal(
      machine.inputs.roleArn,
      single(capture, "aws:iam/role:Role", "requests").outputs.arn,
    );
    assert.deepEqual(machine.inputs.encryptionConfiguration, {
      type: "CUSTOMER_MANAGED_KMS_KEY",
      kmsKeyId: DATA_KEY,
      kmsDataKeyReusePeriodSeconds: 300,
    });
    assert.deepEqual(machine.inputs.loggingConfiguration, {
      level: "ALL",
      includeExecutionData: true,
      logDestination: `${logs.outputs.arn as string}:*`,
    });
    assert.deepEqual(machine.inputs.tracingConfiguration, { enabled: true });
    assert.deepEqual(logs.inputs, {
      namePrefix: "/aws/vendedlogs/states/requests-",
      kmsKeyId: LOGS_KEY,
      retentionInDays: 30,
    });
    for (const dependency of [
      single(capture, "aws:iam/rolePolicy:RolePolicy", "requests").urn,
      single(capture, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "requests").urn,
    ]) {
      assert.ok(machine.dependencies.includes(dependency), dependency);
    }
  });

  it("lets Step Functions assume the role only for this account's machines with its prefix", () => {
    const role = single(capture, "aws:iam/role:Role", "requests");
    assert.deepEqual(policyOf(role, "assumeRolePolicy").Statement, [
      {
        Effect: "Allow",
        Principal: { Service: "states.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID },
          ArnLike: { "aws:SourceArn": `${STATES}:requests-*` },
        },
      },
    ]);
  });

  it("grants the state machine X-Ray, log delivery and the data key for itself, nothing else", () => {
    const policy = policyOf(single(capture, "aws:iam/rolePolicy:RolePolicy", "requests"));
    assert.deepEqual(policy.Statement, [
      {
        Sid: "XRayTracing",
        Effect: "Allow",
        Action: [
          "xray:PutTraceSegments",
          "xray:PutTelemetryRecords",
          "xray:GetSamplingRules",
          "xray:GetSamplingTargets",
        ],
        Resource: "*",
      },
      {
        Sid: "ExecutionLogDelivery",
        Effect: "Allow",
        Action: [
          "logs:CreateLogDelivery",
          "logs:GetLogDelivery",
          "logs:UpdateLogDelivery",
          "logs:DeleteLogDelivery",
          "logs:ListLogDeliveries",
          "logs:PutResourcePolicy",
          "logs:DescribeResourcePolicies",
          "logs:DescribeLogGroups",
        ],
        Resource: "*",
      },
      {
        Sid: "DataKeyForThisStateMachine",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: DATA_KEY,
        Condition: {
          StringEquals: VIA_STATES,
          StringLike: {
            "kms:EncryptionContext:aws:states:stateMachineArn": `${STATES}:requests-*`,
          },
        },
      },
      {
        Sid: "DataKeyForExecutionLogs",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey"],
        Resource: DATA_KEY,
        Condition: {
          StringEquals: VIA_STATES,
          StringLike: {
            "kms:EncryptionContext:SourceArn": `arn:aws:logs:${TEST_REGION}:${MOCK_ACCOUNT_ID}:*`,
          },
        },
      },
    ]);
  });

  it("gives the role Kubernetes access through an access entry, in the workflows namespace only", () => {
    const role = single(capture, "aws:iam/role:Role", "requests");
    const entry = single(capture, "aws:eks/accessEntry:AccessEntry", "requests");
    const association = single(
      capture,
      "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
      "requests",
    );
    assert.deepEqual(entry.inputs, {
      clusterName: "acme-test",
      principalArn: role.outputs.arn,
      type: "STANDARD",
    });
    assert.deepEqual(association.inputs, {
      clusterName: "acme-test",
      principalArn: role.outputs.arn,
      policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy",
      accessScope: { type: "namespace", namespaces: ["workflows"] },
    });
    assert.ok(association.dependencies.includes(entry.urn), "the entry exists first");
  });

  it("starts one FIRE_AND_FORGET execution per work-queue message, encrypted and logged", () => {
    const pipe = single(capture, "aws:pipes/pipe:Pipe", "requests");
    const pipeLogs = single(capture, "aws:cloudwatch/logGroup:LogGroup", "requests-pipe-logs");
    assert.deepEqual(pipe.inputs, {
      namePrefix: "requests-",
      description: "Workflow requests from the work queue to the requests state machine",
      roleArn: single(capture, "aws:iam/role:Role", "requests-pipe").outputs.arn,
      source: queueArn,
      sourceParameters: { sqsQueueParameters: { batchSize: 1 } },
      target: stateMachineArn,
      targetParameters: {
        stepFunctionStateMachineParameters: { invocationType: "FIRE_AND_FORGET" },
      },
      kmsKeyIdentifier: DATA_KEY,
      logConfiguration: {
        level: "ERROR",
        cloudwatchLogsLogDestination: { logGroupArn: pipeLogs.outputs.arn },
      },
      desiredState: "RUNNING",
    });
    assert.deepEqual(pipeLogs.inputs, {
      namePrefix: "/aws/vendedlogs/pipes/requests-",
      kmsKeyId: LOGS_KEY,
      retentionInDays: 30,
    });
    assert.ok(
      pipe.dependencies.includes(
        single(capture, "aws:iam/rolePolicy:RolePolicy", "requests-pipe").urn,
      ),
      "the pipe's grants exist before it polls",
    );
  });

  it("lets only a pipe of this account with the prefix assume the pipe role", () => {
    const role = single(capture, "aws:iam/role:Role", "requests-pipe");
    assert.deepEqual(policyOf(role, "assumeRolePolicy").Statement, [
      {
        Effect: "Allow",
        Principal: { Service: "pipes.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID },
          ArnLike: { "aws:SourceArn": `${PIPES}/requests-*` },
        },
      },
    ]);
  });

  it("grants the pipe the work queue's consumer grant, this machine and its own key use", () => {
    const policy = policyOf(single(capture, "aws:iam/rolePolicy:RolePolicy", "requests-pipe"));
    assert.deepEqual(policy.Statement, [
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
      {
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: DATA_KEY,
        Condition: { StringEquals: VIA_SQS },
      },
      {
        Sid: "StartThisStateMachine",
        Effect: "Allow",
        Action: "states:StartExecution",
        Resource: stateMachineArn,
      },
      {
        Sid: "DataKeyForThisStateMachinesInput",
        Effect: "Allow",
        Action: "kms:GenerateDataKey",
        Resource: DATA_KEY,
        Condition: {
          StringEquals: { "kms:EncryptionContext:aws:states:stateMachineArn": stateMachineArn },
        },
      },
      {
        Sid: "DataKeyForThisPipe",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: DATA_KEY,
        Condition: { StringLike: { "kms:EncryptionContext:aws:pipes:arn": `${PIPES}/requests-*` } },
      },
      {
        Sid: "DescribeDataKey",
        Effect: "Allow",
        Action: "kms:DescribeKey",
        Resource: DATA_KEY,
      },
    ]);
  });

  it("states the log-delivery statement the data key's policy needs for vended logs", async () => {
    const statement = await valueOf(
      pulumi.output(logDeliveryKeyStatement(TEST_REGION, MOCK_ACCOUNT_ID, "aws")),
    );
    assert.deepEqual(statement, {
      Sid: "LogDeliveryOfVendedLogs",
      Effect: "Allow",
      Principal: { Service: "delivery.logs.amazonaws.com" },
      Action: "kms:Decrypt",
      Resource: "*",
      Condition: {
        StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID },
        StringLike: {
          "kms:EncryptionContext:SourceArn": `arn:aws:logs:${TEST_REGION}:${MOCK_ACCOUNT_ID}:*`,
        },
      },
    });
  });

  it("reports every invalid argument by its path, and throws before registering", async () => {
    const bad = args({
      definition: '{"States": {}}',
      runner: { kind: "eks", clusterName: "acme-test", namespace: "Workflows" },
      dataKeyArn: "alias/acme/data",
      logsKeyArn: "1a2b3c4d",
      logRetentionInDays: 10,
      kmsDataKeyReusePeriodSeconds: 1000,
      workQueue: otherQueue,
      region: "Ireland",
    });
    assert.deepEqual(
      validateStepFunctionsEngineArgs(bad).map((e) => e.propertyPath),
      [
        "definition",
        "runner.namespace",
        "dataKeyArn",
        "logsKeyArn",
        "logRetentionInDays",
        "kmsDataKeyReusePeriodSeconds",
        "workQueue",
        "region",
      ],
    );
    assert.match(
      validateStepFunctionsEngineArgs(args({ definition: "{" }))[0].reason,
      /^is not JSON/,
    );
    assert.deepEqual(validateStepFunctionsEngineArgs(args()), []);
    await capture.settle();
    const count = capture.resources.size;
    assert.throws(
      () => new StepFunctionsEngine("bad", bad),
      /StepFunctionsEngine: 8 invalid arguments/,
    );
    await capture.settle();
    assert.equal(capture.resources.size, count);
  });

  describe("under IAM evaluation", () => {
    const KEY_POLICY = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${MOCK_ACCOUNT_ID}:root` },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    };
    const decide = (
      role: string,
      action: string,
      resource: string,
      context: Record<string, string> = {},
    ): Promise<IamDecision> =>
      simulateIam({
        principal: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${role}`,
        identityPolicies: {
          grant: policyOf(single(capture, "aws:iam/rolePolicy:RolePolicy", role)),
        },
        resourcePolicy: action.startsWith("kms:") ? KEY_POLICY : undefined,
        action,
        resource,
        context,
      });

    it("lets the pipe start this state machine only", async () => {
      assert.equal(
        await decide("requests-pipe", "states:StartExecution", stateMachineArn),
        "Allowed",
      );
      assert.equal(
        await decide("requests-pipe", "states:StartExecution", `${STATES}:another-machine`),
        "ImplicitlyDenied",
      );
      assert.equal(
        await decide(
          "requests-pipe",
          "states:StopExecution",
          `arn:aws:states:${TEST_REGION}:${MOCK_ACCOUNT_ID}:execution:requests-abc:exec`,
        ),
        "ImplicitlyDenied",
      );
    });

    it("lets the pipe read the work queue only, and decrypt through SQS only", async () => {
      const otherArn = single(capture, "aws:sqs/queue:Queue", "tasks").outputs.arn as string;
      const dlqArn = single(capture, "aws:sqs/queue:Queue", "workflow-requests-dlq").outputs
        .arn as string;
      assert.equal(await decide("requests-pipe", "sqs:ReceiveMessage", queueArn), "Allowed");
      assert.equal(await decide("requests-pipe", "sqs:DeleteMessage", queueArn), "Allowed");
      for (const other of [otherArn, dlqArn]) {
        assert.equal(
          await decide("requests-pipe", "sqs:ReceiveMessage", other),
          "ImplicitlyDenied",
          other,
        );
      }
      assert.equal(await decide("requests-pipe", "sqs:SendMessage", queueArn), "ImplicitlyDenied");
      assert.equal(await decide("requests-pipe", "kms:Decrypt", DATA_KEY, VIA_SQS), "Allowed");
      assert.equal(
        await decide("requests-pipe", "kms:Decrypt", DATA_KEY, {
          "kms:ViaService": `s3.${TEST_REGION}.amazonaws.com`,
        }),
        "ImplicitlyDenied",
      );
    });

    it("keeps the state machine's role off the queue and off other machines' data", async () => {
      assert.equal(await decide("requests", "sqs:ReceiveMessage", queueArn), "ImplicitlyDenied");
      assert.equal(
        await decide("requests", "states:StartExecution", stateMachineArn),
        "ImplicitlyDenied",
      );
      // The data key through SQS (the queue's encryption) is not the state machine's: its key
      // statements require Step Functions as the caller. (The simulator cannot evaluate
      // kms:EncryptionContext:* keys, it reports them missing, so the per-machine context is
      // asserted on the statements above instead of here.)
      assert.equal(await decide("requests", "kms:Decrypt", DATA_KEY, VIA_SQS), "ImplicitlyDenied");
    });
  });
});
