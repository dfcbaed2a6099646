// PostgreSQL for tests: when PORTALSYNC_TEST_DATABASE_URL names a server
// (`npm run test:pg`, CI), each test file gets a database of its own, created
// here and dropped afterwards, so files never see each other's rows. Without it
// the tests use the embedded PGlite, as `npm test` does.

import { randomBytes } from "node:crypto";
import pg from "pg";

export const TEST_DATABASE_URL = process.env.PORTALSYNC_TEST_DATABASE_URL || undefined;

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** `postgres://host:port/anything` → the same server, database `name`. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  // A server restart (fault suite) must not crash the test process.
  client.on("error", () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** A fresh, empty database on the server `serverUrl` names. */
export async function createTestDatabase(serverUrl: string, prefix = "portalsync_test"): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  await admin(serverUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  return {
    url: withDatabase(serverUrl, name),
    async drop() {
      // FORCE: a killed child process may still hold a connection for a moment.
      await admin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

/** The test database when the suite runs against PostgreSQL, else null (PGlite). */
export async function maybeTestDatabase(): Promise<TestDatabase | null> {
  return TEST_DATABASE_URL ? createTestDatabase(TEST_DATABASE_URL) : null;
}
