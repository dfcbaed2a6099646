export * from "./queue.ts";
export * from "./schedules.ts";
export * from "./liveness.ts";
export * from "./cluster-lock.ts";
