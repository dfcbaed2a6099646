import { describe, expect, it } from "vitest";
import { MAX_ATTEMPTS, MAX_RETRY_AFTER_MS, nextAttemptDelay, parseRetryAfter, RETRY_SCHEDULE_MS } from "./retry-schedule.ts";

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const mid = () => 0.5; // jitter factor exactly 1

describe("nextAttemptDelay", () => {
  it("follows the Standard Webhooks schedule and is dead after the tenth attempt", () => {
    expect(RETRY_SCHEDULE_MS).toEqual([0, 5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H]);
    expect(MAX_ATTEMPTS).toBe(10);
    const delays = Array.from({ length: 11 }, (_, made) => nextAttemptDelay(made, { random: mid }));
    expect(delays).toEqual([0, 5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H, null]);
    expect(nextAttemptDelay(50, { random: mid })).toBeNull();
  });

  it("jitters by at most ±10 % and the first attempt not at all", () => {
    for (let made = 1; made < MAX_ATTEMPTS; made++) {
      const base = RETRY_SCHEDULE_MS[made]!;
      expect(nextAttemptDelay(made, { random: () => 0 })).toBe(Math.round(base * 0.9));
      expect(nextAttemptDelay(made, { random: () => 0.999999 })).toBeLessThanOrEqual(Math.round(base * 1.1));
      expect(nextAttemptDelay(made, { random: () => 0.999999 })).toBeGreaterThan(base);
    }
    expect(nextAttemptDelay(0, { random: () => 0.9 })).toBe(0);
    expect(nextAttemptDelay(1, { random: () => 0.25 })).toBe(4750);
  });

  it("spreads the delays of many deliveries", () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const delays = new Set(Array.from({ length: 100 }, () => nextAttemptDelay(2, { random })));
    expect(delays.size).toBeGreaterThan(90);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(270 * S), expect(d).toBeLessThanOrEqual(330 * S);
  });

  it("clamps an out-of-range random source", () => {
    expect(nextAttemptDelay(1, { random: () => -3 })).toBe(4500);
    expect(nextAttemptDelay(1, { random: () => 7 })).toBe(5500);
    expect(nextAttemptDelay(1, { random: () => Number.NaN })).toBe(4500);
  });

  it("takes the larger of schedule and Retry-After, never earlier than asked", () => {
    // after the first attempt the schedule says 5 s; the site asks for 2 min
    expect(nextAttemptDelay(1, { random: () => 0, retryAfterMs: 120 * S })).toBe(120 * S);
    expect(nextAttemptDelay(1, { random: () => 0.5, retryAfterMs: 120 * S })).toBe(126 * S);
    // the schedule already waits longer than Retry-After
    expect(nextAttemptDelay(4, { random: mid, retryAfterMs: 10 * S })).toBe(2 * H);
    // ignored when absent, zero or nonsense
    for (const retryAfterMs of [null, undefined, 0, -5, Number.NaN]) {
      expect(nextAttemptDelay(1, { random: mid, retryAfterMs })).toBe(5 * S);
    }
  });

  it("caps Retry-After at 24 h and still ends the schedule", () => {
    expect(nextAttemptDelay(1, { random: () => 0, retryAfterMs: 30 * 24 * H })).toBe(MAX_RETRY_AFTER_MS);
    expect(nextAttemptDelay(10, { random: mid, retryAfterMs: 5 * S })).toBeNull();
  });

  it("rejects a negative or fractional attempt count", () => {
    expect(() => nextAttemptDelay(-1, { random: mid })).toThrow(RangeError);
    expect(() => nextAttemptDelay(1.5, { random: mid })).toThrow(RangeError);
  });
});

describe("parseRetryAfter", () => {
  const now = new Date("2026-11-21T02:00:00Z");

  it("reads delta-seconds", () => {
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
  });

  it("reads HTTP-dates (IMF-fixdate, RFC 850, asctime) relative to now", () => {
    expect(parseRetryAfter("Sat, 21 Nov 2026 02:01:30 GMT", now)).toBe(90_000);
    expect(parseRetryAfter("Saturday, 21-Nov-26 02:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("Sat Nov 21 02:00:05 2026", now.getTime())).toBe(5_000);
    expect(parseRetryAfter("Sat, 21 Nov 2026 01:00:00 GMT", now)).toBe(0);
  });

  it("returns null for absent or unparseable values", () => {
    for (const value of [null, undefined, "", "  ", "-5", "1.5", "soon", "12abc", "9".repeat(30)]) {
      expect(parseRetryAfter(value, now)).toBeNull();
    }
  });
});
