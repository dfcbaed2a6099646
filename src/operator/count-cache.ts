// List totals ("page 3 / 400 (10,000)") without counting a whole table on
// every request. A total is reused while the table's newest change is the
// one it was counted at (a cheap indexed max), and for a moment regardless:
// during a backfill the table changes every few milliseconds, and 50 people
// paging through it need not count it 50 times. Concurrent misses share one
// count. Totals may lag a busy table by FRESH_MS; pages themselves never do.

export const FRESH_MS = 2_000;
export const MAX_AGE_MS = 60_000;
const MAX_ENTRIES = 500;

interface Entry {
  marker: string;
  total: number;
  at: number;
}

export class CountCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<number>>();

  constructor(private readonly clock: () => number = Date.now) {}

  async get(key: string, marker: string, count: () => Promise<number>): Promise<number> {
    const now = this.clock();
    const hit = this.entries.get(key);
    if (hit && (now - hit.at < FRESH_MS || (hit.marker === marker && now - hit.at < MAX_AGE_MS))) return hit.total;
    const flight = `${key}\u0000${marker}`;
    const running = this.inflight.get(flight);
    if (running) return running;
    const promise = count()
      .then((total) => {
        this.entries.delete(key);
        this.entries.set(key, { marker, total, at: this.clock() });
        // Map order is insertion order: the first key is the least recently counted.
        if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
        return total;
      })
      .finally(() => this.inflight.delete(flight));
    this.inflight.set(flight, promise);
    return promise;
  }
}

/** One cache per database (several hubs in one test process do not share). */
const caches = new WeakMap<object, CountCache>();
export function countCacheOf(db: object): CountCache {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new CountCache()));
  return cache;
}

interface Memo {
  at: number;
  value: unknown;
  has: boolean;
  refresh: Promise<unknown> | null;
}
const memos = new WeakMap<object, Map<string, Memo>>();

/**
 * `fn()`'s value, at most `maxAgeMs` old, per database and key. One refresh
 * at a time; while it runs, callers get the previous value (the first call
 * waits for it). For aggregates a page shows but need not be exact to the
 * millisecond (the dashboard's counts).
 */
export async function briefly<T>(db: object, key: string, maxAgeMs: number, fn: () => Promise<T>, clock: () => number = Date.now): Promise<T> {
  let byKey = memos.get(db);
  if (!byKey) memos.set(db, (byKey = new Map()));
  let memo = byKey.get(key);
  if (!memo) byKey.set(key, (memo = { at: 0, value: undefined, has: false, refresh: null }));
  const m = memo;
  if (m.has && clock() - m.at < maxAgeMs) return m.value as T;
  m.refresh ??= fn()
    .then((value) => {
      m.value = value;
      m.has = true;
      m.at = clock();
      return value;
    })
    .finally(() => {
      m.refresh = null;
    });
  return (m.has ? m.value : m.refresh) as Promise<T>;
}
