// `portalsync verify [--trust DIR] [--crl FILE]... [--at ISO-TIME] [--json] [--jobs N] PATH...`
// One process verifies every file; digests are computed by a worker pool while
// the main thread parses the next files; output keeps the input order.
import { statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { loadCrlFiles, type CrlSet } from "./crl.ts";
import { HashPool, localHasher, type RangeHasher } from "./hashing.ts";
import { STATUS_TEXT, toJsonLine, type FileReport, type FileStatus } from "./report.ts";
import { defaultTrustDir, loadTrustStore, type TrustStore } from "./trust-store.ts";
import { verifyPdfFile } from "./verify-pdf.ts";
import { expandPaths, type WalkEntry } from "./walk.ts";

const USAGE = `Usage: portalsync verify [--trust DIR] [--crl FILE]... [--at ISO-TIME] [--json] [--jobs N] [--allow-sha1] PATH...
  PATH          a PDF file or a folder (searched recursively for *.pdf)
  --trust DIR   trust store: PEM/DER certificates; self-signed ones are anchors (default: ${"<hub>/trust"}); may repeat
  --crl FILE    DER or PEM CRL; may repeat
  --at TIME     validate certificates at this ISO-8601 time instead of the signing time
  --json        one JSON object per file per line (JSON Lines), in input order
  --jobs N      files verified in parallel (default: number of CPUs, at most 8)
  --allow-sha1  accept SHA-1 signatures (old archives)
Exit code: 0 every file valid, 1 any file not valid, 2 usage error.
`;

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

class UsageError extends Error {}

export async function runVerifyCommand(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        trust: { type: "string", multiple: true },
        crl: { type: "string", multiple: true },
        at: { type: "string" },
        json: { type: "boolean", default: false },
        jobs: { type: "string" },
        "allow-sha1": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    io.stderr.write(`portalsync verify: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  let trust: TrustStore;
  let crls: CrlSet = [];
  let at: Date | undefined;
  let jobs: number;
  let files: WalkEntry[];
  let pool: HashPool | null = null;
  try {
    if (positionals.length === 0) throw new UsageError("no PATH given");
    if (values.at !== undefined) {
      at = new Date(values.at);
      if (!/^\d{4}-\d{2}-\d{2}/.test(values.at) || Number.isNaN(at.getTime())) throw new UsageError(`--at: not an ISO-8601 time: ${values.at}`);
    }
    jobs = values.jobs === undefined ? Math.min(8, availableParallelism()) : Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1 || jobs > 256) throw new UsageError(`--jobs: expected a positive integer, got ${values.jobs}`);
    // workers take tens of milliseconds to start: let them boot while the trust
    // store loads and the folders are walked. One file is hashed by one thread
    // anyway: then none (each would cost ~25 ms of CPU to start, for nothing).
    pool = jobs > 1 && !singleFile(positionals) ? new HashPool(jobs) : null;
    try {
      trust = await loadTrustStore(values.trust && values.trust.length > 0 ? values.trust : [defaultTrustDir()]);
    } catch (e) {
      throw new UsageError(`--trust: ${(e as Error).message}`);
    }
    for (const s of trust.skipped) io.stderr.write(`portalsync verify: trust store: skipped ${s.file}: ${s.reason}\n`);
    try {
      crls = await loadCrlFiles(values.crl ?? []);
    } catch (e) {
      throw new UsageError(`--crl: ${(e as Error).message}`);
    }
    files = await expandPaths(positionals);
    if (files.length === 0) throw new UsageError(`no PDF files found in ${positionals.join(" ")}`);
  } catch (e) {
    await pool?.close();
    if (e instanceof UsageError) {
      io.stderr.write(`portalsync verify: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }

  const hasher: RangeHasher = pool ?? localHasher;
  const opts = { trust, crls, at, allowSha1: values["allow-sha1"], hasher };
  const counts: Record<FileStatus, number> = { valid: 0, invalid: 0, indeterminate: 0, unsigned: 0, error: 0 };
  try {
    // a bounded window of files in flight; results are written in input order
    const window = Math.max(4, jobs * 8);
    const pending = new Map<number, Promise<FileReport>>();
    let next = 0;
    const start = (i: number) => pending.set(i, verifyOne(files[i]!, opts));
    while (next < files.length && pending.size < window) start(next++);
    for (let i = 0; i < files.length; i++) {
      const report = await pending.get(i)!;
      pending.delete(i);
      if (next < files.length) start(next++);
      counts[report.status]++;
      const out = values.json ? toJsonLine(report, files[i]!.path) + "\n" : human(report, files[i]!.path);
      if (!io.stdout.write(out)) await new Promise<void>((r) => io.stdout.once("drain", () => r()));
    }
  } finally {
    await pool?.close();
  }
  if (!values.json) {
    const parts = (Object.keys(counts) as FileStatus[]).filter((k) => counts[k] > 0).map((k) => `${counts[k]} ${STATUS_TEXT[k]}`);
    io.stdout.write(`\nTổng cộng / total: ${files.length} tệp / files — ${parts.join(", ")}\n`);
  }
  return counts.valid === files.length ? 0 : 1;
}

function singleFile(paths: string[]): boolean {
  if (paths.length !== 1) return false;
  try {
    return statSync(paths[0]!).isFile();
  } catch {
    return false;
  }
}

async function verifyOne(entry: WalkEntry, opts: Parameters<typeof verifyPdfFile>[1]): Promise<FileReport> {
  if (entry.error !== undefined) return { status: "error", error: entry.error, signatures: [] };
  try {
    return await verifyPdfFile(entry.path, opts);
  } catch (e) {
    // a bug must not take the whole batch down: report it for this file
    return { status: "error", error: `internal error: ${(e as Error).message}`, signatures: [] };
  }
}

const MARK: Record<FileStatus, string> = { valid: "✔", invalid: "✘", indeterminate: "?", unsigned: "–", error: "!" };

function human(r: FileReport, file: string): string {
  let s = `${MARK[r.status]} ${STATUS_TEXT[r.status]}  ${file}\n`;
  if (r.error) s += `    ${r.error}\n`;
  r.signatures.forEach((sig, i) => {
    const who = sig.signer ? [sig.signer.commonName, sig.signer.organization].filter(Boolean).join(" — ") : "(không rõ người ký / unknown signer)";
    s += `    #${i + 1} ${sig.field}: ${who}\n`;
    s += `       ${sig.indication}${sig.subIndication ? `/${sig.subIndication}` : ""}; ${sig.subFilter ?? "?"}, ${sig.signatureAlgorithm ?? "?"}/${sig.digestAlgorithm ?? "?"}; ký lúc / signed ${sig.signingTime ?? "?"}`;
    s += sig.coversWholeDocument ? "; toàn bộ văn bản / whole document\n" : `; thay đổi sau khi ký / later changes: ${sig.laterChanges}\n`;
    for (const m of sig.messages.slice(0, 6)) s += `       - ${m}\n`;
  });
  return s;
}
