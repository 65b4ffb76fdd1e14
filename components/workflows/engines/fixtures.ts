/**
 * Definitions and targets the workflow-engine tests share: today's request workflow, a DAG with an
 * on-failure step, and the platform settings of each engine.
 */
import aslValidator from "asl-validator";
import {
  allSteps,
  referenceWorkflow,
  type ContainerStep,
  type ReferenceWorkflowArgs,
  type WorkflowDefinition,
} from "../definition";
import type { ArgoTarget } from "./argo";
import { fargateContainer } from "./ecs";
import type { EksJobRunner, FargateTaskFacts, FargateTaskRunner } from "./stepFunctions";

export const IMAGE = `111122223333.dkr.ecr.eu-west-1.amazonaws.com/worker@sha256:${"a1".repeat(32)}`;
export const TASK_QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/111122223333/worker-tasks";
export const OTLP = "http://otel-collector-opentelemetry-collector.tracing.svc:4317";

/** The arguments index.ts gives today's RequestWorkflowTemplate, in the portable form. */
export function referenceArgs(
  overrides: Partial<ReferenceWorkflowArgs> = {},
): ReferenceWorkflowArgs {
  return {
    name: "service-a-request",
    image: IMAGE,
    serviceAccountName: "argo-workflow",
    handoff: { taskQueueUrl: TASK_QUEUE_URL, region: "eu-west-1", otlpEndpoint: OTLP },
    resources: { cpu: "250m", memory: "512Mi" },
    timeoutSeconds: 3600,
    retry: { limit: 3, initialInterval: "30s", factor: 2, maxInterval: "10m" },
    ...overrides,
  };
}

export const reference = (): WorkflowDefinition => referenceWorkflow(referenceArgs());

export const ARGO_TARGET: ArgoTarget = {
  namespace: "workflows",
  ttl: { secondsAfterSuccess: 3600, secondsAfterFailure: 604800 },
};

export const SFN_TARGET: EksJobRunner = {
  cluster: {
    name: "platform",
    endpoint: "https://0123456789ABCDEF0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com",
    certificateAuthority: "LS0tLS1CRUdJTi1DRVJUSUZJQ0FURS0tLS0t",
  },
  namespace: "workflows",
  jobTtlSecondsAfterFinished: 3600,
};

/** A container step carrying the trace context, for DAG fixtures. */
export function step(name: string, overrides: Partial<ContainerStep> = {}): ContainerStep {
  return {
    name,
    image: IMAGE,
    command: ["node", "dist/step.js"],
    args: ["--request-id", { param: "requestId" }],
    env: [{ name: "TRACEPARENT", value: { param: "traceparent" } }],
    resources: { cpu: "100m", memory: "128Mi" },
    serviceAccountName: "argo-workflow",
    retry: { limit: 2, initialInterval: "5s", factor: 2, maxInterval: "1m" },
    timeoutSeconds: 300,
    ...overrides,
  };
}

/**
 * A diamond (fetch → transform, validate → publish) with an on-failure step, within its total
 * timeout in the worst case, so both engines compile it.
 */
export function diamond(): WorkflowDefinition {
  return {
    name: "report",
    timeoutSeconds: 7200,
    steps: [
      step("fetch"),
      step("transform", { dependencies: ["fetch"] }),
      step("validate", { dependencies: ["fetch"], retry: undefined, timeoutSeconds: 120 }),
      // "fetch" is implied by the other two; the compilers keep the order, not the redundancy.
      step("publish", { dependencies: ["transform", "validate", "fetch"] }),
    ],
    onFailure: {
      ...step("notify-failure"),
      retry: { limit: 1, initialInterval: "10s", factor: 1, maxInterval: "10s" },
    },
  };
}

/** The log settings the Fargate fixtures' containers use. */
export const FARGATE_LOGGING = {
  logGroupName: "/aws/ecs/workflows",
  region: "eu-west-1",
  streamPrefix: "report",
};

/** The task definition ARN the Fargate fixtures register for a step. */
export const taskDefinitionArn = (stepName: string) =>
  `arn:aws:ecs:eu-west-1:111122223333:task-definition/wf-${stepName}:3`;

/** A Fargate runner with one task definition per step of `def` (its on-failure step included). */
export function fargateTarget(def: WorkflowDefinition): FargateTaskRunner {
  return {
    runner: "fargate",
    clusterArn: "arn:aws:ecs:eu-west-1:111122223333:cluster/workflows",
    subnets: ["subnet-0a", "subnet-0b"],
    securityGroups: ["sg-0steps"],
    taskDefinitions: Object.fromEntries(
      allSteps(def).map((s) => [s.name, taskDefinitionArn(s.name)]),
    ),
  };
}

/** What the structure reader needs of those task definitions, from the engine's own builder. */
export function fargateFacts(def: WorkflowDefinition): Record<string, FargateTaskFacts> {
  return Object.fromEntries(
    allSteps(def).map((s) => [
      taskDefinitionArn(s.name),
      { container: fargateContainer(s, FARGATE_LOGGING), serviceAccountName: s.serviceAccountName },
    ]),
  );
}

/** What asl-validator finds wrong with an ASL document (its messages); none for a valid one. */
export function aslErrors(asl: unknown): string[] {
  const { isValid, errors } = aslValidator(asl as never);
  return isValid ? [] : errors.map((e) => e.message);
}
