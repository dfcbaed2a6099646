// Delivery to portal sites: outbox worker (push), replay, review, payloads and
// signed download links. The HTTP side is in src/api/feed.ts and deliveries.ts.

export * from "./payload.ts";
export * from "./signed-url.ts";
export { downloadKeyFor } from "./url-key.ts";
export { startOutboxWorker, outboxOf, type OutboxWorker, type OutboxWorkerOptions } from "./outbox-worker.ts";
export * from "./replay.ts";
export * from "./review.ts";
export * from "./feed-query.ts";
