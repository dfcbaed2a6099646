export * from "./tokens.ts";
export * from "./middleware.ts";
export * from "./passwords.ts";
export * from "./sessions.ts";
export * from "./bootstrap.ts";
