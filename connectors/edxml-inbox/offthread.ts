// Large edXML packages are parsed in a worker thread: parsing the envelope and
// unzipping, hashing and sniffing an attachment of tens of MB are synchronous
// work that would otherwise stop the hub's event loop for seconds (issue #15:
// a 60 MB package held /healthz for 16 s). One worker, started on first use
// and kept (unreferenced, so it never holds the process open), takes one job at
// a time, so memory holds one attachment at a time however many arrive.
//
// The worker runs dist/edxml-parse-worker.mjs in the built hub (scripts/build.mjs
// bundles it beside the CLI), and parse-worker.ts through tsx when the hub runs
// from its sources (bin/portalsync.js without a fresh dist/, vitest).

import { stat } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import { EdxmlError, type EdxmlErrorCode } from "./model.ts";
import { EdxmlPackageFile, parseEdxmlFile, type PackageFileOptions } from "./package-file.ts";
import type { ParseAnswer, ParseJob } from "./parse-worker.ts";

// Defined (true) by scripts/build.mjs in the bundle; absent when running from sources.
declare const __PORTALSYNC_BUNDLE__: boolean | undefined;

/** Packages up to this size are parsed on the calling thread: a few milliseconds, less than the hand-over. */
export const IN_THREAD_MAX_BYTES = 1024 * 1024;

// Strings and objects of the envelope live on the worker's heap (attachments'
// bytes are outside it); a hostile envelope stops the worker, not the hub.
const WORKER_HEAP_MB = 512;

export function parseWorkerUrl(): URL {
  const bundled = typeof __PORTALSYNC_BUNDLE__ !== "undefined" && __PORTALSYNC_BUNDLE__;
  return bundled ? new URL("../../dist/edxml-parse-worker.mjs", import.meta.url) : new URL("./parse-worker-tsx.mjs", import.meta.url);
}

interface Pending {
  resolve: (answer: ParseAnswer) => void;
  reject: (error: Error) => void;
}

class ParseWorker {
  #worker: Worker | null = null;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #queue: Promise<unknown> = Promise.resolve();

  #start(): Worker {
    const worker = new Worker(parseWorkerUrl(), { execArgv: [], resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    worker.unref();
    worker.on("message", (answer: ParseAnswer) => {
      const pending = this.#pending.get(answer.id);
      this.#pending.delete(answer.id);
      pending?.resolve(answer);
    });
    const fail = (error: Error) => {
      if (this.#worker === worker) this.#worker = null;
      for (const pending of this.#pending.values()) pending.reject(error);
      this.#pending.clear();
    };
    worker.on("error", (error) => fail(new Error(`edXML parse worker failed: ${error.message}`)));
    worker.on("exit", (code) => fail(new Error(`edXML parse worker stopped (exit code ${code})`)));
    return worker;
  }

  /** Jobs run one after another (see the module comment). */
  run(job: Omit<ParseJob, "id">): Promise<ParseAnswer> {
    const next = this.#queue.then(() => this.#send(job));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  #send(job: Omit<ParseJob, "id">): Promise<ParseAnswer> {
    const worker = (this.#worker ??= this.#start());
    const id = this.#nextId++;
    worker.ref(); // a job in flight keeps the process up, like any other I/O
    return new Promise<ParseAnswer>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ ...job, id } satisfies ParseJob);
    }).finally(() => {
      if (this.#pending.size === 0) worker.unref();
    });
  }

  async stop(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    await worker?.terminate();
  }
}

let shared: ParseWorker | null = null;

/**
 * parseEdxmlFile without blocking the event loop: files over
 * `inThreadMaxBytes` are parsed in the worker thread. The result's
 * attachments are in files (`attachment.file`); dispose() it when done.
 */
export async function parseEdxmlFileOffThread(
  file: string,
  options: PackageFileOptions = {},
  tuning: { inThreadMaxBytes?: number } = {},
): Promise<EdxmlPackageFile> {
  const { size } = await stat(file);
  if (size <= (tuning.inThreadMaxBytes ?? IN_THREAD_MAX_BYTES)) return parseEdxmlFile(file, options);
  shared ??= new ParseWorker();
  const answer = await shared.run({ file, options });
  if (!answer.ok) {
    const { message, code, name } = answer.error;
    if (code !== null) throw new EdxmlError(message, code as EdxmlErrorCode);
    const error = new Error(message);
    error.name = name;
    throw error;
  }
  return new EdxmlPackageFile(answer.pkg, answer.dir);
}

/** Stop the shared worker (tests; the hub needs not: it is unreferenced when idle). */
export async function stopParseWorker(): Promise<void> {
  const worker = shared;
  shared = null;
  await worker?.stop();
}
