// Results are written together: at once when enough have gathered or
// nothing else is under way, else within a short delay. One write per batch
// of up to 500 rows; a failed write leaves the rows 'sending' and they come
// back after their lease (the portal deduplicates the resend by message id).

import type { Logger } from "pino";
import type { Outcome } from "./outcomes.ts";

export interface ResultBatcherOptions {
  write(batch: Outcome[]): Promise<void>;
  log: Logger;
  /** Write at once when this many results wait. */
  flushAt: number;
  /** Write at once when nothing else is under way (or the worker stops). */
  writeNow(): boolean;
  /** After each batch is written (or failed): its rows are no longer ours. */
  written(ids: string[]): void;
  /** After a flush ends: finished rows may unblock later changes. */
  flushed(): void;
  delayMs?: number;
}

export interface ResultBatcher {
  push(outcome: Outcome): void;
  /** Starts or schedules a write of what waits. */
  schedule(): void;
  /** Results waiting or being written. */
  busy(): boolean;
  /** Writes everything that waits, including results pushed meanwhile. */
  drain(): Promise<void>;
  cancelTimer(): void;
}

const MAX_ROWS_PER_WRITE = 500;

export function createResultBatcher(opts: ResultBatcherOptions): ResultBatcher {
  const pending: Outcome[] = [];
  const delayMs = opts.delayMs ?? 100;
  let flushing: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;

  function cancelTimer() {
    if (timer) clearTimeout(timer);
    timer = null;
  }

  /** Enough waits for a write now, or nothing else is coming soon. */
  const due = (force: boolean) => force || pending.length >= opts.flushAt || opts.writeNow();

  function schedule(force = false): void {
    if (flushing || pending.length === 0) return;
    if (!due(force)) {
      timer ??= setTimeout(() => {
        timer = null;
        schedule();
      }, delayMs);
      return;
    }
    cancelTimer();
    flushing = (async () => {
      // Let sends finishing in the same tick join this batch.
      await new Promise((resolve) => setImmediate(resolve));
      // Results that arrived during a write wait for the next due moment
      // rather than following at once: on PGlite a write lets the event loop
      // turn, so a few always arrive meanwhile, and writing them straight
      // away turned 40 writes of ~250 rows into 600 of ~16 (each write's cost
      // is mostly per statement, not per row).
      for (let first = true; pending.length > 0 && (first || due(force)); first = false) {
        const batch = pending.splice(0, MAX_ROWS_PER_WRITE);
        try {
          await opts.write(batch);
        } catch (error) {
          opts.log.error({ err: error, count: batch.length }, "could not record delivery results");
        }
        opts.written(batch.map((o) => o.id));
      }
    })().finally(() => {
      flushing = null;
      opts.flushed();
      schedule();
    });
  }

  return {
    push: (o) => void pending.push(o),
    schedule: () => schedule(),
    busy: () => flushing !== null || pending.length > 0,
    async drain() {
      while (flushing || pending.length > 0) {
        if (!flushing) schedule(true);
        await flushing;
      }
    },
    cancelTimer,
  };
}
