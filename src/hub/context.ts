// Everything a request handler or job needs, built once at start and passed
// down explicitly (no module-level singletons, so tests run several hubs).

import type { SourceConnector, TargetConnector } from "../../connectors/sdk.ts";
import type { Config } from "../config/index.ts";
import type { BlobStore, Database } from "../db/index.ts";
import type { Liveness, Queue } from "../jobs/index.ts";
import type { Logger, Metrics } from "../observability/index.ts";
import type { FileVerifier } from "../pipeline/ingest.ts";

export interface ConnectorRegistry {
  sources: ReadonlyMap<string, SourceConnector<any>>;
  targets: ReadonlyMap<string, TargetConnector<any>>;
}

export function createRegistry(sources: SourceConnector<any>[], targets: TargetConnector<any>[] = []): ConnectorRegistry {
  return {
    sources: new Map(sources.map((c) => [c.name, c])),
    targets: new Map(targets.map((c) => [c.name, c])),
  };
}

export interface HubContext {
  config: Config;
  db: Database;
  blobs: BlobStore;
  queue: Queue;
  log: Logger;
  metrics: Metrics;
  connectors: ConnectorRegistry;
  verifier: FileVerifier | null;
  now: () => Date;
  startedAt: Date;
  /** This process's id and which other hub processes are alive (several hubs on one PostgreSQL). */
  liveness: Liveness;
  /** Aborted when the hub stops: long work (sync runs) ends early and is resumed later. */
  shutdown: AbortSignal;
}
