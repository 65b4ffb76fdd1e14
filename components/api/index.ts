export * from "./types";
export * from "./apiGateway";
