// Issue #15 item 3: a 60 MB edXML package froze the hub (upload answered after
// 19 s, /healthz after 16 s, RSS 1.5–1.7 GB; ingesting it froze it again).
// Against a real `portalsync serve` process: a ~60 MB package built at test
// time from a real message (the repository's signed fixture) with a 44 MiB
// zipped attachment is uploaded over HTTP and then ingested, while /healthz
// is polled every 100 ms and the process's RSS is sampled. The hub must keep
// answering within a second, grow by less than 4× the attachment, and store
// the attachment's bytes exactly.

import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { once } from "node:events";
import { zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/cli-process.ts";
import { startCluster, waitUntil, type Cluster, type HubProcess } from "../support/cluster.ts";
import { TEST_CA_DIR } from "../support/hub.ts";

const MiB = 1024 * 1024;
const ATTACHMENT_BYTES = 44 * MiB;
const TEMPLATE = path.join(REPO_ROOT, "tests/fixtures/edxml/signed-rsa-sha256.edxml");

let cluster: Cluster;
let hub: HubProcess;
let dir: string;
let inbox: string;
let packageFile: string;
let packageSize: number;
let attachmentSha256: string;

/** The real message with its attachment swapped for `content` (zipped, base64 in 76-column lines), streamed to `file`. */
async function writeLargePackage(file: string, content: Uint8Array): Promise<number> {
  const xml = await readFile(TEMPLATE, "utf8");
  const match = /(<edXML:ContentTransferEncoded[^>]*>)[\s\S]*?(<\/edXML:ContentTransferEncoded>)/.exec(xml);
  if (!match) throw new Error("the edXML template has no ContentTransferEncoded element");
  const head = xml.slice(0, match.index + match[1]!.length).replace(/(<(?:edXML:)?AttachmentName>)[^<]*(<\/)/g, "$1ho-so-kem-theo.bin$2");
  const tail = xml.slice(match.index + match[0].length - match[2]!.length);
  const zip = zipSync({ "ho-so-kem-theo.bin": [content, { level: 0 }] });
  const out = createWriteStream(file);
  let size = 0;
  const write = async (text: string) => {
    size += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, "drain");
  };
  await write(head);
  const LINE = 57; // 57 bytes → 76 base64 characters, as MIME senders wrap it
  for (let at = 0; at < zip.length; at += LINE * 4096) {
    const slice = zip.subarray(at, Math.min(zip.length, at + LINE * 4096));
    let text = "";
    for (let k = 0; k < slice.length; k += LINE) text += `\n${Buffer.from(slice.subarray(k, k + LINE)).toString("base64")}`;
    await write(text);
  }
  await write(`\n${tail}`);
  out.end();
  await once(out, "finish");
  return size;
}

/**
 * The hub's own event-loop delay, max since the previous scrape (prom-client's
 * monitorEventLoopDelay histogram is reset at every scrape of /metrics).
 */
async function eventLoopMaxMs(h: HubProcess): Promise<number> {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith("portalsync_process_nodejs_eventloop_lag_max_seconds"));
  if (!line) throw new Error("the hub's /metrics has no event-loop delay");
  return Number(line.slice(line.lastIndexOf(" ") + 1)) * 1000;
}

/** /healthz latency, RSS and the hub's event-loop delay, sampled until stop() while something else runs. */
function watch(h: HubProcess) {
  let running = true;
  const latencies: number[] = [];
  const rss: number[] = [];
  let failures = 0;
  const reset = eventLoopMaxMs(h);
  const loop = (async () => {
    await reset;
    while (running) {
      const started = performance.now();
      // A refused or reset connection counts as an unanswered poll, not a crash of the test.
      const status = await fetch(`${h.url}/healthz`).then(
        async (res) => (await res.arrayBuffer(), res.status),
        () => 0,
      );
      latencies.push(performance.now() - started);
      if (status !== 200) failures += 1;
      const r = await h.rss();
      if (r !== null) rss.push(r);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const loopMaxMs = await eventLoopMaxMs(h);
      return { healthzMaxMs: Math.max(...latencies), loopMaxMs, samples: latencies.length, failures, rssPeak: Math.max(...rss) };
    },
  };
}

async function settledRss(h: HubProcess): Promise<number> {
  await fetch(`${h.url}/healthz`);
  await new Promise((resolve) => setTimeout(resolve, 500));
  return (await h.rss())!;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "portalsync-edxml-large-"));
  inbox = path.join(dir, "inbox");
  const content = randomBytes(ATTACHMENT_BYTES);
  attachmentSha256 = createHash("sha256").update(content).digest("hex");
  packageFile = path.join(dir, "large.edxml");
  packageSize = await writeLargePackage(packageFile, content);
  cluster = await startCluster({
    hubs: 1,
    prefix: "portalsync_edxml_large",
    config: {
      verify: { trust: [TEST_CA_DIR] },
      sources: [
        {
          id: "inbox",
          connector: "edxml-inbox",
          name: "Hộp thư edXML",
          options: { folder: inbox, settleMs: 0, maxPackageBytes: 64 * MiB, maxAttachmentBytes: 48 * MiB },
        },
      ],
    },
  });
  hub = cluster.hubs[0]!;
}, 240_000);

afterAll(async () => {
  await cluster?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("a ~60 MB edXML package", () => {
  it("is uploaded without freezing the hub or growing it past 4× the attachment", async () => {
    expect(packageSize).toBeGreaterThan(58 * MiB);
    const before = await settledRss(hub);
    const watcher = watch(hub);
    const started = performance.now();
    const res = await fetch(`${hub.url}/api/v1/sources/inbox/edxml`, {
      method: "POST",
      body: await readFile(packageFile),
      headers: { authorization: `Bearer ${cluster.adminToken}`, "content-type": "application/xml" },
    });
    const body = (await res.json()) as { accepted?: boolean; summary?: { attachments?: { sha256: string; size: number }[] } };
    const seconds = (performance.now() - started) / 1000;
    const seen = await watcher.stop();
    console.log(
      `edxml upload of ${(packageSize / MiB).toFixed(1)} MiB: ${seconds.toFixed(1)} s, /healthz max ${seen.healthzMaxMs.toFixed(0)} ms over ${seen.samples} polls (${seen.failures} unanswered), event loop max ${seen.loopMaxMs.toFixed(0)} ms, ` +
        `RSS +${((seen.rssPeak - before) / MiB).toFixed(0)} MiB (before ${(before / MiB).toFixed(0)} MiB); load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`,
    );
    expect(res.status, JSON.stringify(body)).toBe(202);
    expect(body.summary?.attachments?.[0]).toMatchObject({ sha256: attachmentSha256, size: ATTACHMENT_BYTES });
    expect(seen.failures).toBe(0);
    expect(seen.healthzMaxMs).toBeLessThan(1000);
    expect(seen.loopMaxMs).toBeLessThan(1000);
    expect(seen.rssPeak - before).toBeLessThan(4 * ATTACHMENT_BYTES);
    const waiting = (await readdir(inbox)).filter((n) => n.endsWith(".edxml"));
    expect(waiting).toHaveLength(1);
  }, 240_000);

  it("is ingested without freezing the hub; the stored attachment is byte-identical", async () => {
    // Stands alone: when the upload did not leave the package in the inbox,
    // it is dropped into the folder, the inbox's other way in.
    if ((await readdir(inbox).catch(() => [])).filter((n) => n.endsWith(".edxml")).length === 0) {
      await mkdir(inbox, { recursive: true });
      await copyFile(packageFile, path.join(inbox, ".large.edxml.tmp"));
      await rename(path.join(inbox, ".large.edxml.tmp"), path.join(inbox, "large.edxml"));
    }
    const before = await settledRss(hub);
    const watcher = watch(hub);
    const started = performance.now();
    const res = await cluster.api(hub, "/api/v1/sources/inbox/runs", { json: { trigger: "manual" } });
    expect(res.status).toBeLessThan(300);
    const { runId } = (await res.json()) as { runId: string };
    const run = await waitUntil(
      "the inbox run to end",
      async () => {
        const r = await cluster.db.prisma.syncRun.findUniqueOrThrow({ where: { id: runId } });
        return !["queued", "running"].includes(r.status) && r;
      },
      240_000,
      250,
    );
    const seconds = (performance.now() - started) / 1000;
    const seen = await watcher.stop();
    console.log(
      `edxml ingest: ${seconds.toFixed(1)} s, /healthz max ${seen.healthzMaxMs.toFixed(0)} ms over ${seen.samples} polls (${seen.failures} unanswered), event loop max ${seen.loopMaxMs.toFixed(0)} ms, ` +
        `RSS +${((seen.rssPeak - before) / MiB).toFixed(0)} MiB (before ${(before / MiB).toFixed(0)} MiB); load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`,
    );
    expect(run.error, JSON.stringify(run)).toBeNull();
    const blob = await cluster.db.prisma.blob.findUnique({ where: { sha256: attachmentSha256 } });
    expect(blob, `run: ${JSON.stringify(run)}`).not.toBeNull();
    expect(Number(blob!.size)).toBe(ATTACHMENT_BYTES);
    // The bytes on disk, hashed again here: the hub's own check is not the witness.
    const stored = path.join(cluster.env.PORTALSYNC_DATA_DIR!, "blobs", attachmentSha256.slice(0, 2), attachmentSha256.slice(2, 4), attachmentSha256);
    expect(createHash("sha256").update(await readFile(stored)).digest("hex")).toBe(attachmentSha256);
    expect(seen.failures).toBe(0);
    expect(seen.healthzMaxMs).toBeLessThan(1000);
    expect(seen.loopMaxMs).toBeLessThan(1000);
    expect(seen.rssPeak - before).toBeLessThan(4 * ATTACHMENT_BYTES);
  }, 300_000);
});
