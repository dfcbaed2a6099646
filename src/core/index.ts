export * from "./model.ts";
export * from "./text.ts";
export * from "./document-number.ts";
export * from "./mime.ts";
export * from "./file-name.ts";
