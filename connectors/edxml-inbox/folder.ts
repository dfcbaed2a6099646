// The inbox folder protocol shared by the poller and the upload endpoint:
// packages arrive as `*.edxml` in the folder (written via tmp + rename), are
// moved to `processed/` under a sortable claim name once parsed, or to
// `rejected/` with a `.error.txt` beside them.

import { randomUUID } from "node:crypto";
import { mkdir, readdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";

export const PROCESSED_DIR = "processed";
export const REJECTED_DIR = "rejected";

/** `20261120T093000123Z-000001__original.edxml`: claim time, sequence, original name. */
const CLAIM_NAME = /^(\d{8}T\d{9}Z)-(\d{6})__(.+)$/u;

export function parseClaimName(name: string): { stamp: string; seq: number; original: string; claimedAt: Date } | null {
  const match = CLAIM_NAME.exec(name);
  if (!match) return null;
  const [, stamp = "", seq = "0", original = ""] = match;
  const iso = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}.${stamp.slice(15, 18)}Z`;
  return { stamp, seq: Number(seq), original, claimedAt: new Date(iso) };
}

function compactStamp(date: Date): string {
  return date.toISOString().replace(/[-:.]/gu, "");
}

/** Only a plain file name (no folders, no hidden files) may be used inside the inbox. */
export function safeBaseName(name: string, fallback = "package.edxml"): string {
  const base = path.basename(name.replace(/\\/gu, "/"));
  const cleaned = base.normalize("NFC").replace(/[^\p{L}\p{N}._-]+/gu, "_").replace(/^\.+/u, "");
  return cleaned === "" ? fallback : cleaned.slice(0, 120);
}

export async function ensureInboxFolders(folder: string): Promise<void> {
  await mkdir(path.join(folder, PROCESSED_DIR), { recursive: true });
  await mkdir(path.join(folder, REJECTED_DIR), { recursive: true });
}

/** Write bytes into `dir` atomically: readers see the whole file or nothing. */
export async function writeAtomic(dir: string, name: string, bytes: Uint8Array | string): Promise<string> {
  const tmp = path.join(dir, `.${name}.${randomUUID()}.tmp`);
  await writeFile(tmp, bytes);
  const target = path.join(dir, name);
  await rename(tmp, target);
  return target;
}

/**
 * Hands out claim names that sort after every existing one, even across
 * restarts and clock steps back, so the processed/ high-water mark is a
 * complete cursor.
 */
export class ClaimNamer {
  #last: string | null = null;
  constructor(private readonly now: () => Date) {}

  async init(processedDir: string): Promise<void> {
    const names = (await readdir(processedDir).catch(() => [] as string[])).filter((n) => CLAIM_NAME.test(n)).sort();
    const last = names.at(-1);
    if (last && (!this.#last || last > this.#last)) this.#last = last.slice(0, 26);
  }

  next(original: string): string {
    let prefix = `${compactStamp(this.now())}-000000`;
    if (this.#last && prefix <= this.#last) {
      const parsed = parseClaimName(`${this.#last}__x`);
      if (parsed) prefix = `${parsed.stamp}-${String(parsed.seq + 1).padStart(6, "0")}`;
    }
    this.#last = prefix;
    return `${prefix}__${safeBaseName(original)}`;
  }
}

export async function moveToProcessed(folder: string, file: string, claimName: string): Promise<string> {
  const target = path.join(folder, PROCESSED_DIR, claimName);
  await rename(path.join(folder, file), target);
  return target;
}

export async function moveToRejected(
  folder: string,
  file: string,
  claimName: string,
  reason: string,
  at: Date,
  details?: unknown,
): Promise<string> {
  const target = path.join(folder, REJECTED_DIR, claimName);
  await rename(path.join(folder, file), target);
  const text = [
    `File: ${file}`,
    `Rejected at: ${at.toISOString()}`,
    `Reason: ${reason}`,
    ...(details ? ["", "Details:", JSON.stringify(details, null, 2)] : []),
    "",
  ].join("\n");
  await writeFile(`${target}.error.txt`, text, "utf8");
  return target;
}
