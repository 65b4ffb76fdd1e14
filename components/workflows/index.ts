export * from "./argoWorkflows";
export * from "./artifactBucket";
export * from "./argoEvents";
export * from "./definition";
export * from "./engines";
export * from "./workflowTemplate";
export * from "./stepFunctionsEngine";
export * from "./fargateSteps";
