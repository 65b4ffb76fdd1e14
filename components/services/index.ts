export * from "./microservice";
