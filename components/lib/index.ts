export * from "./iam";
export * from "./tags";
export * from "./validation";
export * from "./logs";
export * from "./options";
export * from "./validators";
export * from "./charts";
export * from "./aws";
