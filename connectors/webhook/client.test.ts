import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { OutboundMessage } from "../sdk.ts";
import { classifyStatus, createWebhookClient, MAX_RESPONSE_BYTES, remoteIdFrom, USER_AGENT } from "./client.ts";
import { createReceiverSimulator, serveReceiver, type ServedReceiver } from "./receiver-simulator.ts";
import { generateSecret } from "./signature.ts";

const secret = generateSecret();
const otherSecret = generateSecret();
const sim = createReceiverSimulator({ sites: { binhson: { secrets: [secret] }, sonha: { secrets: [otherSecret] } } });
let server: ServedReceiver;

const client = createWebhookClient({
  fetch: globalThis.fetch,
  now: () => new Date(),
  timeoutMs: 2_000,
  log: pino({ level: "silent" }),
  sleep: async () => {},
});

let counter = 0;
function message(type: string, data: Record<string, unknown>, id = `msg_${++counter}`): OutboundMessage {
  return {
    id,
    timestamp: Math.floor(Date.now() / 1000),
    body: JSON.stringify({ type, timestamp: new Date().toISOString(), data: { version: 1, site: "binhson", section: "van-ban", ...data } }),
  };
}

beforeAll(async () => {
  server = await serveReceiver(sim);
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  sim.clear();
  for (const name of sim.sites()) sim.configure(name, { down: false, gone: false, slowMs: 0, failNext: 0, rejectNext: 0 });
});

describe("client against the receiver simulator over HTTP", () => {
  it("delivers, gets a remoteId, and sends the Standard Webhooks headers", async () => {
    const seen: Headers[] = [];
    const recording = createWebhookClient({
      fetch: (input, init) => {
        seen.push(new Headers(init?.headers));
        return fetch(input, init);
      },
      now: () => new Date(),
      timeoutMs: 2_000,
    });
    const msg = message("document.published", { id: "doc-1", title: "Quyết định 152/QĐ-UBND", number: "152/QĐ-UBND" });
    const result = await recording.send(server.endpoint("binhson"), [secret], msg);
    expect(result).toMatchObject({ outcome: "delivered", status: 200, remoteId: "binhson-1", error: null, retryAfterMs: null });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    const headers = seen[0]!;
    expect(headers.get("webhook-id")).toBe(msg.id);
    expect(headers.get("webhook-timestamp")).toBe(String(msg.timestamp));
    expect(headers.get("webhook-signature")).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(headers.get("content-type")).toBe("application/json");
    expect(headers.get("user-agent")).toBe(USER_AGENT);
    expect(USER_AGENT).toMatch(/^portalsync\/\d+\.\d+\.\d+/);
    expect(sim.item("binhson", "doc-1", "van-ban")).toMatchObject({ status: "published", remoteId: "binhson-1", version: 1 });
  });

  it("updates and withdraws the same remote item with its remoteId", async () => {
    await client.send(server.endpoint("binhson"), [secret], message("document.published", { id: "doc-2" }));
    const updated = await client.send(
      server.endpoint("binhson"),
      [secret],
      message("document.updated", { id: "doc-2", version: 2, remoteId: "binhson-1" }),
    );
    expect(updated).toMatchObject({ outcome: "delivered", remoteId: "binhson-1" });
    const withdrawn = await client.send(
      server.endpoint("binhson"),
      [secret],
      message("document.withdrawn", { id: "doc-2", version: 2, remoteId: "binhson-1" }),
    );
    expect(withdrawn.outcome).toBe("delivered");
    expect(sim.items("binhson")).toEqual([expect.objectContaining({ id: "doc-2", status: "withdrawn", version: 2, remoteId: "binhson-1" })]);
    expect(sim.anomalies("binhson")).toEqual([]);
  });

  it("redelivery of the same webhook-id returns the same remoteId and stores nothing twice", async () => {
    const first = message("document.published", { id: "doc-3" }, "msg_fixed");
    const a = await client.send(server.endpoint("binhson"), [secret], first);
    // a retry is re-signed with a new timestamp but keeps the id and body
    const b = await client.send(server.endpoint("binhson"), [secret], { ...first, timestamp: first.timestamp + 7 });
    expect(a.remoteId).toBe("binhson-1");
    expect(b).toMatchObject({ outcome: "delivered", remoteId: "binhson-1" });
    expect(sim.items("binhson")).toHaveLength(1);
    expect(sim.events("binhson")).toEqual([expect.objectContaining({ webhookId: "msg_fixed", deliveries: 2 })]);
    expect(sim.snapshot("binhson").stats).toMatchObject({ acknowledged: 2, duplicates: 1 });
  });

  it("retries on 503 with the site's Retry-After, then delivers", async () => {
    sim.configure("binhson", { down: { retryAfterSeconds: 120 } });
    const msg = message("document.published", { id: "doc-4" });
    const down = await client.send(server.endpoint("binhson"), [secret], msg);
    expect(down).toMatchObject({ outcome: "retry", status: 503, retryAfterMs: 120_000, remoteId: null });
    expect(down.error).toMatch(/^HTTP 503.*down for maintenance/);
    sim.configure("binhson", { down: false });
    expect(await client.send(server.endpoint("binhson"), [secret], msg)).toMatchObject({ outcome: "delivered", remoteId: "binhson-1" });
  });

  it("retries on 500 without Retry-After until the site recovers", async () => {
    sim.configure("binhson", { failNext: 2 });
    const msg = message("document.published", { id: "doc-5" });
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(await client.send(server.endpoint("binhson"), [secret], msg));
    expect(outcomes.map((r) => [r.outcome, r.status, r.retryAfterMs])).toEqual([
      ["retry", 500, null],
      ["retry", 500, null],
      ["delivered", 200, null],
    ]);
    expect(sim.items("binhson")).toHaveLength(1);
  });

  it("reports gone on 410 and rejected on an injected 400", async () => {
    sim.configure("binhson", { rejectNext: 1 });
    const rejected = await client.send(server.endpoint("binhson"), [secret], message("document.published", { id: "doc-6" }));
    expect(rejected).toMatchObject({ outcome: "rejected", status: 400 });
    sim.configure("binhson", { gone: true });
    const gone = await client.send(server.endpoint("binhson"), [secret], message("document.published", { id: "doc-6" }));
    expect(gone).toMatchObject({ outcome: "gone", status: 410, remoteId: null });
    expect(sim.items("binhson")).toEqual([]);
  });

  it("times out against a slow site; the late-processed message is then deduplicated", async () => {
    const impatient = createWebhookClient({ fetch, now: () => new Date(), timeoutMs: 60 });
    sim.configure("binhson", { slowMs: 250 });
    const msg = message("document.published", { id: "doc-7" });
    const timedOut = await impatient.send(server.endpoint("binhson"), [secret], msg);
    expect(timedOut).toMatchObject({ outcome: "retry", status: null, error: "timed out after 60 ms" });
    expect(timedOut.durationMs).toBeGreaterThanOrEqual(55);
    expect(timedOut.durationMs).toBeLessThan(250);
    // the portal finishes the request after the client gave up, as real ones do
    await expect.poll(() => sim.items("binhson").length, { timeout: 2_000 }).toBe(1);
    sim.configure("binhson", { slowMs: 0 });
    const retried = await impatient.send(server.endpoint("binhson"), [secret], { ...msg, timestamp: msg.timestamp + 60 });
    expect(retried).toMatchObject({ outcome: "delivered", remoteId: "binhson-1" });
    expect(sim.items("binhson")).toHaveLength(1);
  });

  it("treats a dropped connection and a refused one as retryable network errors", async () => {
    sim.configure("binhson", { down: { mode: "reset" } });
    const msg = message("document.published", { id: "doc-8" });
    const reset = await client.send(server.endpoint("binhson"), [secret], msg);
    expect(reset).toMatchObject({ outcome: "retry", status: null });
    expect(reset.error).toMatch(/^network error: /);
    sim.configure("binhson", { down: false });

    await server.refuseConnections();
    try {
      // The first attempt may still pick a pooled keep-alive socket the server
      // just closed ("other side closed"); the next one must find no listener.
      const first = await client.send(server.endpoint("binhson"), [secret], msg);
      expect(first).toMatchObject({ outcome: "retry", status: null });
      const refused = await client.send(server.endpoint("binhson"), [secret], msg);
      expect(refused).toMatchObject({ outcome: "retry", status: null });
      expect(refused.error).toMatch(/ECONNREFUSED/);
    } finally {
      await server.acceptConnections();
    }
    expect(await client.send(server.endpoint("binhson"), [secret], msg)).toMatchObject({ outcome: "delivered", remoteId: "binhson-1" });
  });

  it("a wrong secret gets 401 from the site and is reported as rejected, nothing stored", async () => {
    const result = await client.send(server.endpoint("binhson"), [otherSecret], message("document.published", { id: "doc-9" }));
    expect(result).toMatchObject({ outcome: "rejected", status: 401, remoteId: null });
    expect(result.error).toMatch(/signature check failed \(no-matching-signature\)/);
    expect(sim.items("binhson")).toEqual([]);
    expect(sim.snapshot("binhson").stats.unauthorized).toBe(1);
  });

  it("a stale timestamp gets 401 too", async () => {
    const msg = message("document.published", { id: "doc-10" });
    const result = await client.send(server.endpoint("binhson"), [secret], { ...msg, timestamp: msg.timestamp - 3600 });
    expect(result).toMatchObject({ outcome: "rejected", status: 401 });
    expect(result.error).toMatch(/timestamp-too-old/);
  });

  it("during rotation the hub signs with both secrets; a site that switched accepts", async () => {
    const next = generateSecret();
    sim.configure("sonha", { secrets: [next] });
    try {
      const msg = message("procedure.published", { id: "proc-1", site: "sonha", section: "thu-tuc", code: "1.001" });
      const result = await client.send(server.endpoint("sonha"), [otherSecret, next], msg);
      expect(result).toMatchObject({ outcome: "delivered", remoteId: "sonha-1" });
    } finally {
      sim.configure("sonha", { secrets: [otherSecret] });
    }
  });

  it("updates without or with the wrong remoteId are rejected by the site", async () => {
    await client.send(server.endpoint("binhson"), [secret], message("document.published", { id: "doc-11" }));
    const missing = await client.send(server.endpoint("binhson"), [secret], message("document.updated", { id: "doc-11", version: 2 }));
    expect(missing).toMatchObject({ outcome: "rejected", status: 400 });
    expect(missing.error).toMatch(/must carry data.remoteId/);
    const wrong = await client.send(
      server.endpoint("binhson"),
      [secret],
      message("document.updated", { id: "doc-11", version: 2, remoteId: "binhson-99" }),
    );
    expect(wrong).toMatchObject({ outcome: "rejected", status: 409 });
    expect(wrong.error).toMatch(/remoteId mismatch/);
  });

  it("an unknown site is a 404, rejected", async () => {
    const result = await client.send(server.endpoint("nowhere"), [secret], message("document.published", { id: "x" }));
    expect(result).toMatchObject({ outcome: "rejected", status: 404 });
  });
});

describe("client edge cases (injected fetch)", () => {
  const msg: OutboundMessage = { id: "m", timestamp: 1_800_000_000, body: "{}" };
  const with_ = (respond: (init?: RequestInit) => Response | Promise<Response>) =>
    createWebhookClient({ fetch: async (_input, init) => respond(init), now: () => new Date("2026-11-21T02:00:00Z"), timeoutMs: 1_000 });

  it("tolerates a 2xx answer that is not JSON or has no remoteId", async () => {
    for (const body of ["OK", "", "<html>ok</html>", '{"id": 5}', "[1]", '{"remoteId": ""}']) {
      const result = await with_(() => new Response(body, { status: 202 })).send("http://portal.test/hook", [secret], msg);
      expect(result).toMatchObject({ outcome: "delivered", status: 202, remoteId: null, error: null });
    }
    expect(remoteIdFrom('{"remoteId": 42}')).toBe("42");
  });

  it("honours an HTTP-date Retry-After on 429, ignores it on plain 500", async () => {
    const headers = { "retry-after": "Sat, 21 Nov 2026 02:00:30 GMT" };
    const throttled = await with_(() => new Response("slow down", { status: 429, headers })).send("http://p.test/", [secret], msg);
    expect(throttled).toMatchObject({ outcome: "retry", status: 429, retryAfterMs: 30_000, error: "HTTP 429: slow down" });
    const failed = await with_(() => new Response("", { status: 500, headers })).send("http://p.test/", [secret], msg);
    expect(failed).toMatchObject({ outcome: "retry", retryAfterMs: null });
  });

  it("does not follow redirects", async () => {
    let redirect: RequestInit["redirect"];
    const result = await with_((init) => {
      redirect = init?.redirect;
      return new Response(null, { status: 301, headers: { location: "https://elsewhere.test/" } });
    }).send("http://p.test/", [secret], msg);
    expect(redirect).toBe("manual");
    expect(result).toMatchObject({ outcome: "rejected", status: 301 });
    expect(result.error).toMatch(/redirect to https:\/\/elsewhere.test\/ not followed/);
  });

  it("reads at most MAX_RESPONSE_BYTES of an endless answer", async () => {
    let pulled = 0;
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 16 * 1024;
        controller.enqueue(new Uint8Array(16 * 1024).fill(65));
      },
      cancel() {
        cancelled = true;
      },
    });
    const result = await with_(() => new Response(endless, { status: 400 })).send("http://p.test/", [secret], msg);
    expect(result).toMatchObject({ outcome: "rejected", status: 400 });
    expect(result.error!.length).toBeLessThan(400);
    expect(pulled).toBeLessThanOrEqual(MAX_RESPONSE_BYTES + 3 * 16 * 1024);
    expect(cancelled).toBe(true);
  });

  it("a caller abort is a retry, not an exception", async () => {
    const controller = new AbortController();
    const hanging = createWebhookClient({
      fetch: (_input, init) =>
        new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason))),
      now: () => new Date(),
      timeoutMs: 5_000,
    });
    const pending = hanging.send("http://p.test/", [secret], msg, controller.signal);
    controller.abort();
    expect(await pending).toMatchObject({ outcome: "retry", status: null, error: "aborted by the caller" });
  });

  it("an invalid endpoint is rejected; a bad secret is a configuration error that throws", async () => {
    const client = with_(() => new Response("{}"));
    expect(await client.send("not a url", [secret], msg)).toMatchObject({ outcome: "rejected", status: null });
    await expect(client.send("http://p.test/", ["whsec_short"], msg)).rejects.toThrow(/secret/);
    await expect(client.send("http://p.test/", [], msg)).rejects.toThrow(/at least one secret/);
  });

  it("classifies statuses as the contract says", () => {
    const table = Object.fromEntries([200, 201, 204, 301, 400, 401, 404, 408, 409, 410, 422, 429, 500, 502, 503, 504].map((s) => [s, classifyStatus(s)]));
    expect(table).toEqual({
      200: "delivered", 201: "delivered", 204: "delivered", 301: "rejected", 400: "rejected", 401: "rejected",
      404: "rejected", 408: "retry", 409: "rejected", 410: "gone", 422: "rejected", 429: "retry", 500: "retry",
      502: "retry", 503: "retry", 504: "retry",
    });
  });
});
