import { describe, expect, it } from "vitest";
import { BurstDetector, delayAfter, FailureBackoff, SignInThrottle } from "./throttle.ts";

const S = 1000;
const MIN = 60 * S;

describe("FailureBackoff", () => {
  const policy = { free: 3, firstDelayMs: 10 * S, maxDelayMs: 15 * MIN };

  it("gives free failures, then doubling waits up to the cap", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20, 100].map((n) => delayAfter(policy, n))).toEqual([0, 0, 0, 10 * S, 20 * S, 40 * S, 80 * S, 15 * MIN, 15 * MIN]);
  });

  it("refuses during the wait, and forgets a key after a quiet period counted from the wait's end", () => {
    const b = new FailureBackoff(policy, 15 * MIN);
    let now = 0;
    for (let i = 0; i < 3; i++) expect(b.fail("k", now)).toBe(0);
    expect(b.waitMs("k", now)).toBe(0);
    expect(b.fail("k", now)).toBe(10 * S);
    expect(b.waitMs("k", (now += 4 * S))).toBe(6 * S);
    expect(b.waitMs("k", (now += 6 * S))).toBe(0);
    // The next failure continues the count (the quiet period has not passed).
    expect(b.fail("k", now)).toBe(20 * S);
    expect(b.waitMs("other", now)).toBe(0);
    // 15 minutes of quiet after the wait ends: a fresh start.
    now += 20 * S + 15 * MIN;
    expect(b.fail("k", now)).toBe(0);
  });

  it("bounds the keys it remembers", () => {
    const b = new FailureBackoff(policy, 15 * MIN, 100);
    for (let i = 0; i < 1000; i++) b.fail(`k${i}`, i);
    expect(b.size).toBeLessThanOrEqual(100);
    // The most recent are kept.
    for (let i = 0; i < 3; i++) b.fail("k999", 1000);
    expect(b.fail("k999", 1000)).toBeGreaterThan(0);
  });
});

describe("SignInThrottle", () => {
  const make = () => {
    let now = 0;
    const throttle = new SignInThrottle({
      accountAddress: { free: 5, firstDelayMs: 15 * S, maxDelayMs: 15 * MIN },
      address: { free: 20, firstDelayMs: 15 * S, maxDelayMs: 15 * MIN },
      account: { free: 20, firstDelayMs: 5 * S, maxDelayMs: 1 * MIN },
      forgetMs: 15 * MIN,
      now: () => now,
    });
    return { throttle, advance: (ms: number) => (now += ms) };
  };

  it("locks one account from one address after a handful of failures, with growing waits", () => {
    const { throttle, advance } = make();
    for (let i = 0; i < 5; i++) expect(throttle.failed("lan.nguyen", "203.0.113.9")).toEqual({ ok: true });
    expect(throttle.failed("lan.nguyen", "203.0.113.9")).toEqual({ ok: false, retryAfterSeconds: 15 });
    expect(throttle.check("Lan.Nguyen ", "203.0.113.9")).toEqual({ ok: false, retryAfterSeconds: 15 });
    advance(15 * S);
    expect(throttle.check("lan.nguyen", "203.0.113.9")).toEqual({ ok: true });
    expect(throttle.failed("lan.nguyen", "203.0.113.9")).toEqual({ ok: false, retryAfterSeconds: 30 });
    // The same clerk from her own office is not held back by the attacker's address.
    expect(throttle.check("lan.nguyen", "198.51.100.7")).toEqual({ ok: true });
    // Another account from the attacker's address is not locked yet either.
    expect(throttle.check("hung.tran", "203.0.113.9")).toEqual({ ok: true });
  });

  it("a successful sign-in clears that account's failures from that address", () => {
    const { throttle } = make();
    for (let i = 0; i < 5; i++) throttle.failed("lan.nguyen", "198.51.100.7");
    throttle.succeeded("lan.nguyen", "198.51.100.7");
    for (let i = 0; i < 5; i++) expect(throttle.failed("lan.nguyen", "198.51.100.7").ok).toBe(true);
  });

  it("one address spraying many accounts is slowed", () => {
    const { throttle } = make();
    for (let i = 0; i < 20; i++) expect(throttle.failed(`user${i}`, "203.0.113.9").ok).toBe(true);
    expect(throttle.failed("user20", "203.0.113.9")).toEqual({ ok: false, retryAfterSeconds: 15 });
    expect(throttle.check("anyone", "203.0.113.9").ok).toBe(false);
    expect(throttle.check("anyone", "198.51.100.7").ok).toBe(true);
  });

  it("guessing one account from many addresses holds the clerk back by a minute at most", () => {
    const { throttle, advance } = make();
    for (let i = 0; i < 100; i++) throttle.failed("lan.nguyen", `203.0.113.${i}`);
    const held = throttle.check("lan.nguyen", "198.51.100.7");
    expect(held.ok).toBe(false);
    expect(held.ok === false && held.retryAfterSeconds).toBeLessThanOrEqual(60);
    advance(60 * S);
    expect(throttle.check("lan.nguyen", "198.51.100.7")).toEqual({ ok: true });
  });
});

describe("BurstDetector", () => {
  it("reports once when the threshold is reached inside the window, then again only a window later", () => {
    const d = new BurstDetector(5, 10 * MIN);
    const reports: (number | null)[] = [];
    for (let i = 0; i < 12; i++) reports.push(d.note(i * S));
    expect(reports.filter((r) => r !== null)).toEqual([5]);
    expect(reports.indexOf(5)).toBe(4);
    expect(d.note(10 * MIN + 5 * S)).toBe(5);
  });

  it("failures spread wider than the window are not a burst", () => {
    const d = new BurstDetector(5, 10 * MIN);
    for (let i = 0; i < 50; i++) expect(d.note(i * 3 * MIN)).toBeNull();
  });
});
