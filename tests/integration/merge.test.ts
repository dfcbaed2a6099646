// The same document reaching the hub from two sources (iOffice, and an agency
// dropping it into the edXML inbox) is one document: identical bytes merge
// into its existing version; the second source is recorded beside the first.

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildEdxmlPackage } from "../../connectors/edxml-inbox/simulator.ts";
import { createIofficeSimulator, type IofficeSimulator } from "../../connectors/ioffice/simulator.ts";
import { serveApp, startTestHub, type Served, type TestHub } from "../support/hub.ts";

const CLIENT = { clientId: "portalsync-test", clientSecret: "simulator-secret-123" };

let sim: IofficeSimulator;
let served: Served;
let hub: TestHub;
let inbox: string;

beforeAll(async () => {
  sim = createIofficeSimulator({ baseUrl: "http://placeholder", seed: 41, count: 12, ...CLIENT });
  served = await serveApp(sim.app);
  inbox = await mkdtemp(path.join(os.tmpdir(), "portalsync-merge-inbox-"));
  hub = await startTestHub({
    sources: [
      { id: "ioffice", connector: "ioffice", name: "iOffice", options: { baseUrl: served.url, ...CLIENT } },
      { id: "inbox", connector: "edxml-inbox", name: "Hộp thư edXML", options: { folder: inbox, settleMs: 0 } },
    ],
    sites: [{ id: "tinh", name: "Cổng tỉnh", mode: "pull", sections: [{ slug: "van-ban", name: "Văn bản" }] }],
    routing: [{ id: "all", name: "all", match: { itemKind: "document" }, targets: ["tinh/van-ban"] }],
  });
});
afterAll(async () => {
  await hub?.close();
  await served?.close();
  await rm(inbox, { recursive: true, force: true });
});

async function dropInInbox(id: string, pdf: Uint8Array, fileName: string) {
  const d = sim.document(id)!;
  const xml = buildEdxmlPackage({
    from: { organId: d.co_quan_ban_hanh.ma, name: d.co_quan_ban_hanh.ten },
    // Written as the agency's clerk would: "Số:" prefix and NFD text.
    number: `Số: ${d.so_ky_hieu}`.normalize("NFD"),
    date: d.ngay_ban_hanh,
    typeName: d.loai_van_ban,
    subject: d.trich_yeu,
    signer: { position: d.nguoi_ky.chuc_vu, fullName: d.nguoi_ky.ho_ten },
    attachments: [{ name: fileName, bytes: pdf }],
  });
  await writeFile(path.join(inbox, `${id}-${fileName}.edxml`), xml);
}

describe("one document, two sources", () => {
  it("merges identical bytes into the existing version and records both sources; new bytes become version 2", async () => {
    const prisma = hub.ctx.db.prisma;
    expect((await hub.run({ sourceId: "ioffice", trigger: "manual" })).status).toBe("succeeded");
    const publishable = sim.ids().filter((id) => sim.document(id)!.cong_khai && sim.document(id)!.trang_thai === "da_ban_hanh");
    // A document whose only file is the main one: the package then carries the identical file set.
    const same = publishable.find((id) => sim.document(id)!.tep_dinh_kem.length === 1);
    const changed = publishable.find((id) => id !== same);
    expect(same).toBeDefined();
    const mainFile = (id: string) => sim.document(id)!.tep_dinh_kem.find((f) => f.loai === "van_ban_chinh")!;
    await dropInInbox(same!, await sim.fileBytes(mainFile(same!).id), mainFile(same!).ten_tep);
    await dropInInbox(changed!, await sim.fileBytes(mainFile(same!).id), "ban-sua-doi.pdf");

    const documentsBefore = await prisma.document.count();
    const run = await hub.run({ sourceId: "inbox", trigger: "manual" });
    expect(run.status).toBe("succeeded");
    expect(run.created).toBe(0);
    expect(await prisma.document.count()).toBe(documentsBefore);

    const refsOf = async (externalId: string) => {
      const ioffice = await prisma.documentSourceRef.findUniqueOrThrow({ where: { sourceId_externalId: { sourceId: "ioffice", externalId } } });
      return prisma.document.findUniqueOrThrow({ where: { id: ioffice.documentId }, include: { sourceRefs: true, versions: true } });
    };
    const merged = await refsOf(same!);
    expect(merged.sourceRefs.map((r) => r.sourceId).sort()).toEqual(["inbox", "ioffice"]);
    expect(merged.versions).toHaveLength(1);

    const updated = await refsOf(changed!);
    expect(updated.sourceRefs.map((r) => r.sourceId).sort()).toEqual(["inbox", "ioffice"]);
    expect(updated.versions.map((v) => v.version).sort()).toEqual([1, 2]);
  });
});
