// Which hub processes are alive, so a run left "running" by a dead process is
// recovered at once while a live run in another process is left alone.
//
// On PostgreSQL every hub holds a session-level advisory lock keyed by its id
// on a connection of its own for as long as it lives. When the process dies
// (SIGKILL, crash, power loss seen by TCP) the server ends the session and the
// lock is released: `isAlive` tries the lock and, if it gets it, the owner is
// gone. A heartbeat age check stays behind it for owners that hang with their
// connection open (sync-run.ts).
//
// On PGlite there is one process (the data directory is locked): only this
// hub is alive.

import { randomBytes } from "node:crypto";
import os from "node:os";
import pg from "pg";
import type { Database } from "../db/index.ts";
import type { Logger } from "../observability/index.ts";

/** First key of the two-key advisory lock form: "hub liveness" (arbitrary but fixed). */
const LIVENESS_LOCK_SPACE = 72707370;

export function newHubId(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
}

export interface Liveness {
  hubId: string;
  /** Whether the hub `hubId` still holds its lock (always true for this hub). */
  isAlive(hubId: string): Promise<boolean>;
  stop(): Promise<void>;
}

export async function startLiveness(db: Database, hubId: string, log: Logger): Promise<Liveness> {
  if (db.kind === "pglite" || !db.connectionString) {
    return { hubId, isAlive: async (id) => id === hubId, stop: async () => {} };
  }
  const connectionString = db.connectionString;
  let client: pg.Client | null = null;
  let stopped = false;
  let retry: NodeJS.Timeout | null = null;

  async function hold(): Promise<void> {
    const c = new pg.Client({ connectionString, application_name: `portalsync-liveness ${hubId}`.slice(0, 63) });
    // A lost connection (database restart) drops the lock: take it again.
    c.on("error", () => {});
    c.on("end", () => {
      if (client === c) client = null;
      if (!stopped) schedule();
    });
    await c.connect();
    await c.query("SELECT pg_advisory_lock($1, hashtext($2))", [LIVENESS_LOCK_SPACE, hubId]);
    client = c;
  }

  function schedule(delayMs = 1_000): void {
    if (retry || stopped) return;
    retry = setTimeout(() => {
      retry = null;
      hold().then(
        () => log.info({ hubId }, "liveness lock taken again after the database connection was lost"),
        (error: Error) => {
          log.warn({ err: error, hubId }, "could not take the liveness lock; retrying");
          schedule(Math.min(delayMs * 2, 10_000));
        },
      );
    }, delayMs);
    retry.unref();
  }

  await hold();
  return {
    hubId,
    async isAlive(id) {
      if (id === hubId) return true;
      // Getting the lock means nobody holds it: its owner is gone. The
      // transaction-level lock is released again at commit.
      return db.sql.transaction(async (tx) => {
        const { rows } = await tx.query<{ free: boolean }>("SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS free", [LIVENESS_LOCK_SPACE, id]);
        return !rows[0]?.free;
      });
    },
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
