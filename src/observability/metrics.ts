// Prometheus metrics (/metrics). One registry per hub instance, so several
// hubs in one test process do not share counters.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { publicationDelayHistogram } from "../reports/metrics.ts";

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "portalsync_process_" });
  return {
    registry,
    httpRequests: new Counter({
      name: "portalsync_http_requests_total",
      help: "HTTP requests served, by method, route and status",
      labelNames: ["method", "route", "status"] as const,
      registers: [registry],
    }),
    syncRuns: new Counter({
      name: "portalsync_sync_runs_total",
      help: "Sync runs finished, by source and status",
      labelNames: ["source", "status"] as const,
      registers: [registry],
    }),
    ingestedItems: new Counter({
      name: "portalsync_ingested_items_total",
      help: "Source items processed, by source and outcome",
      labelNames: ["source", "outcome"] as const,
      registers: [registry],
    }),
    deliveries: new Counter({
      name: "portalsync_deliveries_total",
      help: "Delivery attempts, by site and outcome",
      labelNames: ["site", "outcome"] as const,
      registers: [registry],
    }),
    deliveryLatency: new Histogram({
      name: "portalsync_delivery_seconds",
      help: "Time to POST one delivery to a portal",
      labelNames: ["site"] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      registers: [registry],
    }),
    signIns: new Counter({
      name: "portalsync_sign_ins_total",
      help: "Console sign-in attempts, by outcome: ok, failed (wrong password or unknown user), throttled (refused unchecked)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    /** Working hours from issue to a site first having a document (docs/reports.md). */
    publicationDelay: publicationDelayHistogram(registry),
    sourceConsecutiveFailures: new Gauge({
      name: "portalsync_source_consecutive_failures",
      help: "Consecutive failed runs per source",
      labelNames: ["source"] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
