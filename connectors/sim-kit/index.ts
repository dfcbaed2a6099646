// Shared kit for source simulators (iOffice, DVC, edXML inbox). See README.md.
export * from "./faults.ts";
export * from "./oauth.ts";
export * from "./signed-pdf.ts";
export * from "./vietnamese-data.ts";
