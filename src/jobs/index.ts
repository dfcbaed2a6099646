export * from "./queue.ts";
export * from "./schedules.ts";
