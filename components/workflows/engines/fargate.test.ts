/**
 * The Step Functions compiler's `fargate` runner (ecs:runTask.sync) and the task definitions'
 * container (engines/ecs.ts): what staging and prod run, since Step Functions' EKS integration
 * reaches only a public cluster endpoint.
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { argoStructure, compileArgo } from "./argo";
import { Feature, UnsupportedFeatureError } from "./capabilities";
import { FARGATE_CONTAINER, FARGATE_SIZES, fargateContainer, fargateSize } from "./ecs";
import {
  ARGO_TARGET,
  aslErrors,
  diamond,
  FARGATE_LOGGING,
  fargateFacts,
  fargateTarget,
  reference,
  step,
  taskDefinitionArn,
} from "./fixtures";
import {
  compileStepFunctions,
  RUN_TASK_SYNC,
  SFN_STATES,
  stepFunctionsStructure,
} from "./stepFunctions";

type Json = Record<string, unknown>;
type Asl = { States: Record<string, Json> } & Json;

const RECORD = { tableName: "acme-prod-service-a-requests", ttlSeconds: 86400 };

describe("fargateSize", () => {
  it("picks the smallest Fargate size that holds the requests", () => {
    assert.deepEqual(fargateSize({ cpu: "250m", memory: "512Mi" }), { cpu: "256", memory: "512" });
    assert.deepEqual(fargateSize({ cpu: "100m", memory: "128Mi" }), { cpu: "256", memory: "512" });
    // 300m is 308 CPU units: more than 256.
    assert.deepEqual(fargateSize({ cpu: "300m", memory: "512Mi" }), {
      cpu: "512",
      memory: "1024",
    });
    assert.deepEqual(fargateSize({ cpu: "1", memory: "3Gi" }), { cpu: "1024", memory: "3072" });
    // 256 units allow at most 2 GiB: 3 GiB needs the next CPU size.
    assert.deepEqual(fargateSize({ cpu: "250m", memory: "3Gi" }), { cpu: "512", memory: "3072" });
    assert.deepEqual(fargateSize({ cpu: "0.5", memory: "1048576Ki" }), {
      cpu: "512",
      memory: "1024",
    });
  });

  it("returns undefined when no size holds them", () => {
    assert.equal(fargateSize({ cpu: "17", memory: "1Gi" }), undefined);
    assert.equal(fargateSize({ cpu: "16", memory: "121Gi" }), undefined);
  });

  it("every size is a documented combination: CPU doubles, memory ascends", () => {
    assert.deepEqual(
      FARGATE_SIZES.map((s) => s.cpu),
      [256, 512, 1024, 2048, 4096, 8192, 16384],
    );
    for (const size of FARGATE_SIZES) {
      assert.deepEqual(
        [...size.memoryMiB].sort((a, b) => a - b),
        size.memoryMiB,
      );
      assert.ok(size.memoryMiB[0] >= size.cpu * 2, `${size.cpu}: at least 2 MiB per unit`);
    }
  });
});

describe("fargateContainer", () => {
  const [handoff] = reference().steps;
  const container = fargateContainer(handoff, FARGATE_LOGGING);

  it("runs the step's command as the entry point, as Kubernetes `command` replaces ENTRYPOINT", () => {
    assert.equal(container.name, FARGATE_CONTAINER);
    assert.deepEqual(container.entryPoint, handoff.command);
    assert.equal(container.command, undefined, "the arguments come from each execution");
    assert.equal(container.image, handoff.image);
    assert.equal(container.essential, true);
  });

  it("has the pod's security: uid 1000, read-only root, every capability dropped, no privilege", () => {
    assert.equal(container.user, "1000:1000");
    assert.equal(container.readonlyRootFilesystem, true);
    // Unset: Fargate does not support the field, and unset is not privileged.
    assert.ok(!("privileged" in container), "privileged is left unset on Fargate");
    assert.deepEqual(container.linuxParameters, {
      capabilities: { drop: ["ALL"] },
      initProcessEnabled: true,
    });
  });

  it("logs through awslogs to the given group, and keeps only static environment", () => {
    assert.deepEqual(container.logConfiguration, {
      logDriver: "awslogs",
      options: {
        "awslogs-group": "/aws/ecs/workflows",
        "awslogs-region": "eu-west-1",
        "awslogs-stream-prefix": "report",
      },
    });
    const names = (container.environment as { name: string }[]).map((e) => e.name);
    assert.ok(names.includes("TASK_QUEUE_URL"));
    const withParam = fargateContainer(step("fetch"), FARGATE_LOGGING);
    assert.deepEqual(withParam.environment, [], "TRACEPARENT is a parameter: set per execution");
  });
});

describe("compileStepFunctions with the fargate runner", () => {
  const def = diamond();
  const asl = compileStepFunctions(def, fargateTarget(def)) as Asl;

  it("is a valid ASL document, with and without the execution record", () => {
    assert.deepEqual(aslErrors(asl), []);
    assert.deepEqual(
      aslErrors(
        compileStepFunctions(reference(), {
          ...fargateTarget(reference()),
          recordExecution: RECORD,
        }),
      ),
      [],
    );
  });

  it("runs each step as an ecs:runTask.sync task in the private subnets, without a public address", () => {
    const task = asl.States.fetch;
    assert.equal(task.Resource, RUN_TASK_SYNC);
    const args = task.Arguments as Json;
    assert.equal(args.Cluster, "arn:aws:ecs:eu-west-1:111122223333:cluster/workflows");
    assert.equal(args.TaskDefinition, taskDefinitionArn("fetch"));
    assert.equal(args.LaunchType, "FARGATE");
    assert.deepEqual(args.NetworkConfiguration, {
      AwsvpcConfiguration: {
        Subnets: ["subnet-0a", "subnet-0b"],
        SecurityGroups: ["sg-0steps"],
        AssignPublicIp: "DISABLED",
      },
    });
    assert.equal(task.TimeoutSeconds, 300);
    assert.deepEqual(task.Retry, [
      {
        ErrorEquals: ["States.ALL"],
        IntervalSeconds: 5,
        BackoffRate: 2,
        MaxAttempts: 2,
        MaxDelaySeconds: 60,
      },
    ]);
  });

  it("passes the arguments and the parameter-fed environment as the container's overrides", () => {
    const [override] = ((asl.States.fetch.Arguments as Json).Overrides as Json)
      .ContainerOverrides as Json[];
    assert.deepEqual(override, {
      Name: FARGATE_CONTAINER,
      Command: ["--request-id", "{% $states.input.requestId %}"],
      Environment: [{ Name: "TRACEPARENT", Value: "{% $states.input.traceparent %}" }],
    });
  });

  it("says what Argo says, read back through the task definitions the engine registers", () => {
    for (const d of [reference(), diamond()]) {
      const compiled = compileStepFunctions(d, fargateTarget(d));
      assert.deepEqual(
        stepFunctionsStructure(compiled, fargateFacts(d)),
        argoStructure(compileArgo(d, ARGO_TARGET)),
        d.name,
      );
    }
  });

  it("notices a task definition whose entry point differs from the step's command", () => {
    const facts = fargateFacts(def);
    const fetch = facts[taskDefinitionArn("fetch")];
    fetch.container = { ...fetch.container, entryPoint: ["node", "dist/other.js"] };
    assert.notDeepEqual(
      stepFunctionsStructure(asl, facts),
      argoStructure(compileArgo(def, ARGO_TARGET)),
    );
  });

  it("refuses a step no Fargate size holds, naming the workflow, the step and the feature", () => {
    const big = diamond();
    big.steps[1] = step("transform", {
      dependencies: ["fetch"],
      resources: { cpu: "32", memory: "1Gi" },
    });
    assert.throws(
      () => compileStepFunctions(big, fargateTarget(big)),
      (e: unknown) =>
        e instanceof UnsupportedFeatureError &&
        e.problems.length === 1 &&
        e.problems[0].feature === Feature.ResourcesBeyondFargate &&
        e.problems[0].step === "transform" &&
        e.message.startsWith(
          'step-functions cannot compile workflow "report": step "transform" uses resources-beyond-fargate (cpu 32 and memory 1Gi fit no Fargate task size',
        ),
    );
  });

  it("refuses a step without a task definition, naming it", () => {
    const target = fargateTarget(def);
    delete target.taskDefinitions.publish;
    assert.throws(
      () => compileStepFunctions(def, target),
      /workflow "report": the fargate runner has no task definition for step\(s\) "publish"/,
    );
  });
});

describe("the execution record", () => {
  const def = reference();
  const asl = compileStepFunctions(def, {
    ...fargateTarget(def),
    recordExecution: RECORD,
  }) as Asl;

  it("comes right after the parameters and before the first step; a duplicate ends at once", () => {
    assert.equal(asl.States[SFN_STATES.parameters].Next, SFN_STATES.record);
    const record = asl.States[SFN_STATES.record];
    assert.equal(record.Resource, "arn:aws:states:::dynamodb:updateItem");
    assert.equal((record.Arguments as Json).TableName, RECORD.tableName);
    assert.equal(record.Next, "main");
    assert.deepEqual(record.Catch, [
      { ErrorEquals: ["DynamoDB.ConditionalCheckFailedException"], Next: SFN_STATES.duplicate },
    ]);
    assert.equal(asl.States[SFN_STATES.duplicate].Type, "Succeed");
  });

  it("is bookkeeping, not a step: the structure is unchanged", () => {
    assert.deepEqual(
      stepFunctionsStructure(asl, fargateFacts(def)),
      argoStructure(compileArgo(def, ARGO_TARGET)),
    );
  });

  it("is absent without recordExecution", () => {
    const plain = compileStepFunctions(def, fargateTarget(def)) as Asl;
    assert.equal(plain.States[SFN_STATES.record], undefined);
    assert.equal(plain.States[SFN_STATES.parameters].Next, "main");
  });
});
