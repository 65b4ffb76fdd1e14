/**
 * FargateSteps and the Step Functions engine's fargate runner under the platform mocks: the task
 * definitions' exact settings, the roles' trust and grants, the security group, and what the
 * state machine's role may do to run the steps, under an IAM policy evaluator.
 */
import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Capture } from "../../tools/mocks";
import {
  MOCK_ACCOUNT_ID,
  mockPlatform,
  policyOf,
  simulateIam,
  single,
  TEST_REGION,
  testQueueArgs,
} from "../../tools/testing";
import type { PolicyStatement } from "../lib";
import { Queue } from "../messaging/queue";
import { aslDefinition, compileStepFunctions } from "./engines/stepFunctions";
import { reference, referenceArgs } from "./engines/fixtures";
import { referenceWorkflow } from "./definition";
import {
  fargateRunStatements,
  FargateSteps,
  type FargateStepsArgs,
  validateFargateStepsArgs,
} from "./fargateSteps";
import { StepFunctionsEngine } from "./stepFunctionsEngine";

const DATA_KEY = `arn:aws:kms:${TEST_REGION}:${MOCK_ACCOUNT_ID}:key/0f1e2d3c-4b5a-4987-8877-665544332211`;
const LOGS_KEY = `arn:aws:kms:${TEST_REGION}:${MOCK_ACCOUNT_ID}:key/1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d`;
const TABLE_KEY = `arn:aws:kms:${TEST_REGION}:${MOCK_ACCOUNT_ID}:key/2b3c4d5e-6f70-4a1b-8c2d-3e4f5a6b7c8e`;
const TABLE = `arn:aws:dynamodb:${TEST_REGION}:${MOCK_ACCOUNT_ID}:table/requests`;
const TOPIC = `arn:aws:sns:${TEST_REGION}:${MOCK_ACCOUNT_ID}:alerts`;
const GRANT: PolicyStatement = {
  Sid: "SendTasks",
  Effect: "Allow",
  Action: ["sqs:SendMessage"],
  Resource: `arn:aws:sqs:${TEST_REGION}:${MOCK_ACCOUNT_ID}:worker-tasks`,
};

const stepsArgs = (overrides: Partial<FargateStepsArgs> = {}): FargateStepsArgs => ({
  workflow: reference(),
  vpcId: "vpc-0123",
  subnetIds: ["subnet-0a", "subnet-0b"],
  taskRoleStatements: { "argo-workflow": [GRANT] },
  logsKeyArn: LOGS_KEY,
  logRetentionInDays: 30,
  region: TEST_REGION,
  accountId: MOCK_ACCOUNT_ID,
  partition: "aws",
  ...overrides,
});

describe("FargateSteps and the fargate runner", () => {
  let capture: Capture;
  let steps: FargateSteps;
  let machineRole: { arn: string; policy: unknown };
  let ids: { cluster: string; taskDefinition: string; taskRole: string; executionRole: string };

  before(async () => {
    capture = await mockPlatform();
    const workQueue = new Queue("workflow-requests", testQueueArgs(DATA_KEY));
    const context = { region: TEST_REGION, accountId: MOCK_ACCOUNT_ID, partition: "aws" };
    steps = new FargateSteps("requests", stepsArgs());
    new StepFunctionsEngine("requests", {
      ...context,
      definition: aslDefinition(
        compileStepFunctions(reference(), {
          ...steps.target,
          recordExecution: { tableName: "requests", ttlSeconds: 86400 },
        }),
      ),
      runner: { kind: "fargate", statements: fargateRunStatements(steps, context) },
      recordExecution: { tableArn: TABLE, keyArn: TABLE_KEY },
      alarmTopicArn: TOPIC,
      workQueue,
      dataKeyArn: DATA_KEY,
      logsKeyArn: LOGS_KEY,
      logRetentionInDays: 30,
    });
    await capture.settle();
    const role = single(capture, "aws:iam/role:Role", "requests");
    machineRole = {
      arn: role.outputs.arn as string,
      policy: policyOf(single(capture, "aws:iam/rolePolicy:RolePolicy", "requests")),
    };
    ids = {
      cluster: single(capture, "aws:ecs/cluster:Cluster", "requests").outputs.arn as string,
      taskDefinition: single(capture, "aws:ecs/taskDefinition:TaskDefinition", "requests-main")
        .outputs.arn as string,
      taskRole: single(capture, "aws:iam/role:Role", "requests-argo-workflow").outputs
        .arn as string,
      executionRole: single(capture, "aws:iam/role:Role", "requests-execution").outputs
        .arn as string,
    };
  });

  it("registers one Fargate task definition per step, sized and roled, with the step's container", () => {
    const definition = single(capture, "aws:ecs/taskDefinition:TaskDefinition", "requests-main");
    const { containerDefinitions, ...rest } = definition.inputs;
    assert.deepEqual(rest, {
      family: "requests-main",
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      // The reference step asks for 250m and 512Mi.
      cpu: "256",
      memory: "512",
      executionRoleArn: ids.executionRole,
      taskRoleArn: ids.taskRole,
      tags: {
        "acme.io/workflow-template": "service-a-request",
        "acme.io/workflow-step": "main",
        "acme.io/service-account": "argo-workflow",
      },
    });
    const [container] = JSON.parse(containerDefinitions as string) as Array<
      Record<string, unknown>
    >;
    assert.deepEqual(container.entryPoint, ["node", "--enable-source-maps", "dist/handoff.js"]);
    assert.equal(container.readonlyRootFilesystem, true);
    assert.equal(container.user, "1000:1000");
    const logs = single(capture, "aws:cloudwatch/logGroup:LogGroup", "requests");
    assert.deepEqual(
      (container.logConfiguration as { options: Record<string, string> }).options["awslogs-group"],
      logs.outputs.name,
    );
    assert.deepEqual(logs.inputs, {
      namePrefix: "/aws/ecs/requests-",
      kmsKeyId: LOGS_KEY,
      retentionInDays: 30,
    });
  });

  it("runs the tasks on the CPU the image was built for", async () => {
    new FargateSteps("arm", stepsArgs({ platform: "linux/arm64" }));
    await capture.settle();
    const arm = single(capture, "aws:ecs/taskDefinition:TaskDefinition", "arm-main");
    assert.deepEqual(arm.inputs.runtimePlatform, {
      operatingSystemFamily: "LINUX",
      cpuArchitecture: "ARM64",
    });
  });

  it("turns Container Insights on and opens no ingress", () => {
    assert.deepEqual(single(capture, "aws:ecs/cluster:Cluster", "requests").inputs.settings, [
      { name: "containerInsights", value: "enabled" },
    ]);
    const ingress = [...capture.resources.values()].filter(
      (r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    );
    assert.deepEqual(ingress, []);
    const egress = single(
      capture,
      "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
      "requests-https-out",
    );
    assert.equal(egress.inputs.fromPort, 443);
    assert.equal(egress.inputs.toPort, 443);
  });

  it("trusts ECS tasks of this account only, for both roles", () => {
    for (const name of ["requests-execution", "requests-argo-workflow"]) {
      const trust = policyOf(single(capture, "aws:iam/role:Role", name), "assumeRolePolicy");
      assert.deepEqual(trust.Statement, [
        {
          Effect: "Allow",
          Principal: { Service: "ecs-tasks.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID },
            ArnLike: { "aws:SourceArn": `arn:aws:ecs:${TEST_REGION}:${MOCK_ACCOUNT_ID}:*` },
          },
        },
      ]);
    }
  });

  it("gives the task role exactly the service account's statements", () => {
    assert.deepEqual(
      policyOf(single(capture, "aws:iam/rolePolicy:RolePolicy", "requests-argo-workflow"))
        .Statement,
      [GRANT],
    );
  });

  it("lets the state machine run these task definitions in this cluster only, and pass only these roles to ECS", async () => {
    const decide = (action: string, resource: string, context = {}) =>
      simulateIam({
        principal: machineRole.arn,
        identityPolicies: { machine: machineRole.policy },
        action,
        resource,
        context,
      });
    assert.equal(
      await decide("ecs:RunTask", ids.taskDefinition, { "ecs:cluster": ids.cluster }),
      "Allowed",
    );
    assert.equal(
      await decide("ecs:RunTask", ids.taskDefinition, {
        "ecs:cluster": `arn:aws:ecs:${TEST_REGION}:${MOCK_ACCOUNT_ID}:cluster/other`,
      }),
      "ImplicitlyDenied",
    );
    assert.equal(
      await decide(
        "ecs:RunTask",
        `arn:aws:ecs:${TEST_REGION}:${MOCK_ACCOUNT_ID}:task-definition/other:1`,
        { "ecs:cluster": ids.cluster },
      ),
      "ImplicitlyDenied",
    );
    for (const role of [ids.taskRole, ids.executionRole]) {
      assert.equal(
        await decide("iam:PassRole", role, { "iam:PassedToService": "ecs-tasks.amazonaws.com" }),
        "Allowed",
      );
      assert.equal(
        await decide("iam:PassRole", role, { "iam:PassedToService": "lambda.amazonaws.com" }),
        "ImplicitlyDenied",
      );
    }
    assert.equal(
      await decide("iam:PassRole", `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/admin`, {
        "iam:PassedToService": "ecs-tasks.amazonaws.com",
      }),
      "ImplicitlyDenied",
    );
  });

  it("lets the state machine watch, stop and tag (at RunTask) this cluster's tasks only, and manage the .sync events rule only", async () => {
    const decide = (action: string, resource: string, context = {}) =>
      simulateIam({
        principal: machineRole.arn,
        identityPolicies: { machine: machineRole.policy },
        action,
        resource,
        context,
      });
    const clusterName = ids.cluster.split("/").pop() as string;
    const task = (cluster: string) =>
      `arn:aws:ecs:${TEST_REGION}:${MOCK_ACCOUNT_ID}:task/${cluster}/0123456789abcdef0123456789abcdef`;
    for (const action of ["ecs:DescribeTasks", "ecs:StopTask"]) {
      assert.equal(await decide(action, task(clusterName)), "Allowed", action);
      assert.equal(await decide(action, task("other")), "ImplicitlyDenied", action);
    }
    assert.equal(
      await decide("ecs:TagResource", task(clusterName), { "ecs:CreateAction": "RunTask" }),
      "Allowed",
    );
    // Tagging a running task afterwards is not part of running it.
    assert.equal(await decide("ecs:TagResource", task(clusterName)), "ImplicitlyDenied");
    const rule = (name: string) => `arn:aws:events:${TEST_REGION}:${MOCK_ACCOUNT_ID}:rule/${name}`;
    for (const action of ["events:PutRule", "events:PutTargets", "events:DescribeRule"]) {
      assert.equal(
        await decide(action, rule("StepFunctionsGetEventsForECSTaskRule")),
        "Allowed",
        action,
      );
      assert.equal(await decide(action, rule("other")), "ImplicitlyDenied", action);
    }
  });

  it("creates no Kubernetes access entry for a fargate runner", () => {
    const entries = [...capture.resources.values()].filter(
      (r) => r.type === "aws:eks/accessEntry:AccessEntry",
    );
    assert.deepEqual(entries, []);
  });

  it("lets the execution record touch request items' name and expiry only", async () => {
    const decide = (key: string, attributes: string[]) =>
      simulateIam({
        principal: machineRole.arn,
        identityPolicies: { machine: machineRole.policy },
        action: "dynamodb:UpdateItem",
        resource: TABLE,
        context: { "dynamodb:LeadingKeys": [key], "dynamodb:Attributes": attributes },
      });
    assert.equal(await decide("req#42", ["pk", "executionName", "expiresAt"]), "Allowed");
    assert.equal(await decide("req#42", ["pk", "status"]), "ImplicitlyDenied");
    assert.equal(await decide("idem#42", ["pk", "executionName"]), "ImplicitlyDenied");
  });

  it("alarms on executions that failed, timed out or were aborted, to the alerts topic", () => {
    const alarm = single(capture, "aws:cloudwatch/metricAlarm:MetricAlarm", "requests-failed");
    assert.deepEqual(alarm.inputs.alarmActions, [TOPIC]);
    assert.equal(alarm.inputs.threshold, 0);
    assert.equal(alarm.inputs.comparisonOperator, "GreaterThanThreshold");
    assert.match(alarm.inputs.alarmDescription as string, /WorkflowExecutionsFailed\.md/);
    // PutMetricAlarm takes exactly one query with ReturnData true (an omitted one counts as true).
    const queries = alarm.inputs.metricQueries as Array<{ id: string; returnData?: boolean }>;
    assert.deepEqual(
      queries.map((q) => [q.id, q.returnData]),
      [
        ["m0", false],
        ["m1", false],
        ["m2", false],
        ["failed", true],
      ],
    );
  });

  it("reports every invalid argument by its path, before registering", () => {
    const big = referenceWorkflow(referenceArgs({ resources: { cpu: "32", memory: "1Gi" } }));
    assert.deepEqual(
      validateFargateStepsArgs(
        stepsArgs({
          workflow: big,
          subnetIds: [],
          taskRoleStatements: {},
          logRetentionInDays: 10,
          platform: "linux/s390x" as FargateStepsArgs["platform"],
        }),
      ).map((e) => e.propertyPath),
      [
        "taskRoleStatements.argo-workflow",
        "workflow.steps.main.resources",
        "platform",
        "subnetIds",
        "logRetentionInDays",
      ],
    );
    assert.throws(
      () => new FargateSteps("bad", stepsArgs({ taskRoleStatements: {} })),
      /taskRoleStatements\.argo-workflow/,
    );
    assert.equal(steps.target.runner, "fargate");
  });
});
