export * from "./eks";
export * from "./deployer";
