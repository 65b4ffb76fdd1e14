/**
 * Stacks planned offline with `platform.workflows.engine: step-functions`, through `--config`
 * copies of the committed stack files (docs/workflow-engines.md):
 * - prod, with the default `fargate` runner (prod's endpoint is private): issue 14's acceptance,
 *   the prod plan with this engine passing the policy pack and the engine checks;
 * - dev with `stepRunner: eks` (dev's endpoint is public): the Jobs path.
 * The engine's AWS side replaces the Argo WorkflowTemplate and Argo Events, and the plans pass the
 * policy pack and every check.
 */
import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { aslErrors } from "./engines/fixtures";
import { cachedPlan, type CachedPlan, stackFileWithStepFunctions } from "../../tools/planCache";
import type { ExportedResource } from "../../tools/stackExport";
import { SERVICE_A_STATUS_RBAC } from "../../services/service-a/src/statusAccess";
import { RUN_JOB_SYNC, RUN_TASK_SYNC, SFN_STATES, StepRunner } from "./engines/stepFunctions";

type Asl = {
  States: Record<string, { Type: string; Resource?: string; Arguments?: Record<string, unknown> }>;
};

function planned(stack: string, stepRunner?: StepRunner) {
  const state = {} as { run: CachedPlan; resources: ExportedResource[] };
  before(() => {
    state.run = cachedPlan(stack, stackFileWithStepFunctions(stack, stepRunner));
    state.resources = state.run.export.deployment.resources;
  });
  const of = (type: string) => state.resources.filter((r) => r.type === type);
  const asl = () => {
    const [machine] = of("aws:sfn/stateMachine:StateMachine");
    return JSON.parse(machine.inputs.definition as string) as Asl;
  };
  return { state, of, asl };
}

function planIsClean(run: CachedPlan) {
  assert.equal(run.status, 0, `plan failed:\n${run.stderr}\n${run.stdout}`);
  assert.match(run.stdout, /Policies: \d+ run on \d+ resources: 0 mandatory violation\(s\)/);
  assert.match(
    run.stdout,
    /Engine checks: .*1 state machine\(s\) with asl-validator: 0 error\(s\)/,
  );
  assert.match(run.stdout, /Cross-resource checks: .*: 0 error\(s\)/);
}

const ARGO_ONLY = [
  "acme:workflows:ArgoEvents",
  "acme:workflows:RequestWorkflowTemplate",
  "kubernetes:argoproj.io/v1alpha1:Sensor",
  "kubernetes:argoproj.io/v1alpha1:EventSource",
  "kubernetes:argoproj.io/v1alpha1:EventBus",
  "kubernetes:argoproj.io/v1alpha1:WorkflowTemplate",
];

describe("prod planned with the Step Functions engine (fargate runner, --config)", () => {
  const { state, of, asl } = planned("prod");

  it("plans cleanly: 0 mandatory policy violations, 0 engine and cross-resource errors", () => {
    planIsClean(state.run);
    assert.match(
      state.run.stdout,
      /Policies: \d+ run on \d+ resources: 0 mandatory violation\(s\), 0 advisory/,
    );
  });

  it("creates the state machine, its pipe and the Fargate steps, and nothing of Argo", () => {
    assert.equal(of("aws:sfn/stateMachine:StateMachine").length, 1);
    assert.equal(of("aws:pipes/pipe:Pipe").length, 1);
    assert.equal(of("acme:workflows:FargateSteps").length, 1);
    assert.equal(of("aws:ecs/taskDefinition:TaskDefinition").length, 1, "one step, one task");
    for (const absent of [
      ...ARGO_ONLY,
      "acme:workflows:ArgoWorkflows",
      "acme:workflows:ArtifactBucket",
    ]) {
      assert.deepEqual(
        of(absent).map((r) => r.urn),
        [],
        `${absent} in a fargate step-functions stack`,
      );
    }
    assert.deepEqual(
      of("aws:eks/accessEntry:AccessEntry")
        .filter((e) => e.urn.endsWith("::service-a-request"))
        .map((e) => e.urn),
      [],
      "no Kubernetes access for the state machine's role",
    );
  });

  it("runs each step as a Fargate task of its task definition, in the private subnets, unaddressed", () => {
    const doc = asl();
    assert.deepEqual(aslErrors(doc), []);
    const tasks = Object.entries(doc.States).filter(
      ([name, s]) => s.Type === "Task" && name !== SFN_STATES.record,
    );
    assert.deepEqual(
      tasks.map(([name]) => name),
      ["main"],
    );
    const [taskDefinition] = of("aws:ecs/taskDefinition:TaskDefinition");
    const [ecsCluster] = of("aws:ecs/cluster:Cluster");
    const privateSubnets = of("aws:ec2/subnet:Subnet")
      .filter((s) => /::platform-private-\d+$/.test(s.urn))
      .map((s) => s.id as string)
      .sort();
    assert.ok(privateSubnets.length > 0);
    for (const [, task] of tasks) {
      assert.equal(task.Resource, RUN_TASK_SYNC);
      const args = task.Arguments as Record<string, unknown> & {
        NetworkConfiguration: {
          AwsvpcConfiguration: { Subnets: string[]; AssignPublicIp: string };
        };
      };
      assert.equal(args.TaskDefinition, taskDefinition.outputs.arn);
      assert.equal(args.Cluster, ecsCluster.outputs.arn);
      assert.equal(args.LaunchType, "FARGATE");
      assert.equal(args.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp, "DISABLED");
      assert.deepEqual(
        [...args.NetworkConfiguration.AwsvpcConfiguration.Subnets].sort(),
        privateSubnets,
      );
    }
  });

  it("records each execution on the request item first, in Service A's table", () => {
    const doc = asl();
    assert.equal((doc.States[SFN_STATES.parameters] as { Next?: string }).Next, SFN_STATES.record);
    const [table] = of("aws:dynamodb/table:Table").filter((t) =>
      t.urn.includes("service-a-requests"),
    );
    assert.equal(doc.States[SFN_STATES.record].Arguments?.TableName, table.outputs.name);
  });

  it("gives the task role the workflow account's grant and the machine's role exactly these roles to pass", () => {
    const policies = of("aws:iam/rolePolicy:RolePolicy");
    const machinePolicy = policies.find((p) =>
      p.urn.endsWith(
        "acme:workflows:StepFunctionsEngine$aws:iam/rolePolicy:RolePolicy::service-a-request",
      ),
    );
    assert.ok(machinePolicy);
    const statements = (
      JSON.parse(machinePolicy.inputs.policy as string) as {
        Statement: Array<{ Sid: string; Resource: unknown; Condition?: unknown }>;
      }
    ).Statement;
    const pass = statements.find((s) => s.Sid === "PassStepRoles");
    const roles = of("aws:iam/role:Role").filter((r) => r.urn.includes("FargateSteps"));
    assert.deepEqual(
      [...(pass?.Resource as string[])].sort(),
      roles.map((r) => r.outputs.arn as string).sort(),
    );
    assert.deepEqual(pass?.Condition, {
      StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" },
    });
    const taskRolePolicy = policies.find((p) =>
      p.urn.endsWith("::service-a-request-argo-workflow"),
    );
    assert.ok(taskRolePolicy, "the workflow service account's task role has a policy");
    const taskStatements = (
      JSON.parse(taskRolePolicy.inputs.policy as string) as {
        Statement: Array<{ Action: string | string[] }>;
      }
    ).Statement;
    assert.ok(
      taskStatements.some((s) => [s.Action].flat().includes("sqs:SendMessage")),
      "the task queue's producer grant",
    );
  });

  it("alarms on executions that did not succeed, to the alerts topic", () => {
    const alarm = of("aws:cloudwatch/metricAlarm:MetricAlarm").find((a) =>
      a.urn.endsWith("::service-a-request-failed"),
    );
    assert.ok(alarm);
    const [topic] = of("aws:sns/topic:Topic").filter((t) => t.urn.endsWith("::platform-alerts"));
    assert.ok(topic, "the alerts topic");
    assert.deepEqual(alarm.inputs.alarmActions, [topic.outputs.arn]);
    const metrics = (alarm.inputs.metricQueries as Array<{ metric?: { metricName: string } }>)
      .flatMap((q) => (q.metric ? [q.metric.metricName] : []))
      .sort();
    assert.deepEqual(metrics, ["ExecutionsAborted", "ExecutionsFailed", "ExecutionsTimedOut"]);
  });

  it("does not carry Service A's Argo status role (no Argo to read)", () => {
    const roles = of("kubernetes:rbac.authorization.k8s.io/v1:Role").filter((r) =>
      JSON.stringify(r.inputs.rules ?? []).includes(SERVICE_A_STATUS_RBAC[0].resources[0]),
    );
    assert.deepEqual(
      roles.map((r) => r.urn),
      [],
    );
  });
});

describe("dev planned with the Step Functions engine and the eks runner (--config)", () => {
  const { state, of, asl } = planned("dev", StepRunner.Eks);

  it("plans cleanly", () => planIsClean(state.run));

  it("runs each step as a Job in the workflows namespace of this cluster, with Argo Workflows' account", () => {
    for (const absent of ARGO_ONLY) {
      assert.deepEqual(
        of(absent).map((r) => r.urn),
        [],
        `${absent} in a step-functions stack`,
      );
    }
    // The Job pods' namespace and service account (with the task-queue grant) come from it.
    assert.equal(of("acme:workflows:ArgoWorkflows").length, 1);
    assert.equal(of("acme:workflows:FargateSteps").length, 0);
    const tasks = Object.entries(asl().States).filter(
      ([name, s]) => s.Type === "Task" && name !== SFN_STATES.record,
    );
    assert.ok(tasks.length > 0);
    const [cluster] = of("aws:eks/cluster:Cluster");
    const ca = (cluster.outputs.certificateAuthority as { data: string }).data;
    for (const [, task] of tasks) {
      assert.equal(task.Resource, RUN_JOB_SYNC);
      assert.equal(task.Arguments?.ClusterName, cluster.outputs.name);
      assert.equal(task.Arguments?.Endpoint, cluster.outputs.endpoint);
      assert.equal(task.Arguments?.CertificateAuthority, ca);
      assert.equal(task.Arguments?.Namespace, "workflows");
    }
    const [association] = of("aws:eks/accessPolicyAssociation:AccessPolicyAssociation").filter(
      (a) => a.urn.endsWith("::service-a-request"),
    );
    assert.deepEqual(association.inputs.accessScope, {
      type: "namespace",
      namespaces: ["workflows"],
    });
  });

  it("lets log delivery decrypt with the data key, which encrypts the state machine", () => {
    const dataKey = of("aws:kms/key:Key").find((k) => k.urn.endsWith("::platform-data"));
    assert.ok(dataKey);
    const policy = JSON.parse(dataKey.inputs.policy as string) as {
      Statement: Array<{ Sid: string }>;
    };
    const sids = policy.Statement.map((s) => s.Sid);
    assert.ok(sids.includes("LogDeliveryOfVendedLogs"), `data key statements: ${sids.join(", ")}`);
  });
});
