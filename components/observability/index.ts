export * from "./alarms";
export * from "./alertRules";
export * from "./alertmanager";
export * from "./elasticsearchExporter";
export * from "./logging";
export * from "./monitoring";
export * from "./tracing";
