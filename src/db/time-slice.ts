// The embedded database (PGlite) runs each statement synchronously on the
// hub's own thread, and its lock hands the next queued statement on through
// promises alone: fifty waiting statements, or one caller's long chain of
// them, ran back to back without the event loop reading a single socket. A
// request arriving meanwhile (even /healthz, or the first request on a new
// connection) waited for all of it; under fifty busy clients that was seconds
// (tests/bench/console-load.bench.ts, docs/performance.md).
//
// This gate lets one statement (or transaction) at a time into the database,
// in arrival order. Statements follow one another directly while the current
// time slice lasts; once it is used up, the next one waits until the event
// loop has polled for I/O, so sockets are read, connections accepted and
// timers run between slices. A statement on an idle database after the loop
// has turned starts at once.

export interface TimeSliceOptions {
  /** How long statements may follow one another before the event loop must turn. */
  sliceMs: number;
  now?: () => number;
  /** Runs `fn` once the event loop has turned (polled for I/O) at least once. */
  afterTurn?: (fn: () => void) => void;
}

export interface TimeSlicedGate {
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Statements waiting for their turn (not counting the one running). */
  waiting(): number;
}

/**
 * A setImmediate set from the poll phase runs in the same iteration's check
 * phase, before the next poll; two in a row always have a poll between them.
 */
export const afterEventLoopTurn = (fn: () => void): void => void setImmediate(() => setImmediate(fn));

export function createTimeSlicedGate(options: TimeSliceOptions): TimeSlicedGate {
  const now = options.now ?? (() => performance.now());
  const afterTurn = options.afterTurn ?? afterEventLoopTurn;
  const queue: (() => void)[] = [];
  let busy = false;
  let sliceStart = -Infinity;
  /** The loop has turned since the slice started: the next statement opens a new one. */
  let turned = true;

  function newSlice(): void {
    sliceStart = now();
    turned = false;
    afterTurn(() => {
      turned = true;
    });
  }

  /** Starts the next holder now, in this slice or a new one, or after the loop turns. */
  function begin(start: () => void): void {
    if (turned) {
      newSlice();
      return start();
    }
    if (now() - sliceStart < options.sliceMs) return start();
    afterTurn(() => {
      newSlice();
      start();
    });
  }

  function acquire(): Promise<void> {
    if (busy || queue.length > 0) return new Promise((resolve) => queue.push(resolve));
    busy = true;
    return new Promise((resolve) => begin(resolve));
  }

  function release(): void {
    const next = queue.shift();
    if (next) begin(next);
    else busy = false;
  }

  return {
    async run(fn) {
      await acquire();
      try {
        return await fn();
      } finally {
        release();
      }
    },
    waiting: () => queue.length,
  };
}
