// Benchmark of `portalsync verify` (run: npm run bench -- verify, or
// npx tsx tests/bench/verify.bench.ts [--files N] [--keep] [--generate-only]).
// Generates, in a temporary folder (not committed), N (default 400) signed PDFs of
// mixed size 0.1–3 MB: one template per size class is signed with the test key
// (OpenSSL CMS), then each copy gets a distinct incremental update (a new /Info),
// which keeps it valid. Then, in the same run, it measures:
//   (a) openssl dgst -sha256 over the same files (one process; the floor)
//   (b) one `portalsync verify --json` process over the folder, started the way
//       users start it: bin/portalsync.js, which runs the dist/ bundle (rebuilt
//       here first, untimed, so it matches the sources)
//   (b') the same from the TypeScript sources through tsx, for reference
//   (c) pdfsig per file, on a sample, extrapolated
// and the peak RSS of (b) for 100 and for all files. (a) and (b) alternate run by
// run so that load from other processes hits both alike; medians are reported.
// Needs openssl; pdfsig optional.
import { spawnSync } from "node:child_process";
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { writePaddedPdf } from "../fixtures/pki/padded-pdf.ts";

const repo = resolve(fileURLToPath(new URL("../../", import.meta.url)));
const pki = resolve(repo, "tests/fixtures/pki");
const argN = process.argv.indexOf("--files");
const N = argN > 0 ? Number(process.argv[argN + 1]) : 400;
const SIZES_MB = [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3];
const RUNS = 5;
const generateOnly = process.argv.includes("--generate-only");
const keep = generateOnly || process.argv.includes("--keep");

const work = mkdtempSync(join(tmpdir(), "portalsync-bench-"));
const all = join(work, "all");
const hundred = join(work, "hundred");
mkdirSync(all);
mkdirSync(hundred);

function sh(cmd: string, args: string[], opts: { input?: string } = {}) {
  const r = spawnSync(cmd, args, { encoding: "buffer", maxBuffer: 1 << 30, input: opts.input });
  if (r.error) throw r.error;
  return r;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeIt(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

try {
  console.log(`generating ${N} signed PDFs in ${work} ...`);
  const files: string[] = [];
  let totalBytes = 0;
  SIZES_MB.forEach((mb, cls) => {
    const payload = Math.round(mb * 1024 * 1024) - 20_000;
    const tpl = join(work, `tpl-${cls}.pdf`);
    const layout = writePaddedPdf(tpl, payload, 1000 + cls);
    const bytes = readFileSync(tpl);
    writeFileSync(join(work, "ranges.bin"), Buffer.concat([bytes.subarray(0, layout.gapStart), bytes.subarray(layout.gapEnd)]));
    const r = sh("openssl", ["cms", "-sign", "-binary", "-nosmimecap", "-cades", "-in", join(work, "ranges.bin"), "-signer", join(pki, "certs/seal.pem"),
      "-inkey", join(pki, "keys/seal.key"), "-certfile", join(pki, "certs/inter.pem"), "-md", "sha256", "-outform", "DER", "-out", join(work, "sig.der")]);
    if (r.status !== 0) throw new Error(`openssl cms failed: ${r.stderr}`);
    writePaddedPdf(tpl, payload, 1000 + cls, readFileSync(join(work, "sig.der")).toString("hex").toUpperCase());
    const perClass = Math.ceil(N / SIZES_MB.length);
    for (let i = 0; i < perClass && files.length < N; i++) {
      const f = join(all, `doc-${String(cls).padStart(2, "0")}-${String(i).padStart(4, "0")}.pdf`);
      copyFileSync(tpl, f);
      // a distinct incremental update: new document information, allowed after signing
      const size = statSync(f).size;
      const prev = layoutStartxref(readFileSync(tpl));
      const obj = `8 0 obj\n<< /Title (Ban sao ${cls}-${i}) /Producer (portalsync bench) >>\nendobj\n`;
      const xref = `xref\n0 1\n0000000000 65535 f \n8 1\n${String(size).padStart(10, "0")} 00000 n \ntrailer\n<< /Size 9 /Root 1 0 R /Info 8 0 R /Prev ${prev} >>\nstartxref\n${size + obj.length}\n%%EOF\n`;
      appendFileSync(f, obj + xref);
      files.push(f);
      totalBytes += size + obj.length + xref.length;
      if (i < Math.ceil(100 / SIZES_MB.length) && statSyncCount(hundred) < 100) symlinkSync(f, join(hundred, f.split("/").pop()!));
    }
  });
  console.log(`${files.length} files, ${(totalBytes / 1024 / 1024).toFixed(0)} MB total`);
  // --generate-only (implies --keep): the files for profiling or CPU-time runs, without the timed part
  if (generateOnly) {
    console.log(`kept ${work}`);
    process.exit(0);
  }

  // warm the page cache once so every contender reads from memory
  sh("cat", files.slice(0, 1)).status;
  for (const f of files) readFileSync(f).length;

  // the launcher runs dist/ only when it matches the sources: build it now (untimed)
  const built = spawnSync(process.execPath, [resolve(repo, "scripts/build.mjs"), "--quiet", "--strict"], { cwd: repo, encoding: "utf8" });
  if (built.status !== 0) console.log(`WARNING: the bundle did not build, (b) runs from the sources:\n${built.stderr}`);

  const bin = resolve(repo, "bin/portalsync.js");
  // a preload that prints the process's peak RSS on exit (plain JS: no loader in the bundled path)
  const rssPreload = pathToFileURL(resolve(repo, "tests/bench/report-rss.mjs")).href;
  // and one that prints its CPU time (user + system, all threads): on a shared machine wall
  // times follow other processes' load, CPU time much less
  const cpuPreload = `data:text/javascript,${encodeURIComponent("process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write('cpuUs='+(u.user+u.system)+'\\n')})")}`;
  const runVerify = (dir: string, fromSource = false) => {
    let rss = 0;
    let cpu = 0;
    let lines: { status: string }[] = [];
    const ms = timeIt(() => {
      const r = spawnSync(process.execPath, ["--import", rssPreload, "--import", cpuPreload, bin, "verify", "--json", "--trust", join(pki, "trust"), dir], {
        cwd: repo,
        encoding: "utf8",
        maxBuffer: 1 << 30,
        env: { ...process.env, PORTALSYNC_FROM_SOURCE: fromSource ? "1" : "0" },
      });
      lines = r.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
      rss = Number(/maxRSS=(\d+)/.exec(r.stderr)?.[1] ?? 0) / 1024;
      cpu = Number(/cpuUs=(\d+)/.exec(r.stderr)?.[1] ?? 0) / 1000;
    });
    return { ms, rss, cpu, lines };
  };
  // openssl's CPU time through GNU time when it is installed
  const gnuTime = sh("sh", ["-c", "test -x /usr/bin/time && /usr/bin/time -f x true"]).status === 0;
  const opensslCpu: number[] = [];
  const opensslOnce = () => timeIt(() => {
    const out = join(work, "time.txt");
    const r = gnuTime ? sh("/usr/bin/time", ["-o", out, "-f", "%U %S", "openssl", "dgst", "-sha256", ...files]) : sh("openssl", ["dgst", "-sha256", ...files]);
    if (r.status !== 0) throw new Error("openssl dgst failed");
    if (gnuTime) opensslCpu.push(readFileSync(out, "utf8").trim().split(/\s+/).map(Number).reduce((a, b) => a + b, 0) * 1000);
  });

  // (a) and (b), alternating
  const loadStart = loadavg();
  const opensslRuns: number[] = [];
  const verifyRuns: ReturnType<typeof runVerify>[] = [];
  for (let i = 0; i < RUNS; i++) {
    opensslRuns.push(opensslOnce());
    verifyRuns.push(runVerify(all));
  }
  const tOpenssl = median(opensslRuns);
  const tVerify = median(verifyRuns.map((r) => r.ms));
  const valid = Math.min(...verifyRuns.map((r) => r.lines.filter((l) => l.status === "valid").length));
  if (valid !== files.length) console.log(`WARNING: only ${valid}/${files.length} files came out valid`);
  const rss400 = Math.max(...verifyRuns.map((r) => r.rss));
  const rss100 = Math.max(...Array.from({ length: 3 }, () => runVerify(hundred).rss));
  // (b') from the sources through tsx, as before the bundle existed
  const tFromSource = median(Array.from({ length: 3 }, () => runVerify(all, true).ms));
  // process start-up alone (node + launcher + module graph), to separate it from per-file work
  const tStartup = median(Array.from({ length: RUNS }, () => timeIt(() => {
    spawnSync(process.execPath, [bin, "verify", "--help"], { cwd: repo, env: { ...process.env, PORTALSYNC_FROM_SOURCE: "0" } });
  })));

  // (c) pdfsig per file, sampled
  let tPdfsigTotal: number | null = null;
  let sampleSize = 0;
  if (sh("sh", ["-c", "command -v pdfsig"]).status === 0) {
    const sample = SIZES_MB.flatMap((_, cls) => files.filter((f) => f.includes(`doc-${String(cls).padStart(2, "0")}-`)).slice(0, 5));
    sampleSize = sample.length;
    const per = sample.map((f) => timeIt(() => sh("pdfsig", [f])));
    tPdfsigTotal = (per.reduce((a, b) => a + b, 0) / per.length) * files.length;
  }

  const mbps = totalBytes / 1024 / 1024 / (tVerify / 1000);
  console.log("");
  const runs = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(", ");
  // other processes on the machine skew wall times: show how busy it was
  console.log(`load average ${loadStart.map((l) => l.toFixed(1)).join(" ")} at the start, ${loadavg().map((l) => l.toFixed(1)).join(" ")} at the end (${cpus().length} CPUs)`);
  console.log(`(a) openssl dgst -sha256, ${files.length} files:        ${tOpenssl.toFixed(0)} ms (median of ${RUNS}: ${runs(opensslRuns)})${opensslCpu.length ? `; CPU ${median(opensslCpu).toFixed(0)} ms` : ""}`);
  console.log(`(b) portalsync verify --json, one process:       ${tVerify.toFixed(0)} ms (median of ${RUNS}: ${runs(verifyRuns.map((r) => r.ms))}; ${valid}/${files.length} valid; ${mbps.toFixed(0)} MB/s incl. startup; ${built.status === 0 ? "bundle" : "from source"})`);
  console.log(`    CPU time (user + system, all threads): ${median(verifyRuns.map((r) => r.cpu)).toFixed(0)} ms (median; ${runs(verifyRuns.map((r) => r.cpu))})`);
  console.log(`    of which process start-up (\`portalsync verify --help\`): ${tStartup.toFixed(0)} ms; per-file work: ${(tVerify - tStartup).toFixed(0)} ms`);
  console.log(`(b') the same from the TypeScript sources (tsx):  ${tFromSource.toFixed(0)} ms (median of 3)`);
  if (tPdfsigTotal !== null) console.log(`(c) pdfsig per file: ${sampleSize} sampled files, extrapolated to ${files.length}: ${tPdfsigTotal.toFixed(0)} ms`);
  else console.log("(c) pdfsig not installed: not measured");
  console.log("");
  console.log(`verify / openssl = ${(tVerify / tOpenssl).toFixed(2)}x   (target <= 1.5x)`);
  if (tPdfsigTotal !== null) console.log(`pdfsig / verify  = ${(tPdfsigTotal / tVerify).toFixed(1)}x   (target >= 10x; pdfsig extrapolated from a sample)`);
  console.log(`peak RSS of the verify process: ${rss100.toFixed(0)} MB for 100 files, ${rss400.toFixed(0)} MB for ${files.length} files`);
} finally {
  // --keep leaves the generated files for profiling (`portalsync verify --jobs 1 <dir>/all`)
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

function layoutStartxref(buf: Buffer): number {
  const i = buf.lastIndexOf("startxref");
  return Number(/startxref\s+(\d+)/.exec(buf.subarray(i, i + 40).toString("latin1"))![1]);
}

function statSyncCount(dir: string): number {
  return spawnSync("ls", [dir], { encoding: "utf8" }).stdout.split("\n").filter(Boolean).length;
}
