import { describe, expect, it } from "vitest";
import { briefly, CountCache, FRESH_MS, MAX_AGE_MS } from "./count-cache.ts";

function counter(start = 0) {
  let calls = 0;
  let value = start;
  return {
    fn: async () => {
      calls++;
      return value;
    },
    set: (v: number) => (value = v),
    get calls() {
      return calls;
    },
  };
}

describe("CountCache", () => {
  it("reuses a total while the table's marker is unchanged, and recounts once it changes (after the fresh window)", async () => {
    let now = 1_000_000;
    const cache = new CountCache(() => now);
    const c = counter(10);
    expect(await cache.get("k", "m1", c.fn)).toBe(10);
    c.set(11);
    now += FRESH_MS + 1;
    expect(await cache.get("k", "m1", c.fn)).toBe(10); // same marker: no count
    expect(c.calls).toBe(1);
    expect(await cache.get("k", "m2", c.fn)).toBe(11); // the table changed
    expect(c.calls).toBe(2);
  });

  it("within the fresh window reuses the total even though the marker moved (a backfill changes it constantly)", async () => {
    let now = 0;
    const cache = new CountCache(() => now);
    const c = counter(5);
    await cache.get("k", "m1", c.fn);
    c.set(6);
    now += FRESH_MS - 1;
    expect(await cache.get("k", "m2", c.fn)).toBe(5);
    expect(c.calls).toBe(1);
  });

  it("recounts after the maximum age even with the same marker, and keeps keys apart", async () => {
    let now = 0;
    const cache = new CountCache(() => now);
    const a = counter(1);
    const b = counter(2);
    expect(await cache.get("a", "m", a.fn)).toBe(1);
    expect(await cache.get("b", "m", b.fn)).toBe(2);
    a.set(3);
    now += MAX_AGE_MS;
    expect(await cache.get("a", "m", a.fn)).toBe(3);
  });

  it("lets concurrent misses share one count", async () => {
    const cache = new CountCache();
    let calls = 0;
    let release!: (n: number) => void;
    const slow = () => {
      calls++;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const all = Promise.all([cache.get("k", "m", slow), cache.get("k", "m", slow), cache.get("k", "m", slow)]);
    release(42);
    expect(await all).toEqual([42, 42, 42]);
    expect(calls).toBe(1);
  });
});

describe("briefly", () => {
  it("serves the value until it is too old, then the old value while one refresh runs", async () => {
    const db = {};
    let now = 0;
    let calls = 0;
    let release: ((n: number) => void) | null = null;
    const fn = () => {
      calls++;
      return calls === 1 ? Promise.resolve(1) : new Promise<number>((resolve) => (release = resolve));
    };
    expect(await briefly(db, "k", 100, fn, () => now)).toBe(1); // the first call waits for the value
    now = 50;
    expect(await briefly(db, "k", 100, fn, () => now)).toBe(1);
    expect(calls).toBe(1);
    now = 150;
    expect(await briefly(db, "k", 100, fn, () => now)).toBe(1); // stale, refresh started
    expect(await briefly(db, "k", 100, fn, () => now)).toBe(1); // still one refresh
    expect(calls).toBe(2);
    release!(2);
    await new Promise((r) => setImmediate(r));
    expect(await briefly(db, "k", 100, fn, () => now)).toBe(2);
    expect(await briefly({}, "k", 100, async () => 7, () => now)).toBe(7); // another database: its own value
  });
});
