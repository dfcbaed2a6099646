// Issue 15, item 1: every route refuses a body over its own limit (413) before
// reading it (declared Content-Length) or as it streams (chunked), so memory
// stays flat and the hub keeps answering. The hub runs in this process, so its
// RSS is this process's.

import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHub, type TestHub } from "../support/hub.ts";

let hub: TestHub;
let inbox: string;
const MiB = 1024 * 1024;
const UPLOAD_LIMIT = 4 * MiB;
const PACKAGE_LIMIT = 3 * MiB;

beforeAll(async () => {
  inbox = await mkdtemp(path.join(os.tmpdir(), "portalsync-limits-inbox-"));
  hub = await startTestHub({
    ingest: { maxFileBytes: UPLOAD_LIMIT },
    sources: [{ id: "hop-thu", connector: "edxml-inbox", name: "Hộp thư", options: { folder: inbox, maxPackageBytes: PACKAGE_LIMIT } }],
  });
});
afterAll(async () => {
  await hub?.close();
  await rm(inbox, { recursive: true, force: true });
});

interface Streamed {
  status: number | null;
  /** Bytes the client had handed to the socket when the answer arrived. */
  sentAtAnswer: number;
  body: string;
  /** Peak RSS growth over the request, sampled every 10 ms. */
  rssGrowth: number;
  /** /healthz statuses asked while the body was streaming. */
  healthz: number[];
}

/** Streams `total` bytes without Content-Length (chunked) until the server answers or hangs up. */
function streamChunked(url: string, total: number, headers: Record<string, string>, prefix = ""): Promise<Streamed> {
  const base = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const healthz: number[] = [];
  let probing = true;
  const probe = async () => {
    while (probing) {
      const res = await fetch(new URL("/healthz", url)).catch(() => null);
      if (res) {
        healthz.push(res.status);
        await res.body?.cancel();
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  void probe();
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(256 * 1024, "a");
    let sent = 0;
    let answered: { status: number; sentAtAnswer: number; body: string } | null = null;
    const done = () => {
      clearInterval(sampler);
      probing = false;
      if (!answered) return reject(new Error(`no answer after sending ${sent} bytes`));
      resolve({ ...answered, rssGrowth: peak - base, healthz });
    };
    const req = http.request(url, { method: "POST", headers });
    if (prefix) {
      req.write(prefix);
      sent += prefix.length;
    }
    req.on("response", (res) => {
      const sentAtAnswer = sent;
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => {
        answered = { status: res.statusCode ?? 0, sentAtAnswer, body };
        req.destroy();
        done();
      });
    });
    req.on("error", () => (answered ? undefined : setTimeout(done, 200)));
    const pump = () => {
      while (!answered && !req.destroyed && sent < total + prefix.length) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (sent >= total + prefix.length && !req.destroyed) req.end();
    };
    pump();
  });
}

/** Declares `declared` bytes, sends only the headers, and waits up to `waitMs` for an answer. */
function declareOnly(url: string, declared: number, headers: Record<string, string>, waitMs = 5000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", headers: { ...headers, "content-length": String(declared) } });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer within ${waitMs} ms to a declared ${declared}-byte body`));
    }, waitMs);
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => {
        clearTimeout(timer);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on("error", () => undefined);
    req.write("username=a&password="); // a few bytes; the rest never comes
  });
}

describe("request body limits", () => {
  it("cuts a 200 MB chunked form to /console/login early: 413, flat memory, /healthz answering", { timeout: 60_000 }, async () => {
    const result = await streamChunked(`${hub.url}/console/login`, 200 * MiB, {
      origin: hub.url,
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(result.status).toBe(413);
    // Answered long before the body was through (socket buffers hold a few MB).
    expect(result.sentAtAnswer).toBeLessThan(32 * MiB);
    expect(result.rssGrowth).toBeLessThan(64 * MiB);
    expect(result.healthz.length).toBeGreaterThan(0);
    expect(result.healthz.every((s) => s === 200)).toBe(true);
    // The hub still answers normally afterwards.
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
  });

  it("still reads a chunked form within the limit", async () => {
    const res = await streamChunked(`${hub.url}/console/login`, 0, { origin: hub.url, "content-type": "application/x-www-form-urlencoded" }, "username=admin&password=sai-mat-khau");
    expect(res.status).toBe(401);
    expect(res.body).toContain("Sai tên đăng nhập hoặc mật khẩu");
  });

  it("refuses a declared oversize form before reading it", async () => {
    const res = await declareOnly(`${hub.url}/console/login`, 1024 * MiB, { origin: hub.url, "content-type": "application/x-www-form-urlencoded" });
    expect(res.status).toBe(413);
  });

  it("limits every JSON API route, whatever the content type, signed in or not", async () => {
    for (const type of ["application/json", "text/plain", "application/x-www-form-urlencoded"]) {
      const res = await declareOnly(`${hub.url}/api/v1/users`, 2 * MiB, { "content-type": type });
      expect(res.status, type).toBe(413);
      expect(JSON.parse(res.body).error).toMatch(/larger than/);
    }
    const chunked = await streamChunked(`${hub.url}/api/v1/sources/hop-thu/runs`, 50 * MiB, { "content-type": "text/plain" });
    expect(chunked.status).toBe(413);
    expect(chunked.sentAtAnswer).toBeLessThan(32 * MiB);
  });

  it("gives uploads the configured limit: public verify and a connector's upload route", async () => {
    // Over the form/JSON limits but under the upload limit: not refused for its size.
    const small = await declareOnly(`${hub.url}/api/v1/sources/hop-thu/edxml`, 2 * MiB, { "content-type": "application/xml" });
    expect(small.status).toBe(401);
    // Over the inbox's own configured package limit.
    const big = await declareOnly(`${hub.url}/api/v1/sources/hop-thu/edxml`, PACKAGE_LIMIT + MiB, { "content-type": "application/xml" });
    expect(big.status).toBe(413);
    const verify = await declareOnly(`${hub.url}/api/v1/public/verify`, UPLOAD_LIMIT + MiB, { "content-type": "multipart/form-data; boundary=x" });
    expect(verify.status).toBe(413);
    // A chunked upload past the limit is cut as it streams.
    const boundary = "----portalsync";
    const chunked = await streamChunked(`${hub.url}/api/v1/public/verify`, 100 * MiB, { "content-type": `multipart/form-data; boundary=${boundary}` });
    expect(chunked.status).not.toBe(200);
    expect(chunked.sentAtAnswer).toBeLessThan(UPLOAD_LIMIT + 32 * MiB);
    expect(chunked.rssGrowth).toBeLessThan(64 * MiB);
  });
});
