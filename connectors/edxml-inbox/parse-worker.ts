// Worker thread body: parses edXML package files (package-file.ts) off the
// hub's event loop. One job at a time (offthread.ts sends the next only after
// the answer), so the worker holds at most one attachment's bytes.

import { parentPort } from "node:worker_threads";
import { EdxmlError } from "./model.ts";
import { parseEdxmlFile, type PackageFileOptions } from "./package-file.ts";

export interface ParseJob {
  id: number;
  file: string;
  options: PackageFileOptions;
}

export type ParseAnswer =
  | { id: number; ok: true; pkg: Awaited<ReturnType<typeof parseEdxmlFile>>["pkg"]; dir: string }
  | { id: number; ok: false; error: { message: string; code: string | null; name: string } };

const port = parentPort;
if (!port) throw new Error("parse-worker.ts runs as a worker thread (see offthread.ts)");

port.on("message", (job: ParseJob) => {
  parseEdxmlFile(job.file, job.options).then(
    (result) => port.postMessage({ id: job.id, ok: true, pkg: result.pkg, dir: result.dir } satisfies ParseAnswer),
    (error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error));
      port.postMessage({ id: job.id, ok: false, error: { message: e.message, code: e instanceof EdxmlError ? e.code : null, name: e.name } } satisfies ParseAnswer);
    },
  );
});
