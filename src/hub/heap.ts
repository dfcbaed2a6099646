// How far V8 lets the JavaScript heap grow past what survived the last full
// collection. Ingest allocates ~70 MB/s of short-lived objects (Prisma's
// query interpreter, PGlite's result parsing, PDF parsing) while only ~60 MB
// stays live; with V8's default factor (up to 4x for a heap this small) the
// heap reaches ~230 MB between full collections, which put a 10,000-document
// backfill at ~550 MB peak RSS. A fixed factor keeps the heap near the live
// size at some CPU cost; figures in tests/bench/ingest.bench.ts and
// docs/operations.md.
import v8 from "node:v8";

let applied: number | null = null;

/**
 * `percent` = 100 lets the heap double the live size before the next full
 * collection; 0 leaves V8's own heuristic. The flag is read by V8 each time it
 * sets the next limit, so changing it at run time takes effect from the next
 * collection on. Process-wide: the last hub started in a process wins.
 */
export function setHeapGrowth(percent: number): void {
  if (percent === applied) return;
  // V8 has no "unset": its default is the value 0
  v8.setFlagsFromString(`--heap-growing-percent=${Math.max(0, Math.round(percent))}`);
  applied = percent;
}
