// Issue 12, item 2: a procedure the hub first sees already abolished (DVC
// TRANGTHAI "0") must still reach every routed site, once, as
// `procedure.abolished` carrying its code (MATTHC): portals list procedures
// typed in by hand today and retire their copy by that code.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDvcSimulator, type DvcSimulator } from "../../connectors/dvc/simulator.ts";
import { createReceiverSimulator, serveReceiver, type ReceiverSimulator, type ServedReceiver } from "../../connectors/webhook/receiver-simulator.ts";
import { generateSecret } from "../../connectors/webhook/signature.ts";
import { createApiToken } from "../../src/auth/index.ts";
import { POSTGRES_FEED_SETTLE_SECONDS } from "../../src/delivery/feed-query.ts";
import { serveApp, startTestHub, type Served, type TestHub } from "../support/hub.ts";

const CLIENT = { clientId: "portalsync-test", clientSecret: "simulator-secret-123" };
const secret = generateSecret();

let dvc: DvcSimulator;
let dvcServed: Served;
let receiver: ReceiverSimulator;
let receiverServed: ServedReceiver;
let hub: TestHub;
let feedToken: string;

beforeAll(async () => {
  dvc = createDvcSimulator({ baseUrl: "http://placeholder", ...CLIENT, count: 12 });
  dvcServed = await serveApp(dvc.app);
  dvc.baseUrl = dvcServed.url;
  receiver = createReceiverSimulator({ sites: { tinh: { secrets: [secret] } } });
  receiverServed = await serveReceiver(receiver);
  hub = await startTestHub(
    {
      sources: [{ id: "dvc", connector: "dvc", name: "DVC", options: { baseUrl: dvcServed.url, ...CLIENT, pageSize: 5 } }],
      sites: [
        { id: "tinh", name: "Cổng tỉnh", mode: "push", endpoint: receiverServed.endpoint("tinh"), secrets: [secret], sections: [{ slug: "tthc", name: "TTHC", itemKind: "procedure" }] },
        // Review mode holds publications; an abolition has nothing to approve.
        { id: "huyen", name: "Trang huyện", mode: "pull", publishMode: "review", sections: [{ slug: "tthc", name: "TTHC", itemKind: "procedure" }] },
      ],
      routing: [{ id: "procs", name: "TTHC", match: { itemKind: "procedure" }, targets: ["tinh/tthc", "huyen/tthc"] }],
    },
    { delivery: { idlePollMs: 50, busyPollMs: 20 } },
  );
  feedToken = (await createApiToken(hub.ctx.db.prisma, { name: "huyen-feed", role: "site", siteId: "huyen" })).token;
}, 120_000);

afterAll(async () => {
  await hub?.close();
  await receiverServed?.close();
  await dvcServed?.close();
});

async function waitFor<T>(what: string, fn: () => Promise<T | false | null | undefined> | T | false | null | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function feed(): Promise<{ event: string; code?: string }[]> {
  const res = await fetch(`${hub.url}/api/v1/sites/huyen/items?limit=500`, { headers: { authorization: `Bearer ${feedToken}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: { event: string; code?: string }[] }).items;
}

const abolishedAt = (code: string) => receiver.events("tinh").filter((e) => e.type === "procedure.abolished" && e.data.code === code);

describe("a procedure first seen abolished", () => {
  it("reaches every routed site once as procedure.abolished with its code, push and pull", async () => {
    const [first] = dvc.procedures().filter((p) => p.TRANGTHAI === "1").map((p) => p.MATTHC);
    dvc.abolish(first!);
    const abolished = dvc.procedures().filter((p) => p.TRANGTHAI !== "1").map((p) => p.MATTHC);
    const active = dvc.procedures().filter((p) => p.TRANGTHAI === "1").map((p) => p.MATTHC);
    expect(abolished).toContain(first);

    const run = await hub.run({ sourceId: "dvc", trigger: "manual" });
    expect(run.status).toBe("succeeded");
    const prisma = hub.ctx.db.prisma;
    for (const code of abolished) expect((await prisma.procedure.findUniqueOrThrow({ where: { code } })).status).toBe("abolished");

    // Push: every abolished one arrives once, with its code, and is accepted.
    await waitFor("abolitions at the push site", () => abolished.every((code) => abolishedAt(code).length === 1));
    for (const code of abolished) {
      const [event] = abolishedAt(code);
      expect(event!.data).toMatchObject({ code, site: "tinh", section: "tthc" });
    }
    await waitFor("publications at the push site", () => receiver.events("tinh").filter((e) => e.type === "procedure.published").length === active.length);
    expect(receiver.snapshot("tinh").stats.invalid).toBe(0);
    expect(receiver.anomalies("tinh")).toEqual([]);

    // Pull, in review mode: abolitions are in the feed at once, publications wait for review.
    // (On PostgreSQL the feed holds rows back for POSTGRES_FEED_SETTLE_SECONDS after a change.)
    const items = await waitFor(
      "abolitions in the pull feed",
      async () => {
        const now = await feed();
        return now.filter((i) => i.event === "procedure.abolished").length >= abolished.length && now;
      },
      (POSTGRES_FEED_SETTLE_SECONDS + 30) * 1000,
    );
    expect(items.filter((i) => i.event === "procedure.abolished").map((i) => i.code).sort()).toEqual([...abolished].sort());
    expect(items.filter((i) => i.event === "procedure.published")).toEqual([]);
  }, 240_000);

  it("is not announced again by a resync, nor by a later change while still abolished", async () => {
    const abolished = dvc.procedures().filter((p) => p.TRANGTHAI !== "1").map((p) => p.MATTHC);
    dvc.modify(abolished[0]!, { TENTTHC: "Thủ tục đã bãi bỏ (sửa tên)" });
    const resync = await hub.run({ sourceId: "dvc", trigger: "backfill", from: new Date("2000-01-01T00:00:00Z"), to: new Date("2100-01-01T00:00:00Z") });
    expect(resync.status).toBe("succeeded");
    const again = await hub.run({ sourceId: "dvc", trigger: "manual" });
    expect(again.status).toBe("succeeded");
    const versions = await hub.ctx.db.prisma.procedure.findUniqueOrThrow({ where: { code: abolished[0]! }, include: { versions: true } });
    expect(versions.versions.length).toBe(2); // the change was stored
    await waitFor("the outbox to drain", async () => (await hub.ctx.db.prisma.delivery.count({ where: { siteId: "tinh", state: { in: ["pending", "sending", "failed"] } } })) === 0);
    for (const code of abolished) expect(abolishedAt(code)).toHaveLength(1);
    expect((await feed()).filter((i) => i.event === "procedure.abolished")).toHaveLength(abolished.length);
  }, 240_000);
});
