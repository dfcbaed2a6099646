// Issue 4's acceptance, in process: the real hub (HTTP server, PGlite, pg-boss,
// verifier) pulls from the iOffice and DVC simulators over HTTP.

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDvcSimulator, type DvcSimulator } from "../../connectors/dvc/simulator.ts";
import { createIofficeSimulator, type IofficeSimulator } from "../../connectors/ioffice/simulator.ts";
import { documentIdentityKey } from "../../src/pipeline/identity.ts";
import { serveApp, startTestHub, type Served, type TestHub } from "../support/hub.ts";

const CLIENT = { clientId: "portalsync-test", clientSecret: "simulator-secret-123" };

const site = {
  id: "tinh",
  name: "Cổng tỉnh",
  mode: "pull",
  sections: [
    { slug: "van-ban", name: "Văn bản", itemKind: "document" },
    { slug: "tthc", name: "Thủ tục hành chính", itemKind: "procedure" },
  ],
};
const routing = [
  { id: "docs", name: "Văn bản", match: { itemKind: "document" }, targets: ["tinh/van-ban"] },
  { id: "procs", name: "TTHC", match: { itemKind: "procedure" }, targets: ["tinh/tthc"] },
];

function expectedIdentities(sim: IofficeSimulator): Set<string> {
  return new Set(
    sim.ids().map((id) => {
      const d = sim.document(id)!;
      return documentIdentityKey({ number: d.so_ky_hieu, issuer: { code: d.co_quan_ban_hanh.ma, name: d.co_quan_ban_hanh.ten }, issuedDate: d.ngay_ban_hanh });
    }),
  );
}

describe("iOffice → hub", () => {
  let sim: IofficeSimulator;
  let served: Served;
  let hub: TestHub;

  beforeAll(async () => {
    sim = createIofficeSimulator({ baseUrl: "http://placeholder", seed: 11, count: 40, ...CLIENT });
    served = await serveApp(sim.app);
    hub = await startTestHub({
      sources: [{ id: "ioffice", connector: "ioffice", name: "iOffice", options: { baseUrl: served.url, ...CLIENT, pageSize: 7 } }],
      sites: [site],
      routing,
    });
  });
  afterAll(async () => {
    await hub?.close();
    await served?.close();
  });
  afterEach(() => sim.faults.reset());

  it("backfills a date window: every document once, signatures verified, NFC text, the main cursor untouched", async () => {
    const run = await hub.run({ sourceId: "ioffice", trigger: "backfill", from: new Date("2025-12-01T00:00:00+07:00"), to: new Date("2027-01-01T00:00:00+07:00") });
    const prisma = hub.ctx.db.prisma;
    expect(run.status).toBe("succeeded");
    expect(run.seen).toBe(sim.ids().length);
    expect(run.failed + run.rejected).toBe(0);
    expect(await prisma.documentSourceRef.count({ where: { sourceId: "ioffice" } })).toBe(sim.ids().length);
    expect(await prisma.document.count()).toBe(expectedIdentities(sim).size);
    const statuses = await prisma.documentVersion.groupBy({ by: ["signatureStatus"], _count: true });
    expect(statuses).toEqual([{ signatureStatus: "valid", _count: await prisma.documentVersion.count() }]);
    for (const doc of await prisma.document.findMany()) expect(doc.title).toBe(doc.title.normalize("NFC"));
    // Only public documents in force are routed; withdrawn/replaced ones are never posted.
    const routed = await prisma.delivery.findMany({ select: { itemId: true } });
    const publishable = await prisma.document.findMany({ where: { isPublic: true, status: "active" }, select: { id: true } });
    expect(new Set(routed.map((r) => r.itemId))).toEqual(new Set(publishable.map((d) => d.id)));
    expect((await prisma.source.findUniqueOrThrow({ where: { id: "ioffice" } })).cursor).toBeNull();
    const items = await prisma.syncRunItem.count({ where: { runId: run.id } });
    expect(items).toBe(run.seen);
  });

  it("an incremental run takes only what changed: metadata update, new bytes as version 2, a new document, a withdrawal", async () => {
    const prisma = hub.ctx.db.prisma;
    const first = await hub.run({ sourceId: "ioffice", trigger: "manual" });
    expect(first.status).toBe("succeeded");
    expect(first.created).toBe(0); // the backfill already has them all
    const publicIds = sim.ids().filter((id) => {
      const d = sim.document(id)!;
      return d.cong_khai && d.trang_thai === "da_ban_hanh";
    });
    const [retitled, rebytes, withdrawn] = publicIds;
    await sim.change({ id: retitled!, patch: { trich_yeu: "Về việc điều chỉnh kế hoạch chuyển đổi số năm 2026" } });
    await sim.change({ id: rebytes!, newFile: true });
    const added = await sim.change({});
    await sim.withdraw(withdrawn!);

    const second = await hub.run({ sourceId: "ioffice", trigger: "manual" });
    expect(second.status).toBe("succeeded");
    expect({ created: second.created, updated: second.updated, failed: second.failed }).toEqual({ created: 1, updated: 3, failed: 0 });

    const ref = (externalId: string) => prisma.documentSourceRef.findUniqueOrThrow({ where: { sourceId_externalId: { sourceId: "ioffice", externalId } }, include: { document: { include: { versions: true } } } });
    const a = await ref(retitled!);
    expect(a.document.title).toBe("Về việc điều chỉnh kế hoạch chuyển đổi số năm 2026");
    expect(a.document.versions).toHaveLength(1);
    const b = await ref(rebytes!);
    expect(b.document.versions.map((v) => v.version).sort()).toEqual([1, 2]);
    expect(b.document.currentVersion).toBe(2);
    const c = await ref(withdrawn!);
    expect(c.document.status).toBe("withdrawn");
    const events = await prisma.delivery.findMany({ where: { itemId: { in: [a.documentId, b.documentId, c.documentId] } }, orderBy: { seq: "asc" } });
    expect(events.filter((e) => e.itemId === a.documentId).map((e) => e.event)).toEqual(["document.published", "document.updated"]);
    expect(events.filter((e) => e.itemId === b.documentId).map((e) => e.event)).toEqual(["document.published", "document.updated"]);
    expect(events.filter((e) => e.itemId === c.documentId).map((e) => e.event)).toEqual(["document.published", "document.withdrawn"]);
    expect(await ref(added.id)).toBeTruthy();

    const third = await hub.run({ sourceId: "ioffice", trigger: "manual" });
    expect({ created: third.created, updated: third.updated }).toEqual({ created: 0, updated: 0 });
  });

  it("rides through 429, 500, token expiry and duplicated pages, and retries a truncated download in the next run", async () => {
    const prisma = hub.ctx.db.prisma;
    const added = await Promise.all([sim.change({}), sim.change({}), sim.change({})]);
    sim.faults.set({
      rateLimit: { retryAfter: 1, count: 1, match: "/van-ban/da-ban-hanh" },
      serverError: { count: 2, match: "/van-ban/da-ban-hanh" },
      tokenExpiry: { count: 1 },
      duplicateAcrossPages: true,
      truncateBody: { count: 1, match: "/tep/" },
    });
    const run = await hub.run({ sourceId: "ioffice", trigger: "manual" });
    const fired = sim.faults.get().fired;
    expect(fired.rateLimit).toBe(1);
    expect(fired.serverError).toBe(2);
    expect(fired.tokenExpiry).toBe(1);
    expect(fired.truncateBody).toBe(1);
    expect(run.status).toBe("partial");
    expect(run.failed).toBe(1);
    expect(run.created).toBe(2);
    const failedItem = await prisma.failedItem.findFirstOrThrow({ where: { sourceId: "ioffice" } });
    expect(added.map((d) => d.id)).toContain(failedItem.externalId);
    expect(failedItem.lastError).toMatch(/truncat|bytes|closed|terminated/i);

    sim.faults.reset();
    const retry = await hub.run({ sourceId: "ioffice", trigger: "manual" });
    expect(retry.status).toBe("succeeded");
    expect(retry.created).toBe(1);
    expect(await prisma.failedItem.count()).toBe(0);
    for (const d of added) {
      expect(await prisma.documentSourceRef.count({ where: { sourceId: "ioffice", externalId: d.id } })).toBe(1);
    }
    const health = await prisma.source.findUniqueOrThrow({ where: { id: "ioffice" } });
    expect(health.consecutiveFailures).toBe(0);
  });

  it("a single-document resync touches that document only and leaves the cursor where it was", async () => {
    const prisma = hub.ctx.db.prisma;
    const before = (await prisma.source.findUniqueOrThrow({ where: { id: "ioffice" } })).cursor;
    const id = sim.ids()[3]!;
    const run = await hub.run({ sourceId: "ioffice", trigger: "single", itemRef: id });
    expect(run.status).toBe("succeeded");
    expect(run.seen).toBe(1);
    expect(run.duplicate).toBe(1);
    expect((await prisma.source.findUniqueOrThrow({ where: { id: "ioffice" } })).cursor).toEqual(before);
  });

  it("counts a run against an unreachable source as a failure of the source, keeping what it had", async () => {
    const prisma = hub.ctx.db.prisma;
    const documents = await prisma.document.count();
    sim.faults.set({ serverError: { count: 50, match: "/van-ban/da-ban-hanh" } });
    const run = await hub.run({ sourceId: "ioffice", trigger: "manual" });
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/500|server/i);
    const source = await prisma.source.findUniqueOrThrow({ where: { id: "ioffice" } });
    expect(source.consecutiveFailures).toBe(1);
    expect(source.lastError).toBe(run.error);
    expect(await prisma.document.count()).toBe(documents);
  });
});

describe("DVC → hub", () => {
  let sim: DvcSimulator;
  let served: Served;
  let hub: TestHub;

  beforeAll(async () => {
    sim = createDvcSimulator({ baseUrl: "http://placeholder", ...CLIENT });
    served = await serveApp(sim.app);
    hub = await startTestHub({
      sources: [{ id: "dvc", connector: "dvc", name: "DVC", options: { baseUrl: served.url, ...CLIENT, pageSize: 50 } }],
      sites: [site],
      routing,
    });
  });
  afterAll(async () => {
    await hub?.close();
    await served?.close();
  });

  it("versions procedures by MATTHC and turns abolitions (status or disappearance) into abolition events, never deletes", async () => {
    const prisma = hub.ctx.db.prisma;
    const first = await hub.run({ sourceId: "dvc", trigger: "manual" });
    expect(first.status).toBe("succeeded");
    const total = sim.procedures().length;
    expect(await prisma.procedure.count()).toBe(total);

    const [changed, abolished, removed] = sim.procedures().filter((p) => p.TRANGTHAI === "1").map((p) => p.MATTHC);
    await sim.modify(changed!);
    await sim.abolish(abolished!);
    await sim.remove(removed!);
    const second = await hub.run({ sourceId: "dvc", trigger: "manual" });
    expect(second.status).toBe("succeeded");

    expect(await prisma.procedure.count()).toBe(total); // nothing deleted
    const byCode = (code: string) => prisma.procedure.findUniqueOrThrow({ where: { code }, include: { versions: true } });
    expect((await byCode(changed!)).versions).toHaveLength(2);
    expect((await byCode(abolished!)).status).toBe("abolished");
    expect((await byCode(removed!)).status).toBe("abolished");
    const events = async (code: string) =>
      (await prisma.delivery.findMany({ where: { itemId: (await byCode(code)).id }, orderBy: { seq: "asc" } })).map((d) => d.event);
    expect(await events(changed!)).toEqual(["procedure.published", "procedure.updated"]);
    expect(await events(abolished!)).toEqual(["procedure.published", "procedure.abolished"]);
    expect(await events(removed!)).toEqual(["procedure.published", "procedure.abolished"]);
  });
});
