import { describe, expect, it } from "vitest";
import { openDatabase } from "./database.ts";
import { createTimeSlicedGate } from "./time-slice.ts";

/** A gate on a hand-driven clock and a hand-driven "event loop turn". */
function manual(sliceMs: number) {
  let clock = 0;
  const turns: (() => void)[] = [];
  const gate = createTimeSlicedGate({ sliceMs, now: () => clock, afterTurn: (fn) => void turns.push(fn) });
  const turnLoop = () => turns.splice(0).forEach((fn) => fn());
  return { gate, advance: (ms: number) => void (clock += ms), turnLoop };
}

const settle = () => new Promise((r) => setImmediate(r));

describe("time-sliced statement gate", () => {
  it("runs one holder at a time, in arrival order", async () => {
    const { gate } = manual(1_000);
    const order: string[] = [];
    let inside = 0;
    let most = 0;
    const job = (name: string) => gate.run(async () => {
      inside++;
      most = Math.max(most, inside);
      await settle();
      order.push(name);
      inside--;
    });
    await Promise.all(["a", "b", "c", "d"].map(job));
    expect(order).toEqual(["a", "b", "c", "d"]);
    expect(most).toBe(1);
  });

  it("hands over directly within the slice, and waits for the event loop to turn once the slice is used up", async () => {
    const { gate, advance, turnLoop } = manual(10);
    const ran: string[] = [];
    const job = (name: string, cost: number) => gate.run(async () => {
      ran.push(name);
      advance(cost);
    });
    turnLoop(); // an idle database: the first statement opens a slice
    const all = Promise.all([job("a", 4), job("b", 4), job("c", 4), job("d", 4)]);
    await settle();
    // a and b fit in 10 ms; c starts at 8 ms, still inside; d would start at 12 ms
    expect(ran).toEqual(["a", "b", "c"]);
    expect(gate.waiting()).toBe(0); // d is past the queue, waiting for the turn
    turnLoop();
    await all;
    expect(ran).toEqual(["a", "b", "c", "d"]);
  });

  it("does not let one caller's chain of statements run past the slice without a turn", async () => {
    const { gate, advance, turnLoop } = manual(10);
    let done = 0;
    turnLoop();
    const chain = (async () => {
      for (let i = 0; i < 5; i++) {
        await gate.run(async () => void advance(6));
        done++;
      }
    })();
    await settle();
    expect(done).toBe(2); // 0 ms and 6 ms start inside the slice; 12 ms does not
    turnLoop();
    await settle();
    expect(done).toBe(4);
    turnLoop();
    await chain;
    expect(done).toBe(5);
  });

  it("a failing holder releases the gate", async () => {
    const { gate } = manual(10);
    await expect(gate.run(async () => { throw new Error("statement failed"); })).rejects.toThrow("statement failed");
    await expect(gate.run(async () => 42)).resolves.toBe(42);
  });

  it("on PGlite, timers and I/O callbacks run between slices while fifty statements queue", async () => {
    const db = await openDatabase({ dataDir: "memory" });
    try {
      // ~4 ms of CPU each inside PGlite (measured on the 2-core machine), so a
      // 25 ms slice holds a handful and fifty queued span many slices. A cheap
      // statement (0.7 ms) let 27 of 50 into one slice and made this test a
      // test of the machine's speed.
      const statement = () => db.sql.query(`SELECT count(*) FROM generate_series(1, 30000) g WHERE g % 7 = 0`);
      await statement();
      let finished = 0;
      const all = Promise.all(Array.from({ length: 50 }, () => statement().then(() => void finished++)));
      // A timer due at once must fire long before the queue is through:
      // without the gate it waited for all fifty.
      const firedAfter = await new Promise<number>((resolve) => setTimeout(() => resolve(finished), 0));
      await all;
      expect(finished).toBe(50);
      expect(firedAfter).toBeLessThan(25);
    } finally {
      await db.close();
    }
  });
});
