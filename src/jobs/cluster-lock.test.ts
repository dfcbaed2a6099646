// The PGlite path of withClusterLock: one process, so the in-process guard is
// the lock. The PostgreSQL path (several connections, several "hubs") is
// tested in tests/integration/alerts.test.ts under `npm run test:pg`.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../db/index.ts";
import { withClusterLock } from "./cluster-lock.ts";

let db: Database;
beforeAll(async () => {
  db = await openDatabase({ dataDir: "memory" });
});
afterAll(async () => db.close());

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe("withClusterLock on PGlite", () => {
  it("runs fn and hands back its value", async () => {
    expect(db.kind).toBe("pglite");
    expect(await withClusterLock(db, "job", async () => 42)).toEqual({ ran: true, value: 42 });
  });

  it("skips a call under the same name while one runs, not one under another name", async () => {
    const g = gate();
    let calls = 0;
    const first = withClusterLock(db, "job", async () => {
      calls++;
      await g.opened;
      return "first";
    });
    const second = await withClusterLock(db, "job", async () => {
      calls++;
      return "second";
    });
    expect(second).toEqual({ ran: false });
    expect(await withClusterLock(db, "other-job", async () => "other")).toEqual({ ran: true, value: "other" });
    g.open();
    expect(await first).toEqual({ ran: true, value: "first" });
    expect(calls).toBe(1);
    // Released: the next call runs.
    expect(await withClusterLock(db, "job", async () => "third")).toEqual({ ran: true, value: "third" });
  });

  it("passes fn's error on and releases the lock", async () => {
    await expect(withClusterLock(db, "job", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await withClusterLock(db, "job", async () => "after")).toEqual({ ran: true, value: "after" });
  });

  it("is per database: another embedded database is another cluster", async () => {
    const other = await openDatabase({ dataDir: "memory" });
    try {
      const g = gate();
      const held = withClusterLock(db, "job", () => g.opened);
      expect(await withClusterLock(other, "job", async () => "ran")).toEqual({ ran: true, value: "ran" });
      g.open();
      expect((await held).ran).toBe(true);
    } finally {
      await other.close();
    }
  });
});
