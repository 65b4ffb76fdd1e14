export * from "./appNamespace";
export * from "./certManager";
export * from "./linkerd";
export * from "./resilience";
