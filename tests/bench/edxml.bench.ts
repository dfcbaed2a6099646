// Benchmark of parsing a large edXML package (run: npm run bench -- edxml, or
// npx tsx tests/bench/edxml.bench.ts [--mib 44] [--runs 5]).
// Builds, in a temporary folder, a package from the repository's signed
// fixture with one zipped attachment of --mib MiB of random bytes (base64 in
// 76-column lines: 44 MiB gives ~60 MB, issue #15's case). In the same run,
// alternating so that load from other processes hits all alike, it measures:
//   (a) reading the file and SHA-256 over it in 256 KB chunks: the floor
//   (b) parseEdxmlFile on this thread (spool, parse, decode to files)
//   (c) parseEdxmlFileOffThread (the same in the worker thread, as the hub
//       runs it), with the event-loop delay of this thread meanwhile
//   (d) the in-memory parser on the whole file (what the hub did before)
// and reports medians as ratios to (a), and the peak RSS growth of (c) and (d).
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { once } from "node:events";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { zipSync } from "fflate";
import { parseEdxmlFileOffThread, stopParseWorker } from "../../connectors/edxml-inbox/offthread.ts";
import { parseEdxmlFile } from "../../connectors/edxml-inbox/package-file.ts";
import { parseEdxmlPackage, type EdxmlDocumentPackage } from "../../connectors/edxml-inbox/parse.ts";

const repo = resolve(fileURLToPath(new URL("../../", import.meta.url)));
const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const MIB = arg("--mib", 44);
const RUNS = arg("--runs", 5);
const limits = { maxBytes: 1 << 30, maxAttachmentBytes: 1 << 30, maxTotalAttachmentBytes: 1 << 30 };

const work = await mkdtemp(join(tmpdir(), "portalsync-bench-edxml-"));
const file = join(work, "large.edxml");
const content = randomBytes(MIB * 1024 * 1024);
const expected = createHash("sha256").update(content).digest("hex");
{
  const xml = await readFile(join(repo, "tests/fixtures/edxml/signed-rsa-sha256.edxml"), "utf8");
  const match = /(<edXML:ContentTransferEncoded[^>]*>)[\s\S]*?(<\/edXML:ContentTransferEncoded>)/.exec(xml)!;
  const zip = zipSync({ "ho-so.bin": [content, { level: 0 }] });
  const out = createWriteStream(file);
  out.write(xml.slice(0, match.index + match[1]!.length));
  for (let at = 0; at < zip.length; at += 57 * 4096) {
    const slice = zip.subarray(at, Math.min(zip.length, at + 57 * 4096));
    let text = "";
    for (let k = 0; k < slice.length; k += 57) text += `\n${Buffer.from(slice.subarray(k, k + 57)).toString("base64")}`;
    if (!out.write(text)) await once(out, "drain");
  }
  out.end(`\n${xml.slice(match.index + match[0].length - match[2]!.length)}`);
  await once(out, "finish");
}

function check(pkg: EdxmlDocumentPackage | unknown): void {
  const sha = (pkg as EdxmlDocumentPackage).attachments?.[0]?.sha256;
  if (sha !== expected) throw new Error(`wrong attachment: ${sha}`);
}

/** Time of fn, with this process's RSS peak above its start (sampled every 20 ms). */
async function measure(fn: () => Promise<void>): Promise<{ ms: number; rssMiB: number }> {
  const base = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = performance.now();
  await fn();
  const ms = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { ms, rssMiB: (peak - base) / 2 ** 20 };
}

const cases: Record<string, () => Promise<void>> = {
  "(a) read + SHA-256": async () => {
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) hash.update(chunk as Buffer);
    hash.digest();
  },
  "(b) parseEdxmlFile, this thread": async () => {
    const parsed = await parseEdxmlFile(file, { ...limits, tmpDir: work });
    check(parsed.pkg);
    await parsed.dispose();
  },
  "(c) parseEdxmlFileOffThread": async () => {
    const parsed = await parseEdxmlFileOffThread(file, { ...limits, tmpDir: work });
    check(parsed.pkg);
    await parsed.dispose();
  },
  "(d) in memory (before)": async () => {
    check(parseEdxmlPackage(await readFile(file), limits));
  },
};

const results: Record<string, { ms: number[]; rss: number[] }> = {};
const delay = monitorEventLoopDelay({ resolution: 10 });
let offThreadLoopMax = 0;
await parseEdxmlFileOffThread(file, { ...limits, tmpDir: work }).then((p) => p.dispose()); // worker start, untimed
for (let run = 0; run < RUNS; run++) {
  for (const [name, fn] of Object.entries(cases)) {
    if (global.gc) global.gc();
    if (name.startsWith("(c)")) delay.enable();
    const r = await measure(fn);
    if (name.startsWith("(c)")) {
      delay.disable();
      offThreadLoopMax = Math.max(offThreadLoopMax, delay.max / 1e6);
      delay.reset();
    }
    (results[name] ??= { ms: [], rss: [] }).ms.push(r.ms);
    results[name]!.rss.push(r.rssMiB);
  }
}
await stopParseWorker();
await rm(work, { recursive: true, force: true });

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const floor = median(results["(a) read + SHA-256"]!.ms);
console.log(`edXML package of ${(content.length / 2 ** 20).toFixed(0)} MiB attachment, ${RUNS} runs, medians; load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
for (const [name, r] of Object.entries(results)) {
  console.log(`${name.padEnd(34)} ${median(r.ms).toFixed(0).padStart(6)} ms  ${(median(r.ms) / floor).toFixed(1).padStart(5)}× (a)  RSS peak +${Math.max(...r.rss).toFixed(0)} MiB`);
}
console.log(`event-loop delay of this thread during (c): max ${offThreadLoopMax.toFixed(0)} ms`);
