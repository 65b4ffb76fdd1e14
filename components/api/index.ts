export * from "./types";
export * from "./apiGateway";
export * from "./document";
export * from "./privateIngress";
export * from "./certificate";
