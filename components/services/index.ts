export * from "./microservice";
export * from "./requestTable";
