export * from "./keys";
export * from "./serverAccessLogBucket";
