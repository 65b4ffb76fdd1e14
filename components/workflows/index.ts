export * from "./argoWorkflows";
export * from "./artifactBucket";
export * from "./argoEvents";
export * from "./workflowTemplate";
export * from "./stepFunctionsEngine";
