import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../db/index.ts";
import { silentLogger } from "../observability/index.ts";
import { startQueue, type Queue } from "./queue.ts";

let db: Database;
let boss: Queue;
beforeAll(async () => {
  db = await openDatabase({ dataDir: "memory" });
  await db.migrate();
  boss = await startQueue(db, silentLogger);
});
afterAll(async () => {
  await boss.stop({ graceful: false, wait: true });
  await db.close();
});

describe("pg-boss on the embedded database", () => {
  it("runs jobs sent to a queue, with their data", async () => {
    await boss.createQueue("probe");
    const seen: number[] = [];
    const done = new Promise<void>((resolve) => {
      void boss.work<{ n: number }>("probe", { pollingIntervalSeconds: 0.5, batchSize: 10 }, async (jobs) => {
        for (const job of jobs) seen.push(job.data.n);
        if (seen.length >= 20) resolve();
      });
    });
    for (let n = 0; n < 20; n++) await boss.send("probe", { n });
    await done;
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});
