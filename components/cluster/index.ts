export * from "./eks";
