// Retry timing shared by the source connectors: exponential backoff with
// "equal jitter" (half fixed, half random, so retries spread out but never
// collapse to zero) and Retry-After (seconds or an HTTP date).

export const MAX_BACKOFF_MS = 30_000;

/** Wait before retry number `attempt` (1-based): base·2^(attempt−1), capped, jittered. */
export function backoffDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * Retry-After (RFC 9110 §10.2.3) → milliseconds from `now`, or `null` when
 * absent or unparseable. Accepts delta-seconds and HTTP-date; a date in the
 * past means "now" (0).
 */
export function parseRetryAfter(header: string | null | undefined, now: Date | number): number | null {
  if (header == null) return null;
  const value = header.trim();
  if (value === "") return null;
  if (/^\d+$/.test(value)) {
    const seconds = Number(value);
    return Number.isSafeInteger(seconds * 1000) ? seconds * 1000 : null;
  }
  // HTTP-date always names a weekday or month; requiring a letter keeps
  // Date.parse from reading things like "1.5" or "-3" as dates.
  if (!/[A-Za-z]/.test(value)) return null;
  // All HTTP-dates are GMT, but asctime's form does not say so, and
  // Date.parse would read it in the process's local time zone.
  const at = Date.parse(/\b(?:GMT|UTC)\b/i.test(value) ? value : `${value} GMT`);
  if (Number.isNaN(at)) return null;
  const nowMs = typeof now === "number" ? now : now.getTime();
  return Math.max(0, at - nowMs);
}
