// The Standard Webhooks retry schedule. Entry n is the wait before attempt n+1,
// counted from the end of the previous attempt; entry 0 ("immediately") is the
// first attempt. After the last entry the delivery is dead (a person replays it).

export { parseRetryAfter } from "../http-kit/index.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export const RETRY_SCHEDULE_MS: readonly number[] = Object.freeze([
  0,
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  14 * HOUR,
  20 * HOUR,
  24 * HOUR,
]);

/** Attempts in total, the first included; the schedule spans about 3 days. */
export const MAX_ATTEMPTS = RETRY_SCHEDULE_MS.length;

/**
 * ±10 %: enough that the many deliveries queued for a site that just came back
 * do not all hit it in the same second, small enough to keep the schedule's shape.
 */
export const JITTER_FRACTION = 0.1;

/**
 * A site can ask for a longer pause than the schedule, but not for one longer
 * than the schedule's longest step: beyond that the delivery would sit idle
 * while the operator believes it is retrying.
 */
export const MAX_RETRY_AFTER_MS = 24 * HOUR;

export interface NextAttemptOptions {
  /** Parsed Retry-After of the last answer, if any. */
  retryAfterMs?: number | null;
  /** Uniform in [0, 1); injected so schedules are reproducible in tests. */
  random: () => number;
}

/**
 * Milliseconds to wait before the next attempt, given how many attempts were
 * already made (0 → the first attempt, sent immediately), or `null` when
 * `attemptsMade` used up the schedule and the delivery is dead.
 *
 * With Retry-After the wait is the larger of the jittered schedule step and
 * Retry-After (capped at MAX_RETRY_AFTER_MS); Retry-After only adds positive
 * jitter, so a site is never contacted before the time it asked for.
 */
export function nextAttemptDelay(attemptsMade: number, options: NextAttemptOptions): number | null {
  if (!Number.isInteger(attemptsMade) || attemptsMade < 0) {
    throw new RangeError(`attemptsMade must be a non-negative integer, got ${attemptsMade}`);
  }
  const base = RETRY_SCHEDULE_MS[attemptsMade];
  if (base === undefined) return null;
  const r = clampUnit(options.random());
  const scheduled = Math.round(base * (1 + JITTER_FRACTION * (2 * r - 1)));
  const retryAfter = options.retryAfterMs;
  if (retryAfter == null || !Number.isFinite(retryAfter) || retryAfter <= 0) return scheduled;
  const asked = Math.min(retryAfter, MAX_RETRY_AFTER_MS);
  const honoured = Math.round(asked * (1 + JITTER_FRACTION * r));
  return Math.max(scheduled, honoured);
}

function clampUnit(value: number): number {
  if (!Number.isFinite(value) || value < 0) return 0;
  return value >= 1 ? 1 : value;
}
