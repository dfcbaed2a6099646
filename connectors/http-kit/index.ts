// HTTP parts shared by the source connectors (OAuth client credentials,
// retry timing, the gateways' time format). Connectors only: the core never
// imports it.

export * from "./backoff.ts";
export * from "./oauth.ts";
export * from "./time.ts";
