// The gateways' contract (shared/contracts/sources.md) writes times in
// ISO-8601 with the Vietnam offset, `+07:00`; query parameters are sent the
// same way, because a gateway may read a `Z` time as local wall time.

const VIETNAM_OFFSET_MS = 7 * 3600_000;

/** `2026-11-18T09:12:44+07:00`; milliseconds only when not zero. */
export function vietnamTime(ms: number): string {
  const wall = new Date(ms + VIETNAM_OFFSET_MS).toISOString();
  const millis = wall.slice(19, 23);
  return `${wall.slice(0, 19)}${millis === ".000" ? "" : millis}+07:00`;
}
