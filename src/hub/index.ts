export * from "./context.ts";
export * from "./hub.ts";
export * from "./seed.ts";
