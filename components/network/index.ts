export * from "./subnets";
export * from "./vpc";
