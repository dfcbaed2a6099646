// Runs the real `portalsync` CLI in a child process and reads its JSON log
// lines, for tests that exercise the hub as an operator would.

import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = path.join(REPO_ROOT, "bin", "portalsync.js");

export interface CliProcess {
  child: ChildProcess;
  logs: Record<string, unknown>[];
  output: () => string;
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `nodeArgs`: options for node itself (a benchmark's --cpu-prof, which NODE_OPTIONS refuses). */
export function startCli(args: string[], env: Record<string, string>, cwd = REPO_ROOT, nodeArgs: string[] = []): CliProcess {
  const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], {
    cwd,
    env: { ...process.env, CI: "1", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  let text = "";
  const waiters: { predicate: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let buffer = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    text += chunk.toString();
    buffer += chunk.toString();
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        logs.push(parsed);
        for (const w of [...waiters]) {
          if (w.predicate(parsed)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(parsed);
          }
        }
      } catch {
        // not a log line
      }
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    logs,
    output: () => text,
    exited,
    waitForLog(predicate, timeoutMs) {
      const found = logs.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching log line within ${timeoutMs} ms; output:\n${text.slice(-4000)}`)), timeoutMs);
        waiters.push({
          predicate,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`process exited before the expected log line; output:\n${text.slice(-4000)}`));
        });
      });
    },
  };
}

export async function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
  const proc = startCli(args, env);
  const { code } = await proc.exited;
  return { code, stdout: proc.output() };
}
