export * from "./locate";
export * from "./messages";
export * from "./openapi";
export * from "./workflowNames";
