// pg-boss on the hub's own database: retries with backoff, dead letters,
// singleton jobs. On PGlite it runs through the same in-process instance.

import PgBoss from "pg-boss";
import type { Database } from "../db/index.ts";
import type { Logger } from "../observability/index.ts";

export type Queue = PgBoss;

export async function startQueue(db: Database, log: Logger): Promise<PgBoss> {
  const boss = db.connectionString
    ? new PgBoss({ connectionString: db.connectionString, application_name: "portalsync-jobs", max: 5 })
    : new PgBoss({
        db: { executeSql: (text: string, values: unknown[]) => db.sql.query(text, values ?? []) },
        // One in-process database: no need to poll as often as a shared server.
        supervise: true,
        schedule: false,
      });
  boss.on("error", (error) => log.error({ err: error }, "job queue error"));
  await boss.start();
  return boss;
}
