// Issue #12 item 10: `portalsync verify DIR` reports every entry it cannot
// verify (unreadable folders, dangling links, FIFOs, folders named *.pdf) and
// never blocks on a FIFO.
import { describe, expect, it } from "vitest";
import { spawnSync, execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PassThrough } from "node:stream";
import { pdf, pkiDir, repoRoot } from "./test-support.ts";
import { runVerifyCommand } from "./verify-command.ts";

async function run(args: string[]) {
  const stdout = new PassThrough();
  let out = "";
  stdout.on("data", (d) => (out += d));
  const code = await runVerifyCommand(["--trust", resolve(pkiDir, "trust"), "--json", ...args], { stdout, stderr: new PassThrough() });
  return { code, lines: out.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as { file: string; status: string; error?: string }) };
}

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "portalsync-walk-"));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** `portalsync verify` in a child process (killed after 30 s: a blocked open must fail the test, not hang it). */
function child(args: string[], uid?: number) {
  const r = spawnSync(process.execPath, ["--import", "tsx", resolve(repoRoot, "src/verify/main.ts"), "--json", "--jobs", "1", "--trust", resolve(pkiDir, "trust"), ...args], {
    cwd: repoRoot,
    encoding: "utf8",
    timeout: 30_000,
    ...(uid === undefined ? {} : { uid, gid: uid, env: { ...process.env, HOME: tmpdir() } }),
  });
  return { status: r.status, signal: r.signal, lines: r.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as { file: string; status: string; error?: string }) };
}

describe("folder walk: nothing skipped without a word", () => {
  it(
    "dangling .pdf links, FIFOs and folders named *.pdf each get an error line; links to folders are followed once",
    withDir(async (dir) => {
      copyFileSync(pdf("unsigned.pdf"), join(dir, "a.pdf"));
      execFileSync("mkfifo", [join(dir, "pipe.pdf")]);
      symlinkSync(join(dir, "missing.pdf"), join(dir, "dangling.pdf"));
      mkdirSync(join(dir, "folder.pdf"));
      copyFileSync(pdf("rsa-sha256-cades.pdf"), join(dir, "folder.pdf", "inside.pdf"));
      mkdirSync(join(dir, "sub"));
      copyFileSync(pdf("unsigned.pdf"), join(dir, "sub", "c.pdf"));
      symlinkSync(join(dir, "sub"), join(dir, "sub-link")); // the same folder again
      symlinkSync(dir, join(dir, "sub", "loop")); // a cycle
      const { code, lines } = await run([dir]);
      expect(code).toBe(1);
      const by = Object.fromEntries(lines.map((l) => [l.file.slice(dir.length + 1), l]));
      expect(Object.keys(by)).toEqual(["a.pdf", "dangling.pdf", "folder.pdf", "folder.pdf/inside.pdf", "pipe.pdf", "sub/c.pdf"]);
      expect(by["a.pdf"]!.status).toBe("unsigned");
      expect(by["dangling.pdf"]).toMatchObject({ status: "error", error: expect.stringMatching(/dangling symbolic link/) });
      expect(by["folder.pdf"]).toMatchObject({ status: "error", error: expect.stringMatching(/a folder named like a PDF file/) });
      expect(by["folder.pdf/inside.pdf"]!.status).toBe("valid");
      expect(by["pipe.pdf"]).toMatchObject({ status: "error", error: expect.stringMatching(/FIFO/) });
      expect(by["sub/c.pdf"]!.status).toBe("unsigned");
    }),
  );

  it(
    "an explicit FIFO argument is refused at once, in the command and in the library",
    withDir(async (dir) => {
      const fifo = join(dir, "x.pdf");
      execFileSync("mkfifo", [fifo]);
      const r = child([fifo]);
      expect(r.signal).toBeNull(); // not killed by the timeout
      expect(r.status).toBe(1);
      expect(r.lines).toEqual([{ file: fifo, status: "error", error: expect.stringMatching(/FIFO/), signatures: [] }]);
      // the hub's path (ingest) opens files through the same source, without the
      // walk's stat; in a child too, so that a regression hangs nothing
      const script = `import { verifyPdfFile, emptyTrustStore } from ${JSON.stringify(resolve(repoRoot, "src/verify/index.ts"))};
        console.log(JSON.stringify(await verifyPdfFile(${JSON.stringify(fifo)}, { trust: emptyTrustStore() })));`;
      const lib = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: repoRoot, encoding: "utf8", timeout: 30_000 });
      expect(lib.signal).toBeNull();
      expect(JSON.parse(lib.stdout)).toMatchObject({ status: "error", error: expect.stringMatching(/cannot open file: a FIFO \(named pipe\), not a regular file/) });
    }),
    40_000,
  );

  it(
    "an unreadable folder gets an error line, the rest is verified",
    withDir(async (dir) => {
      chmodSync(dir, 0o755);
      copyFileSync(pdf("unsigned.pdf"), join(dir, "a.pdf"));
      mkdirSync(join(dir, "locked"));
      copyFileSync(pdf("unsigned.pdf"), join(dir, "locked", "hidden.pdf"));
      chmodSync(join(dir, "locked"), 0);
      // root reads any folder: then run the command as an unprivileged user, so
      // the kernel really refuses (as it would for a clerk's account)
      const asRoot = process.getuid?.() === 0;
      const lines = asRoot ? child([dir], 65534).lines : (await run([dir])).lines;
      chmodSync(join(dir, "locked"), 0o755);
      expect(lines.map((l) => [l.file.slice(dir.length + 1), l.status])).toEqual([
        ["a.pdf", "unsigned"],
        ["locked", "error"],
      ]);
      expect(lines[1]!.error).toMatch(/cannot read folder \(EACCES/);
    }),
    40_000,
  );
});
