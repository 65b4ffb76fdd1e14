/** @acme/service-kit: what every service on the platform shares. */
export * from "./breaker";
export * from "./config";
export * from "./http";
export * from "./lifecycle";
export * from "./logger";
export * from "./messaging";
export * from "./conventions";
export * from "./metrics";
export * from "./problem";
export * from "./tls";
