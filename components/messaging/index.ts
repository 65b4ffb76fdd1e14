export * from "./eventsBridge";
export * from "./kafka";
export * from "./queue";
export * from "./topics";
