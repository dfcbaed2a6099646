import { beforeEach, describe, expect, it } from "vitest";
import webhook from "./index.ts";
import { createReceiverSimulator, type ReceiverSimulator } from "./receiver-simulator.ts";
import { generateSecret, signatureHeader } from "./signature.ts";

const NOW = 1_795_658_400; // 2026-11-20T02:00:00Z
const secretA = generateSecret();
const secretB = generateSecret();
let sim: ReceiverSimulator;
let seq = 0;

beforeEach(() => {
  sim = createReceiverSimulator({
    now: () => new Date(NOW * 1000),
    sites: { binhson: { secrets: [secretA] }, sonha: { secrets: [secretB] } },
  });
});

/** POSTs a signed event in-process; returns status and parsed answer. */
async function post(
  site: string,
  type: string,
  data: Record<string, unknown>,
  opts: { id?: string; secret?: string; timestamp?: number; body?: string } = {},
) {
  const id = opts.id ?? `msg_${++seq}`;
  const timestamp = opts.timestamp ?? NOW;
  const body = opts.body ?? JSON.stringify({ type, timestamp: "2026-11-20T02:00:00Z", data: { version: 1, section: "van-ban", ...data } });
  const res = await sim.app.request(`/sites/${site}/webhook`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signatureHeader([opts.secret ?? (site === "sonha" ? secretB : secretA)], id, timestamp, body),
    },
    body,
  });
  return { status: res.status, json: (await res.json()) as { remoteId?: string; error?: string }, headers: res.headers };
}

describe("receiver simulator: item state", () => {
  it("publishes, updates and withdraws a document with one remoteId", async () => {
    expect(await post("binhson", "document.published", { id: "d1", title: "Quyết định A", number: "1/QĐ-UBND" })).toMatchObject({
      status: 200,
      json: { remoteId: "binhson-1" },
    });
    expect((await post("binhson", "document.updated", { id: "d1", version: 2, remoteId: "binhson-1", title: "Quyết định A (sửa)" })).json).toEqual({
      remoteId: "binhson-1",
    });
    expect((await post("binhson", "document.withdrawn", { id: "d1", version: 2, remoteId: "binhson-1" })).status).toBe(200);
    expect(sim.items("binhson")).toEqual([
      expect.objectContaining({
        key: "van-ban/d1",
        kind: "document",
        status: "withdrawn",
        version: 2,
        remoteId: "binhson-1",
        title: "Quyết định A (sửa)",
        number: "1/QĐ-UBND",
        events: 3,
      }),
    ]);
    expect(sim.events("binhson").map((e) => [e.seq, e.type, e.version, e.applied])).toEqual([
      [1, "document.published", 1, true],
      [2, "document.updated", 2, true],
      [3, "document.withdrawn", 2, true],
    ]);
    expect(sim.anomalies("binhson")).toEqual([]);
  });

  it("keeps procedures, sections and sites apart, numbering remoteIds per site", async () => {
    await post("binhson", "procedure.published", { id: "p1", section: "thu-tuc", name: "Đăng ký khai sinh", code: "1.001193" });
    await post("binhson", "document.published", { id: "p1", section: "van-ban" });
    await post("sonha", "procedure.published", { id: "p1", section: "thu-tuc" });
    expect(sim.items("binhson").map((i) => [i.key, i.kind, i.remoteId, i.title, i.number])).toEqual([
      ["thu-tuc/p1", "procedure", "binhson-1", "Đăng ký khai sinh", "1.001193"],
      ["van-ban/p1", "document", "binhson-2", null, null],
    ]);
    expect(sim.items("sonha").map((i) => i.remoteId)).toEqual(["sonha-1"]);
    await post("binhson", "procedure.abolished", { id: "p1", section: "thu-tuc", version: 2, remoteId: "binhson-1" });
    expect(sim.item("binhson", "p1", "thu-tuc")?.status).toBe("abolished");
  });

  it("a second publish of the same item keeps the first remoteId and is flagged", async () => {
    await post("binhson", "document.published", { id: "d2" });
    const again = await post("binhson", "document.published", { id: "d2" });
    expect(again.json.remoteId).toBe("binhson-1");
    expect(sim.items("binhson")).toHaveLength(1);
    expect(sim.anomalies("binhson").map((a) => a.message)).toEqual([
      "document.published van-ban/d2 v1: item already published as binhson-1 (stored v1)",
    ]);
  });

  it("acknowledges an older version after a newer one without applying it, and flags it", async () => {
    await post("binhson", "document.published", { id: "d3" });
    await post("binhson", "document.updated", { id: "d3", version: 3, remoteId: "binhson-1", title: "v3" });
    const stale = await post("binhson", "document.updated", { id: "d3", version: 2, remoteId: "binhson-1", title: "v2" });
    expect(stale.status).toBe(200);
    expect(sim.item("binhson", "d3", "van-ban")).toMatchObject({ version: 3, title: "v3" });
    expect(sim.events("binhson").at(-1)).toMatchObject({ version: 2, applied: false });
    expect(sim.anomalies("binhson")[0]?.message).toMatch(/arrived after v3 \(out of order\)/);
  });

  it("insists on the remoteId it gave for changes", async () => {
    await post("binhson", "document.published", { id: "d4" });
    await post("binhson", "document.published", { id: "d5" });
    expect(await post("binhson", "document.updated", { id: "d4", version: 2 })).toMatchObject({ status: 400 });
    expect((await post("binhson", "document.updated", { id: "d4", version: 2, remoteId: "binhson-2" })).json.error).toBe(
      "remoteId mismatch for van-ban/d4: this site gave binhson-1, message carries binhson-2",
    );
    expect((await post("binhson", "document.withdrawn", { id: "d9", remoteId: "binhson-2" })).json.error).toBe(
      "remoteId binhson-2 belongs to van-ban/d5, not van-ban/d9",
    );
    expect((await post("binhson", "document.withdrawn", { id: "d9", remoteId: "x-1" })).status).toBe(409);
    expect(sim.snapshot("binhson").stats.invalid).toBe(4);
    expect(sim.items("binhson").every((i) => i.status === "published")).toBe(true);
  });

  it("rejects malformed payloads and messages meant for another site", async () => {
    expect((await post("binhson", "document.deleted", { id: "d1" })).json.error).toMatch(/^invalid payload: type: /);
    expect((await post("binhson", "document.published", { id: "" })).json.error).toMatch(/^invalid payload: data.id/);
    expect((await post("binhson", "x", {}, { body: "not json" })).json.error).toBe("body is not valid JSON");
    expect((await post("binhson", "document.published", { id: "d1", site: "sonha" })).json.error).toBe(
      'data.site is "sonha" but this is site "binhson"',
    );
    expect(sim.items("binhson")).toEqual([]);
  });
});

describe("receiver simulator: signatures and idempotency", () => {
  it("answers 401 with a clear message for a wrong secret or a stale timestamp", async () => {
    const wrong = await post("binhson", "document.published", { id: "d1" }, { secret: secretB });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error).toMatch(/^signature check failed \(no-matching-signature\): no v1 signature matched/);
    const stale = await post("binhson", "document.published", { id: "d1" }, { timestamp: NOW - 301 });
    expect(stale.status).toBe(401);
    expect(stale.json.error).toMatch(/timestamp-too-old.*301s old \(tolerance 300s\)/);
    const res = await sim.app.request("/sites/binhson/webhook", { method: "POST", body: "{}" });
    expect(res.status).toBe(401);
    expect(sim.snapshot("binhson").stats.unauthorized).toBe(3);
    expect(sim.items("binhson")).toEqual([]);
  });

  it("accepts both secrets while a site rotates", async () => {
    const next = generateSecret();
    sim.configure("binhson", { secrets: [secretA, next] });
    expect((await post("binhson", "document.published", { id: "d1" }, { secret: secretA })).status).toBe(200);
    expect((await post("binhson", "document.published", { id: "d2" }, { secret: next })).status).toBe(200);
    sim.configure("binhson", { secrets: [next] });
    expect((await post("binhson", "document.published", { id: "d3" }, { secret: secretA })).status).toBe(401);
  });

  it("deduplicates by webhook-id, and flags a redelivery whose data changed", async () => {
    const first = await post("binhson", "document.published", { id: "d1", title: "A" }, { id: "msg_same" });
    const again = await post("binhson", "document.published", { id: "d1", title: "A" }, { id: "msg_same", timestamp: NOW + 5 });
    expect(again).toMatchObject({ status: 200, json: first.json });
    expect(sim.anomalies("binhson")).toEqual([]);
    const changed = await post("binhson", "document.published", { id: "d1", title: "B" }, { id: "msg_same" });
    expect(changed.json).toEqual(first.json);
    expect(sim.items("binhson")).toEqual([expect.objectContaining({ title: "A", events: 1 })]);
    expect(sim.events("binhson")).toEqual([expect.objectContaining({ deliveries: 3 })]);
    expect(sim.anomalies("binhson").map((a) => a.message)).toEqual([
      "redelivery of msg_same carries a different body than the first delivery",
    ]);
  });

  it("does not remember failed messages: a retry after a 409 is evaluated afresh", async () => {
    const early = await post("binhson", "document.updated", { id: "d1", version: 2, remoteId: "binhson-1" }, { id: "msg_upd" });
    expect(early.status).toBe(409);
    await post("binhson", "document.published", { id: "d1" });
    const later = await post("binhson", "document.updated", { id: "d1", version: 2, remoteId: "binhson-1" }, { id: "msg_upd" });
    expect(later.status).toBe(200);
    expect(sim.item("binhson", "d1", "van-ban")?.version).toBe(2);
  });
});

describe("receiver simulator: faults and control", () => {
  it("injects 503 with Retry-After, 410, 500 and 400 in that order of precedence", async () => {
    sim.configure("binhson", { down: { retryAfterSeconds: 45 }, gone: true, failNext: 1, rejectNext: 1 });
    expect((await post("binhson", "document.published", { id: "d1" })).status).toBe(410);
    sim.configure("binhson", { gone: false });
    const down = await post("binhson", "document.published", { id: "d1" });
    expect([down.status, down.headers.get("retry-after")]).toEqual([503, "45"]);
    sim.configure("binhson", { down: false });
    expect((await post("binhson", "document.published", { id: "d1" })).status).toBe(500);
    expect((await post("binhson", "document.published", { id: "d1" })).status).toBe(400);
    expect((await post("binhson", "document.published", { id: "d1" })).status).toBe(200);
    expect(sim.snapshot("binhson")).toMatchObject({
      faults: { down: false, gone: false, failNext: 0, rejectNext: 0, slowMs: 0 },
      stats: { injected: 4, acknowledged: 1 },
    });
  });

  it("the live faults object is the same state configure changes", async () => {
    sim.faults["binhson"]!.failNext = 1;
    expect((await post("binhson", "document.published", { id: "d1" })).status).toBe(500);
    expect(sim.snapshot("binhson").faults.failNext).toBe(0);
  });

  it("slow sites wait through the injected sleep before answering", async () => {
    const waits: number[] = [];
    sim = createReceiverSimulator({
      now: () => new Date(NOW * 1000),
      sleep: async (ms) => void waits.push(ms),
      sites: { binhson: { secrets: [secretA], slowMs: 20_000 } },
    });
    expect((await post("binhson", "document.published", { id: "d1" })).status).toBe(200);
    expect(waits).toEqual([20_000]);
  });

  it("is controlled over HTTP: create, change, inspect, clear, delete", async () => {
    const control = (site: string, body: unknown) =>
      sim.app.request(`/_control/${site}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const secret = generateSecret();
    const created = await control("tayson", { secrets: [secret], failNext: 2 });
    expect(created.status).toBe(200);
    expect(await created.json()).toMatchObject({ site: "tayson", secretCount: 1, faults: { failNext: 2 } });
    expect((await control("tayson", { down: true })).status).toBe(200);
    expect(sim.snapshot("tayson").faults.down).toEqual({ mode: "503", retryAfterSeconds: 30 });

    expect(await (await control("nowhere", { failNext: 1 })).json()).toEqual({ error: 'site "nowhere" does not exist yet: give it secrets' });
    expect(await (await control("tayson", { secrets: ["plain-password"] })).json()).toEqual({
      error: 'site "tayson": secret must start with "whsec_"',
    });
    expect((await control("tayson", { failNxt: 1 })).status).toBe(400);
    expect((await control("tayson", { failNext: -1 })).status).toBe(400);

    await post("binhson", "document.published", { id: "d1" });
    const items = await (await sim.app.request("/sites/binhson/items")).json();
    expect(items).toMatchObject({ site: "binhson", items: [{ id: "d1", remoteId: "binhson-1" }], anomalies: [] });
    const events = (await (await sim.app.request("/sites/binhson/events")).json()) as { events: unknown[] };
    expect(events.events).toHaveLength(1);
    expect((await control("binhson", { clear: true })).status).toBe(200);
    expect(sim.items("binhson")).toEqual([]);
    await post("binhson", "document.published", { id: "d1" });
    expect(sim.items("binhson")[0]?.remoteId).toBe("binhson-1");

    expect((await sim.app.request("/_control/tayson", { method: "DELETE" })).status).toBe(200);
    expect(sim.sites()).toEqual(["binhson", "sonha"]);
    expect((await sim.app.request("/sites/tayson/items")).status).toBe(404);
  });

  it("serves a demo page in Vietnamese, escaping what it received", async () => {
    await post("binhson", "document.published", { id: "d1", title: "<script>alert(1)</script> Kế hoạch", number: "12/KH-UBND" });
    sim.configure("sonha", { down: { retryAfterSeconds: 60 } });
    const page = await (await sim.app.request("/")).text();
    expect(page).toContain("Cổng thông tin mô phỏng");
    expect(page).toContain("Trang: binhson");
    expect(page).toContain("12/KH-UBND");
    expect(page).toContain("Đã đăng");
    expect(page).toContain("bảo trì (503, thử lại sau 60 giây)");
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt; Kế hoạch");
    expect(page).not.toContain("<script>alert");
  });

  it("is what the connector's createSimulator returns", async () => {
    const made = await webhook.createSimulator!({ baseUrl: "http://portal.test", sites: { x: { secrets: [secretA] } } });
    expect(Object.keys(made.faults)).toEqual(["x"]);
    expect((await made.app.request("/sites/x/items")).status).toBe(200);
  });
});
