export * from "./alarms";
export * from "./alertmanager";
export * from "./alertRules";
export * from "./logging";
export * from "./monitoring";
export * from "./tracing";
