// Which files `portalsync verify PATH...` verifies. Folders are walked for
// *.pdf; nothing found is dropped without a word: an entry that cannot be
// verified (an unreadable folder, a dangling link, a FIFO, a folder named
// *.pdf) comes back with the reason, and the command reports it as `error`.
// Never opens anything: only stat and readdir, so a FIFO cannot block it.
import type { Dirent, Stats } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";

export interface WalkEntry {
  path: string;
  /** set when the entry is reported without being verified */
  error?: string;
}

/** The file-system calls the walk makes (injected by tests). */
export interface WalkFs {
  stat(path: string): Promise<Stats>;
  readdir(path: string): Promise<Dirent[]>;
}

export const nodeWalkFs: WalkFs = {
  stat: (p) => stat(p),
  readdir: (p) => readdir(p, { withFileTypes: true }),
};

const MAX_DEPTH = 32;

type Kind = Pick<Stats, "isDirectory" | "isFIFO" | "isSocket" | "isCharacterDevice" | "isBlockDevice">;

/** What kind of non-regular file `st` is, in words. */
export function fileKind(st: Kind): string {
  if (st.isDirectory()) return "a folder";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  return "not a regular file";
}

const notRegular = (st: Kind) => `Không phải tệp PDF / ${fileKind(st)}, not a regular file: not opened`;

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return String(err.message ?? e);
}

/** The entries to report for `paths`, in order (folders sorted by name). */
export async function expandPaths(paths: string[], fs: WalkFs = nodeWalkFs): Promise<WalkEntry[]> {
  const out: WalkEntry[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    const st = await fs.stat(p).catch(() => null);
    // a missing file gets its own error line when it is opened
    if (!st || st.isFile()) out.push({ path: p });
    else if (st.isDirectory()) await walk(fs, p, st, 0, seen, out);
    else out.push({ path: p, error: notRegular(st) });
  }
  return out;
}

async function walk(fs: WalkFs, dir: string, st: Stats, depth: number, seen: Set<string>, out: WalkEntry[]): Promise<void> {
  // a folder reached twice (through a link, or a link loop) is searched once
  const id = `${st.dev}:${st.ino}`;
  if (seen.has(id)) return;
  seen.add(id);
  if (depth > MAX_DEPTH) {
    out.push({ path: dir, error: `Không đọc được thư mục / folder nested more than ${MAX_DEPTH} levels deep: not searched` });
    return;
  }
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir);
  } catch (e) {
    out.push({ path: dir, error: `Không đọc được thư mục / cannot read folder (${reason(e)}): the PDF files in it were not verified` });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    const isPdf = e.name.toLowerCase().endsWith(".pdf");
    if (e.isFile()) {
      if (isPdf) out.push({ path: p });
      continue;
    }
    if (!e.isDirectory() && !e.isSymbolicLink()) {
      if (isPdf) out.push({ path: p, error: notRegular(e) });
      continue;
    }
    // a directory, or a link: what it is (links are followed)
    let target: Stats;
    try {
      target = await fs.stat(p);
    } catch (err) {
      if (isPdf) out.push({ path: p, error: `Liên kết hỏng / dangling symbolic link (${reason(err)}): no file to verify` });
      else if (e.isDirectory()) out.push({ path: p, error: `Không đọc được thư mục / cannot read folder (${reason(err)})` });
      continue;
    }
    if (target.isFile()) {
      if (isPdf) out.push({ path: p });
    } else if (target.isDirectory()) {
      if (isPdf) out.push({ path: p, error: `Là thư mục, không phải tệp PDF / a folder named like a PDF file: its contents are searched like any folder's` });
      await walk(fs, p, target, depth + 1, seen, out);
    } else if (isPdf) out.push({ path: p, error: notRegular(target) });
  }
}
