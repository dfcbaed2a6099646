// Work that must run in one place of the cluster at a time (the alert check:
// decide what is new, notify, record it). `withClusterLock(db, name, fn)` runs
// `fn` only when no other hub process, and no other call in this process, is
// running work under the same name; otherwise it skips at once. It never
// waits: whoever holds the lock is doing the same work right now, and
// whatever it records is seen by the next holder, because `fn` ends (its
// writes committed) before the lock is let go.
//
// On PostgreSQL the lock is a session-level advisory lock keyed by the name,
// tried on a connection opened for the call and closed after it (the style of
// liveness.ts): it is held for the whole of `fn`, whatever connections `fn`
// itself uses, and the server releases it if the process dies. (A
// transaction-level lock on a pool connection would do the same, but leave
// that session idle in a transaction while `fn` waits on an SMTP server, which
// `idle_in_transaction_session_timeout` may cut short, and take a connection
// from the pool the outbox works with.)
//
// On PGlite there is one process (the data directory is locked): the
// in-process guard is the whole lock.

import pg from "pg";
import type { Database } from "../db/index.ts";

/** First key of the two-key advisory lock form: "cluster-wide job" (arbitrary but fixed). */
const CLUSTER_LOCK_SPACE = 72707372;

export type ClusterLockResult<T> = { ran: true; value: T } | { ran: false };

export interface ClusterLockOptions {
  /** How long to wait for the lock's connection before failing (ms). */
  connectTimeoutMs?: number;
}

/** Names held by calls in this process, per database. */
const heldHere = new WeakMap<Database, Set<string>>();

/**
 * Runs `fn` if nobody in the cluster holds the lock `name`, holding it until
 * `fn` settles; returns `{ ran: false }` without running it otherwise. Errors
 * of `fn`, and a database that cannot be reached, are thrown.
 */
export async function withClusterLock<T>(db: Database, name: string, fn: () => Promise<T>, options: ClusterLockOptions = {}): Promise<ClusterLockResult<T>> {
  let names = heldHere.get(db);
  if (!names) heldHere.set(db, (names = new Set()));
  if (names.has(name)) return { ran: false };
  names.add(name);
  try {
    if (db.kind === "pglite" || !db.connectionString) return { ran: true, value: await fn() };
    const client = new pg.Client({
      connectionString: db.connectionString,
      application_name: `portalsync-lock ${name}`.slice(0, 63),
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    });
    // A lost connection ends the session and with it the lock; the queries
    // below then fail or are skipped, and fn's own writes fail the same way.
    client.on("error", () => {});
    try {
      await client.connect();
      const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked", [CLUSTER_LOCK_SPACE, name]);
      if (!rows[0]?.locked) return { ran: false };
      try {
        return { ran: true, value: await fn() };
      } finally {
        // Closing the session would release it too; unlocking first makes the
        // lock free by the time this call returns.
        await client.query("SELECT pg_advisory_unlock($1, hashtext($2))", [CLUSTER_LOCK_SPACE, name]).catch(() => {});
      }
    } finally {
      await client.end().catch(() => {});
    }
  } finally {
    names.delete(name);
  }
}
