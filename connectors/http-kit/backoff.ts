// Retry timing shared by the source connectors: exponential backoff with
// "equal jitter" (half fixed, half random, so retries spread out but never
// collapse to zero) and Retry-After (seconds or an HTTP date).

export const MAX_BACKOFF_MS = 30_000;

/** Wait before retry number `attempt` (1-based): base·2^(attempt−1), capped, jittered. */
export function backoffDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** `Retry-After` as seconds or an HTTP date → milliseconds from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: Date | number): number | null {
  if (!value) return null;
  const nowMs = typeof now === "number" ? now : now.getTime();
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/u.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}
