export * from "./microservice";
export * from "./requestTable";
export * from "./serviceAStatus";
