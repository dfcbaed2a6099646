export * from "./tokens.ts";
export * from "./middleware.ts";
