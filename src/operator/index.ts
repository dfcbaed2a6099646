// What console users (clerks and admins) see and do, shared by the console
// (src/web) and the JSON API (src/api) so a screen and its API answer never
// disagree: read models (data.ts) and audited state changes (actions.ts).

export * from "./actions.ts";
export * from "./data.ts";
