export * from "./types";
export * from "./apiGateway";
export * from "./privateIngress";
