export * from "./database.ts";
export * from "./blob-store.ts";
export * from "./migrate.ts";
export * from "./sql.ts";
