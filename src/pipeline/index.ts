export * from "./identity.ts";
export * from "./routing.ts";
export * from "./ingest.ts";
export * from "./runs.ts";
export * from "./sync-run.ts";
