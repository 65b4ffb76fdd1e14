/**
 * What a workflow step becomes on Fargate, for the Step Functions engine's `fargate` runner
 * (`ecs:runTask.sync`): the task size and the one container of its task definition. Defined once
 * here and used by the compiler (which overrides the arguments per execution), the engine component
 * (which registers the task definitions) and the equivalence test (which reads them back).
 *
 * The container mirrors the Kubernetes step container of engines/kubernetes.ts: the step's
 * `command` is the entry point (Kubernetes `command` replaces the image's ENTRYPOINT, as ECS
 * `entryPoint` does), the arguments are the `command` override (Kubernetes `args` replace CMD),
 * the same uid, a read-only root file system, every Linux capability dropped, no privilege.
 */
import type * as pulumi from "@pulumi/pulumi";
import { isParameterRef, type FailureStep, type StepResources } from "../definition";
import { STEP_UID } from "./kubernetes";

/** The name of the one container of every step's task definition. */
export const FARGATE_CONTAINER = "main";

/**
 * The CPU and memory combinations Fargate accepts (task-level `cpu` units, `memory` MiB):
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
 */
export const FARGATE_SIZES: ReadonlyArray<{ cpu: number; memoryMiB: number[] }> = [
  { cpu: 256, memoryMiB: [512, 1024, 2048] },
  { cpu: 512, memoryMiB: steps(1024, 4096, 1024) },
  { cpu: 1024, memoryMiB: steps(2048, 8192, 1024) },
  { cpu: 2048, memoryMiB: steps(4096, 16384, 1024) },
  { cpu: 4096, memoryMiB: steps(8192, 30720, 1024) },
  { cpu: 8192, memoryMiB: steps(16384, 61440, 4096) },
  { cpu: 16384, memoryMiB: steps(32768, 122880, 8192) },
];

function steps(from: number, to: number, by: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += by) out.push(v);
  return out;
}

/** CPU units (1024 per vCPU) of a Kubernetes CPU quantity (`250m`, `1`, `0.5`). */
function cpuUnits(quantity: string): number {
  const millicores = quantity.endsWith("m")
    ? Number(quantity.slice(0, -1))
    : Number(quantity) * 1000;
  return Math.ceil((millicores * 1024) / 1000);
}

/** MiB of a Kubernetes memory quantity (`512Mi`, `1Gi`, `131072Ki`), rounded up. */
function memoryMiB(quantity: string): number {
  const value = Number(quantity.slice(0, -2));
  const unit = quantity.slice(-2);
  if (unit === "Gi") return value * 1024;
  if (unit === "Ki") return Math.ceil(value / 1024);
  return value;
}

/**
 * The smallest Fargate size that holds a step's CPU and memory requests (a Kubernetes pod gets
 * what it requests; a Fargate task gets its size), or undefined when no size does.
 */
export function fargateSize(resources: StepResources): { cpu: string; memory: string } | undefined {
  const cpu = cpuUnits(resources.cpu);
  const memory = memoryMiB(resources.memory);
  for (const size of FARGATE_SIZES) {
    if (size.cpu < cpu) continue;
    const fit = size.memoryMiB.find((m) => m >= memory);
    if (fit !== undefined) return { cpu: String(size.cpu), memory: String(fit) };
  }
  return undefined;
}

/** Where a step's container sends its output (the `awslogs` driver). */
export interface FargateLogging {
  logGroupName: pulumi.Input<string>;
  region: string;
  /** Streams are `<prefix>/main/<task id>`. */
  streamPrefix: string;
}

/**
 * The container definition of a step's task definition (ECS `ContainerDefinition`, camelCase as
 * `aws.ecs.TaskDefinition.containerDefinitions` takes it). Environment variables whose value is a
 * parameter reference are not here: the compiler sets them per execution in the task's overrides.
 */
export function fargateContainer(
  step: FailureStep,
  logging: FargateLogging,
): Record<string, unknown> {
  return {
    name: FARGATE_CONTAINER,
    image: step.image,
    essential: true,
    entryPoint: [...step.command],
    environment: (step.env ?? [])
      .filter((e) => !isParameterRef(e.value))
      .map((e) => ({ name: e.name, value: e.value })),
    user: `${STEP_UID}:${STEP_UID}`,
    readonlyRootFilesystem: true,
    // No `privileged`: the ContainerDefinition API says the field is not supported on Fargate, and
    // unset is not privileged (ECS.4).
    linuxParameters: { capabilities: { drop: ["ALL"] }, initProcessEnabled: true },
    logConfiguration: {
      logDriver: "awslogs",
      options: {
        "awslogs-group": logging.logGroupName,
        "awslogs-region": logging.region,
        "awslogs-stream-prefix": logging.streamPrefix,
      },
    },
  };
}
