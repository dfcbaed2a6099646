// iOffice simulator: serves sources.md's iOffice contract from a deterministic,
// lazily generated dataset (document i is computed from the seed and i, so
// 20,000 documents cost nothing until listed), with runtime changes for
// incremental tests and every sim-kit fault.

import { createHash } from "node:crypto";
import { zipSync } from "fflate";
import { Hono } from "hono";
import { z } from "zod";
import {
  FaultSwitchboard,
  TokenIssuer,
  faultMiddleware,
  fileStem,
  generateDocumentMeta,
  makeSignedPdf,
  mountFaultRoutes,
  mountTokenEndpoint,
  pageOf,
  requireBearer,
  rngFor,
  type SignedPdfInput,
  type SignerRole,
} from "../sim-kit/index.ts";
import type { Simulator } from "../sdk.ts";

export interface IofficeSimFile {
  id: string;
  ten_tep: string;
  kich_thuoc: number;
  loai: "van_ban_chinh" | "phu_luc";
  sha256: string | null;
}

export interface IofficeSimDocument {
  id: string;
  so_ky_hieu: string;
  ngay_ban_hanh: string;
  loai_van_ban: string;
  trich_yeu: string;
  co_quan_ban_hanh: { ma: string; ten: string };
  nguoi_ky: { ho_ten: string; chuc_vu: string };
  linh_vuc: string;
  do_khan: string;
  cong_khai: boolean;
  trang_thai: "da_ban_hanh" | "thu_hoi" | "thay_the";
  thay_the_cho: string | null;
  cap_nhat_luc: string;
  tep_dinh_kem: IofficeSimFile[];
}

export interface IofficeSimulatorOptions {
  baseUrl: string;
  seed?: number;
  /** Documents in the base dataset (default 60). */
  count?: number;
  clientId?: string;
  clientSecret?: string;
  tokenTtlSeconds?: number;
  /** First document's cap_nhat_luc (default 2026-01-05T08:00:00+07:00). */
  startAt?: string;
  /** Size range of main files (bytes); every file is exactly the size it announces. */
  mainFileBytes?: { min: number; max: number };
  /**
   * Whether listings carry tep_dinh_kem[].sha256: "always" (builds files while
   * listing), "when-known" (default: once a file was built), "never".
   */
  announceSha256?: "always" | "when-known" | "never";
  /** Clock for tokens and runtime changes. */
  now?: () => Date;
  /**
   * Documents sharing one cap_nhat_luc. Default: pairs now and then (2 of
   * every 3); large values stress paging through ties (more than a page).
   */
  tiesPerTimestamp?: number;
  /** Gap between consecutive timestamps (default 37 minutes). */
  stepMs?: number;
}

export interface DocumentChange {
  /** Existing id to change; omitted: add a new document. */
  id?: string;
  /** Fields to overwrite (contract names). */
  patch?: Partial<Omit<IofficeSimDocument, "id" | "tep_dinh_kem" | "cap_nhat_luc">>;
  /** Issue new bytes for the main file (a new version of the PDF). */
  newFile?: boolean;
}

export interface IofficeSimulator extends Simulator {
  faults: FaultSwitchboard;
  tokens: TokenIssuer;
  /** Current state of one document (NFC), or null. */
  document(id: string): IofficeSimDocument | null;
  /** Ids of all documents in listing order. */
  ids(): string[];
  /** Add or change a document; its cap_nhat_luc moves after every existing one. */
  change(change: DocumentChange): Promise<IofficeSimDocument>;
  /** Withdraw (thu_hoi). */
  withdraw(id: string): Promise<IofficeSimDocument>;
  /** Issue a new document replacing `id`, and mark `id` thay_the. Returns the new one. */
  replace(id: string): Promise<IofficeSimDocument>;
  /** Serve bytes that no longer match the announced sha256/ETag (flips one byte). */
  corruptFile(fileId: string, corrupt?: boolean): void;
  /** Bytes of a file as served (without faults). */
  fileBytes(fileId: string): Promise<Uint8Array>;
  /** Requests served per route kind, for tests. */
  stats: { list: number; item: number; file: number; edxml: number };
}

const SIGNERS_ALL: SignerRole[][] = [["leader"], ["leader", "seal"]];
const STEP_MS = 37 * 60_000;

function isoVn(ms: number): string {
  return `${new Date(ms + 7 * 3600_000).toISOString().slice(0, 19)}+07:00`;
}

function nfdDeep<T>(value: T): T {
  if (typeof value === "string") return value.normalize("NFD") as T;
  if (Array.isArray(value)) return value.map(nfdDeep) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, nfdDeep(v)])) as T;
  }
  return value;
}

interface FileSpec {
  pdf: SignedPdfInput;
}

interface Ref {
  time: number;
  id: string;
  entry: () => Entry;
}

interface Entry {
  doc: IofficeSimDocument;
  /** Serve text in NFD (as some gateways do). */
  nfd: boolean;
  files: Map<string, FileSpec>;
  time: number;
}

export function createIofficeSimulator(options: IofficeSimulatorOptions): IofficeSimulator {
  const seed = options.seed ?? 1;
  const count = options.count ?? 60;
  const now = options.now ?? (() => new Date());
  const start = Date.parse(options.startAt ?? "2026-01-05T08:00:00+07:00");
  const mainBytes = options.mainFileBytes ?? { min: 34_000, max: 90_000 };
  const announce = options.announceSha256 ?? "when-known";
  const faults = new FaultSwitchboard();
  const tokens = new TokenIssuer({
    clientId: options.clientId ?? "portalsync",
    clientSecret: options.clientSecret ?? "sim-secret",
    ttlSeconds: options.tokenTtlSeconds ?? 3600,
    now,
  });
  const stats = { list: 0, item: 0, file: 0, edxml: 0 };

  // Documents that share a timestamp are ordered by id.
  const step = options.stepMs ?? STEP_MS;
  const ties = options.tiesPerTimestamp;
  const baseTime = (i: number) => start + (ties ? Math.floor(i / ties) : Math.floor((i * 2) / 3)) * step;
  const idOf = (i: number) => `VB-${new Date(baseTime(i) + 7 * 3600_000).getUTCFullYear()}-${String(i + 1).padStart(6, "0")}`;
  const indexOfId = (id: string): number | null => {
    const match = /^VB-\d{4}-(\d{6,})$/u.exec(id);
    if (!match) return null;
    const i = Number(match[1]) - 1;
    return i >= 0 && idOf(i) === id ? i : null;
  };

  function generate(i: number): Entry {
    const rng = rngFor(seed, i);
    const time = baseTime(i);
    const stamp = isoVn(time);
    const day = stamp.slice(0, 10);
    const meta = generateDocumentMeta(rng, i + 1, Number(day.slice(0, 4)));
    const id = idOf(i);
    const stem = fileStem(meta.number);
    const signers = rng.pick(SIGNERS_ALL);
    const files = new Map<string, FileSpec>();
    const common = { title: meta.title, number: meta.number, issuer: meta.issuer.name, date: day, body: meta.body };
    const main: IofficeSimFile = {
      id: `F-${String(i + 1).padStart(6, "0")}-1`,
      ten_tep: `${stem}.signed.pdf`,
      kich_thuoc: rng.int(mainBytes.min, mainBytes.max),
      loai: "van_ban_chinh",
      sha256: null,
    };
    files.set(main.id, { pdf: { ...common, signers, targetBytes: main.kich_thuoc } });
    const attachments = [main];
    if (rng.chance(0.3)) {
      const appendix: IofficeSimFile = {
        id: `F-${String(i + 1).padStart(6, "0")}-2`,
        ten_tep: `${stem}-phu-luc.pdf`,
        kich_thuoc: rng.int(8_000, 24_000),
        loai: "phu_luc",
        sha256: null,
      };
      files.set(appendix.id, {
        pdf: { ...common, title: `Phụ lục kèm theo ${meta.type.name} số ${meta.number}`, signers: [], targetBytes: appendix.kich_thuoc },
      });
      attachments.push(appendix);
    }
    let status: IofficeSimDocument["trang_thai"] = "da_ban_hanh";
    let replaces: string | null = null;
    if (i % 40 === 17) status = "thu_hoi";
    if (i % 25 === 24 && i >= 10) replaces = idOf(i - 10);
    if (i % 25 === 14 && i + 10 < count) status = "thay_the";
    const doc: IofficeSimDocument = {
      id,
      so_ky_hieu: meta.number,
      ngay_ban_hanh: day,
      loai_van_ban: meta.type.name,
      trich_yeu: meta.title,
      co_quan_ban_hanh: { ma: meta.issuer.code, ten: meta.issuer.name },
      nguoi_ky: { ho_ten: meta.signer.name, chuc_vu: meta.signer.position },
      linh_vuc: meta.field,
      do_khan: meta.urgency,
      cong_khai: i % 9 !== 4,
      trang_thai: status,
      thay_the_cho: replaces,
      cap_nhat_luc: stamp,
      tep_dinh_kem: attachments,
    };
    return { doc, nfd: i % 10 === 3, files, time };
  }

  // Runtime changes: a changed base document leaves its base slot.
  const changed = new Map<string, Entry>();
  let added = 0;
  let lastTime = baseTime(Math.max(0, count - 1));
  const knownSha = new Map<string, string>();
  const corrupted = new Set<string>();

  function entry(id: string): Entry | null {
    const own = changed.get(id);
    if (own) return own;
    const i = indexOfId(id);
    return i !== null && i < count ? generate(i) : null;
  }

  function fileSpec(fileId: string): { spec: FileSpec; entry: Entry } | null {
    const match = /^F-(\d{6,})-\d+(?:-v\d+)?$/u.exec(fileId);
    if (!match) return null;
    const i = Number(match[1]) - 1;
    const candidates = [...changed.values()].filter((e) => e.files.has(fileId));
    const found = candidates[0] ?? (i < count && !changed.has(idOf(i)) ? generate(i) : null);
    const spec = found?.files.get(fileId);
    return spec && found ? { spec, entry: found } : null;
  }

  async function bytesOf(fileId: string): Promise<Uint8Array | null> {
    const found = fileSpec(fileId);
    if (!found) return null;
    const bytes = await makeSignedPdf(found.spec.pdf);
    knownSha.set(fileId, createHash("sha256").update(bytes).digest("hex"));
    return bytes;
  }

  async function present(e: Entry): Promise<IofficeSimDocument> {
    const doc = structuredClone(e.doc);
    for (const file of doc.tep_dinh_kem) {
      if (announce === "always") await bytesOf(file.id);
      file.sha256 = announce === "never" ? null : (knownSha.get(file.id) ?? null);
    }
    return e.nfd ? nfdDeep(doc) : doc;
  }

  /**
   * Listing order (cap_nhat_luc, id) restricted to [from, to], as cheap
   * references: only the page actually served is generated.
   */
  function listing(from: number | null, to: number | null): Ref[] {
    const lo = from === null ? 0 : lowerBound(from);
    const out: Ref[] = [];
    for (let i = lo; i < count; i++) {
      const time = baseTime(i);
      if (to !== null && time > to) break;
      const id = idOf(i);
      if (changed.has(id)) continue;
      out.push({ time, id, entry: () => generate(i) });
    }
    const extra: Ref[] = [...changed.values()]
      .filter((e) => (from === null || e.time >= from) && (to === null || e.time <= to))
      .map((e) => ({ time: e.time, id: e.doc.id, entry: () => e }));
    if (extra.length === 0) return out;
    return [...out, ...extra].sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  function lowerBound(time: number): number {
    let lo = 0;
    let hi = count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (baseTime(mid) < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  function nextTime(): number {
    lastTime = Math.max(lastTime + 1000, Math.floor(now().getTime() / 1000) * 1000);
    return lastTime;
  }

  async function change(req: DocumentChange): Promise<IofficeSimDocument> {
    const time = nextTime();
    let e: Entry;
    if (req.id) {
      const current = entry(req.id);
      if (!current) throw new Error(`no document ${req.id}`);
      e = { ...current, doc: structuredClone(current.doc), files: new Map(current.files) };
    } else {
      const i = count + added;
      added += 1;
      e = generate(i);
      // Ids of added documents continue the sequence; they live only in `changed`.
    }
    e.time = time;
    e.doc.cap_nhat_luc = isoVn(time);
    Object.assign(e.doc, structuredClone(req.patch ?? {}));
    if (req.newFile) {
      const main = e.doc.tep_dinh_kem.find((f) => f.loai === "van_ban_chinh");
      if (main) {
        const spec = e.files.get(main.id);
        const version = Number(/-v(\d+)$/u.exec(main.id)?.[1] ?? "1") + 1;
        const newId = `${main.id.replace(/-v\d+$/u, "")}-v${version}`;
        if (spec) {
          e.files.set(newId, { pdf: { ...spec.pdf, body: [...(spec.pdf.body ?? []), `Sửa đổi lần ${version} lúc ${e.doc.cap_nhat_luc}.`] } });
        }
        main.id = newId;
      }
    }
    changed.set(e.doc.id, e);
    return present({ ...e, nfd: false });
  }

  const app = new Hono();
  mountFaultRoutes(app, faults);
  mountTokenEndpoint(app, tokens);
  app.use("/api/*", faultMiddleware(faults));
  app.use("/api/*", requireBearer(tokens, faults));

  app.get("/api/v1/van-ban/da-ban-hanh", async (c) => {
    stats.list += 1;
    const q = c.req.query();
    const page = q.trang === undefined ? 1 : Number(q.trang);
    const size = q.so_ban_ghi === undefined ? 50 : Number(q.so_ban_ghi);
    if (!Number.isInteger(page) || page < 1) return c.json({ loi: "trang không hợp lệ" }, 400);
    if (!Number.isInteger(size) || size < 1 || size > 500) return c.json({ loi: "so_ban_ghi phải từ 1 đến 500" }, 400);
    const parse = (v: string | undefined) => (v ? Date.parse(v) : null);
    const from = parse(q.cap_nhat_tu);
    const to = parse(q.cap_nhat_den);
    if (Number.isNaN(from) || Number.isNaN(to)) return c.json({ loi: "thời gian không hợp lệ (ISO-8601)" }, 400);
    const all = listing(from, to);
    const items = pageOf(all, page, size, faults);
    return c.json({ tong_so: all.length, trang: page, du_lieu: await Promise.all(items.map((r) => present(r.entry()))) });
  });

  app.get("/api/v1/van-ban/:id/edxml", async (c) => {
    stats.edxml += 1;
    const e = entry(c.req.param("id"));
    if (!e) return c.json({ loi: "không tìm thấy văn bản" }, 404);
    const xml = await edxmlPackage(e, bytesOf);
    return c.body(xml, 200, { "Content-Type": "application/xml; charset=utf-8" });
  });

  app.get("/api/v1/van-ban/:id", async (c) => {
    stats.item += 1;
    const e = entry(c.req.param("id"));
    if (!e) return c.json({ loi: "không tìm thấy văn bản" }, 404);
    return c.json(await present(e));
  });

  app.get("/api/v1/tep/:fileId", async (c) => {
    stats.file += 1;
    const fileId = c.req.param("fileId");
    const bytes = await bytesOf(fileId);
    if (!bytes) return c.json({ loi: "không tìm thấy tệp" }, 404);
    const sha = knownSha.get(fileId)!;
    let body = bytes;
    if (corrupted.has(fileId)) {
      body = new Uint8Array(bytes);
      const at = Math.floor(body.length / 2);
      body[at] = body[at]! ^ 0xff;
    }
    const name = fileSpec(fileId)?.entry.doc.tep_dinh_kem.find((f) => f.id === fileId)?.ten_tep ?? `${fileId}.pdf`;
    return c.body(body as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": "application/pdf",
      "Content-Length": String(body.length),
      ETag: `"${sha}"`,
      "Content-Disposition": `attachment; filename="${fileStem(name.replace(/\.pdf$/u, ""))}.pdf"; filename*=UTF-8''${encodeURIComponent(name)}`,
    });
  });

  const changeSchema = z.object({
    id: z.string().optional(),
    action: z.enum(["change", "withdraw", "replace"]).default("change"),
    patch: z.record(z.string(), z.unknown()).optional(),
    newFile: z.boolean().optional(),
  });
  app.post("/_sim/documents", async (c) => {
    const parsed = changeSchema.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) return c.json({ error: parsed.error.issues }, 400);
    const { id, action, patch, newFile } = parsed.data;
    try {
      if (action === "withdraw" && id) return c.json(await sim.withdraw(id));
      if (action === "replace" && id) return c.json(await sim.replace(id));
      const req: DocumentChange = { patch: patch as DocumentChange["patch"] };
      if (id !== undefined) req.id = id;
      if (newFile !== undefined) req.newFile = newFile;
      return c.json(await change(req), id ? 200 : 201);
    } catch (error) {
      return c.json({ error: (error as Error).message }, 404);
    }
  });
  app.get("/_sim/documents", (c) => c.json({ count: count + added, changed: [...changed.keys()] }));

  const sim: IofficeSimulator = {
    app,
    faults,
    tokens,
    stats,
    document: (id) => {
      const e = entry(id);
      return e ? structuredClone(e.doc) : null;
    },
    ids: () => listing(null, null).map((r) => r.id),
    change,
    withdraw: (id) => change({ id, patch: { trang_thai: "thu_hoi" } }),
    async replace(id) {
      const old = entry(id);
      if (!old) throw new Error(`no document ${id}`);
      const fresh = await change({ patch: { thay_the_cho: id, loai_van_ban: old.doc.loai_van_ban } });
      await change({ id, patch: { trang_thai: "thay_the" } });
      return fresh;
    },
    corruptFile(fileId, corrupt = true) {
      if (corrupt) corrupted.add(fileId);
      else corrupted.delete(fileId);
    },
    async fileBytes(fileId) {
      const bytes = await bytesOf(fileId);
      if (!bytes) throw new Error(`no file ${fileId}`);
      return bytes;
    },
  };
  return sim;
}

// ─── edXML (QCVN 102:2016) rendering of one document ─────────────────────────

function xmlEscape(value: string): string {
  return value.replace(/&/gu, "&amp;").replace(/</gu, "&lt;").replace(/>/gu, "&gt;").replace(/"/gu, "&quot;");
}

const PRIORITY: Record<string, string> = { "Thường": "0", "Khẩn": "1", "Thượng khẩn": "2", "Hỏa tốc": "3" };

async function edxmlPackage(e: Entry, bytesOf: (id: string) => Promise<Uint8Array | null>): Promise<string> {
  const d = e.doc;
  const [serial, ...rest] = d.so_ky_hieu.split("/");
  const notation = rest.join("/");
  const day = d.ngay_ban_hanh.replace(/-/gu, "/");
  const stamp = `${d.cap_nhat_luc.slice(0, 10).replace(/-/gu, "/")} ${d.cap_nhat_luc.slice(11, 19)}`;
  const docId = `${d.co_quan_ban_hanh.ma},${day},${d.so_ky_hieu}`;
  const businessType = d.trang_thai === "thu_hoi" ? 1 : d.thay_the_cho ? 3 : 0;
  const t = (tag: string, value: string) => `<edXML:${tag}>${xmlEscape(value)}</edXML:${tag}>`;
  const attachments: string[] = [];
  for (const [index, file] of d.tep_dinh_kem.entries()) {
    const bytes = await bytesOf(file.id);
    if (!bytes) continue;
    const entryName = `${file.id.toLowerCase()}.pdf`;
    const zip = zipSync({ [entryName]: bytes }, { level: 0 });
    attachments.push(
      `<Attachment><ContentId>cid:${index + 1}</ContentId><AttachmentName>${xmlEscape(file.ten_tep)}</AttachmentName>` +
        `<Description>${xmlEscape(file.loai === "van_ban_chinh" ? "Văn bản chính" : "Phụ lục")}</Description>` +
        `<ContentType>application/zip</ContentType>` +
        `<edXML:ContentTransferEncoded xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">${Buffer.from(zip).toString("base64")}</edXML:ContentTransferEncoded></Attachment>`,
    );
  }
  const replacement = d.thay_the_cho
    ? `<edXML:ReplacementInfoList><edXML:ReplacementInfo>${t("DocumentId", d.thay_the_cho)}</edXML:ReplacementInfo></edXML:ReplacementInfoList>`
    : "";
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
<edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
<edXML:edXMLHeader>
<edXML:MessageHeader>
<edXML:From>${t("OrganId", d.co_quan_ban_hanh.ma)}${t("OrganName", d.co_quan_ban_hanh.ten)}${t("OrganizationInCharge", d.co_quan_ban_hanh.ten)}</edXML:From>
${t("DocumentId", docId)}
<edXML:Code>${t("CodeNumber", serial ?? "")}${t("CodeNotation", notation)}</edXML:Code>
<edXML:PromulgationInfo>${t("Place", "Quảng Ngãi")}${t("PromulgationDate", day)}</edXML:PromulgationInfo>
<edXML:DocumentType>${t("Type", "1")}${t("TypeName", d.loai_van_ban)}</edXML:DocumentType>
${t("Subject", d.trich_yeu)}
${t("Content", d.trich_yeu)}
<edXML:SignerInfo>${t("Competence", d.nguoi_ky.chuc_vu)}${t("Position", d.nguoi_ky.chuc_vu)}${t("FullName", d.nguoi_ky.ho_ten)}</edXML:SignerInfo>
<edXML:OtherInfo>${t("Priority", PRIORITY[d.do_khan] ?? "0")}${t("SphereOfPromulgation", d.cong_khai ? "Công khai" : "Nội bộ")}</edXML:OtherInfo>
</edXML:MessageHeader>
<edXML:TraceHeaderList>
<edXML:TraceHeader>${t("OrganId", d.co_quan_ban_hanh.ma)}${t("Timestamp", stamp)}</edXML:TraceHeader>
<edXML:Bussiness>${t("DocumentId", docId)}${t("BussinessDocType", String(businessType))}${replacement}</edXML:Bussiness>
</edXML:TraceHeaderList>
</edXML:edXMLHeader>
<edXML:edXMLBody><edXML:edXMLManifest>${d.tep_dinh_kem
    .map((f, i) => `<edXML:Reference><edXML:ContentId>cid:${i + 1}</edXML:ContentId><edXML:AttachmentName>${xmlEscape(f.ten_tep)}</edXML:AttachmentName></edXML:Reference>`)
    .join("")}</edXML:edXMLManifest></edXML:edXMLBody>
</edXML:edXMLEnvelope>
<AttachmentEncoded>${attachments.join("")}</AttachmentEncoded>
</edXML>
`;
  return e.nfd ? xml.normalize("NFD") : xml;
}
