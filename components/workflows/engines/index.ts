/**
 * The workflow-engine layer: one {@link WorkflowEngine} per engine a stack can select
 * (`workflows.engine`), both compiling the portable definition (../definition.ts) and both held to
 * the capability matrix {@link CAPABILITIES} (docs/workflow-engines.md).
 */
import { argoEngine } from "./argo";
import { EngineName } from "./capabilities";
import { stepFunctionsEngine } from "./stepFunctions";

export * from "./argo";
export * from "./capabilities";
export * from "./ecs";
export * from "./kubernetes";
export * from "./stepFunctions";

/** Every engine, by the name a stack selects it with. */
export const WORKFLOW_ENGINES = {
  [EngineName.Argo]: argoEngine,
  [EngineName.StepFunctions]: stepFunctionsEngine,
} as const;
