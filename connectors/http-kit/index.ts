// HTTP parts shared by the connectors (OAuth client credentials, retry
// timing, the gateways' time format, where credentials may travel). Connectors only: the core never
// imports it.

export * from "./backoff.ts";
export * from "./oauth.ts";
export * from "./time.ts";
export * from "./transport.ts";
