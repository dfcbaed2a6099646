// DVC simulator: serves ../shared/contracts/sources.md (DVC part) exactly, with
// deterministic procedures shaped like the national database's (see
// catalogue.ts), form templates with real magic bytes, a runtime API to add,
// modify, abolish and remove procedures (incremental tests), and the shared
// fault switchboard from sim-kit.

import { createHash } from "node:crypto";
import { zipSync, strToU8 } from "fflate";
import { Hono } from "hono";
import type { Simulator } from "../sdk.ts";
import { FaultSwitchboard, faultMiddleware, mountFaultRoutes, pageOf } from "../sim-kit/faults.ts";
import { TokenIssuer, mountTokenEndpoint, requireBearer } from "../sim-kit/oauth.ts";
import { createRng, rngFor } from "../sim-kit/vietnamese-data.ts";
import { asciiFold } from "../sim-kit/signed-pdf.ts";
import {
  DISTRICTS,
  LEVEL_NAME,
  LOCAL_TEMPLATES,
  PROCEDURE_TEMPLATES,
  PROVINCE,
  PROVINCIAL_TEMPLATES,
  type ProcedureTemplate,
} from "./catalogue.ts";
import type { DvcListItem, DvcProcedurePackage } from "./mapping.ts";

export interface DvcSimulatorOptions {
  /** Where the simulator is reachable; form URLs are `{baseUrl}/api/v1/tep/{id}`. */
  baseUrl: string;
  seed?: number;
  /** Procedures at start (default: the whole catalogue, 108). */
  count?: number;
  clientId?: string;
  clientSecret?: string;
  /** Token lifetime announced and enforced. */
  tokenTtlSeconds?: number;
  now?: () => Date;
  /** NGAYCAPNHAT of the first generated procedure. */
  startAt?: string;
}

export interface StoredFile {
  name: string;
  mime: string;
  bytes: Uint8Array;
  sha256: string;
}

export interface DvcSimulator extends Simulator {
  board: FaultSwitchboard;
  tokens: TokenIssuer;
  /** Form URLs use this; change it once the real port is known. */
  baseUrl: string;
  /** Current packages ordered as the listing orders them. */
  procedures(): DvcProcedurePackage[];
  get(matthc: string): DvcProcedurePackage | undefined;
  /** A new procedure (next variant of a catalogue template), with an NGAYCAPNHAT after every other. */
  add(options?: { template?: string; patch?: Partial<DvcProcedurePackage> }): DvcProcedurePackage;
  /** A new version: NGAYCAPNHAT moves forward; default change is a new decision number. */
  modify(matthc: string, patch?: Partial<DvcProcedurePackage>): DvcProcedurePackage;
  /** TRANGTHAI "0" (bãi bỏ), still listed. */
  abolish(matthc: string): DvcProcedurePackage;
  /** Gone from the listing altogether (abolition by absence). */
  remove(matthc: string): boolean;
  file(id: string): StoredFile | undefined;
  /** Requests served per route kind, for tests. */
  stats: { list: number; item: number; file: number; /** listings refused for a cap_nhat_tu without +07:00 */ wrongOffset: number };
}

const DEFAULT_CLIENT_ID = "portalsync";
const DEFAULT_CLIENT_SECRET = "dvc-sim-secret";

/** ISO-8601 in Vietnam time: 2026-11-18T09:12:44+07:00. */
export function vietnamIso(date: Date): string {
  const shifted = new Date(date.getTime() + 7 * 3600_000);
  return `${shifted.toISOString().slice(0, 19)}+07:00`;
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

// ─── Form templates ──────────────────────────────────────────────────────────

const MIME_BY_EXT: Record<string, string> = {
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  doc: "application/msword",
  pdf: "application/pdf",
};

function xmlEscape(value: string): string {
  return value.replace(/&/gu, "&amp;").replace(/</gu, "&lt;").replace(/>/gu, "&gt;").replace(/"/gu, "&quot;");
}

function makeDocx(title: string, lines: string[]): Uint8Array {
  const paragraphs = [title, ...lines]
    .map((line, i) => `<w:p>${i === 0 ? '<w:pPr><w:jc w:val="center"/></w:pPr>' : ""}<w:r>${i === 0 ? "<w:rPr><w:b/></w:rPr>" : ""}<w:t xml:space="preserve">${xmlEscape(line)}</w:t></w:r></w:p>`)
    .join("");
  return zipSync(
    {
      "[Content_Types].xml": strToU8(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
      ),
      "_rels/.rels": strToU8(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
      ),
      "word/document.xml": strToU8(
        `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${paragraphs}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>`,
      ),
    },
    // Fixed mtime keeps the bytes (and the ETag) identical across runs.
    { mtime: new Date("2026-01-01T00:00:00Z") },
  );
}

/**
 * Legacy Word files start with the OLE2 compound-file signature; the body here
 * is the text in UTF-16LE, enough for type sniffing and checksums (it is not a
 * document Word would open).
 */
function makeDoc(title: string, lines: string[]): Uint8Array {
  const header = new Uint8Array(512);
  header.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
  header.set([0x3e, 0x00, 0x03, 0x00, 0xfe, 0xff, 0x09, 0x00], 24);
  const text = Buffer.from([title, ...lines].join("\r"), "utf16le");
  const out = new Uint8Array(header.length + text.length);
  out.set(header);
  out.set(text, header.length);
  return out;
}

/** A small valid one-page PDF (Helvetica, so text is ASCII-folded; the NFC title is in /Info). */
function makePdf(title: string, lines: string[]): Uint8Array {
  const esc = (value: string) => asciiFold(value).replace(/[\\()]/gu, (c) => `\\${c}`).replace(/[^\x20-\x7e]/gu, "?");
  const content = [
    "BT /F1 14 Tf 60 780 Td",
    `(${esc(title)}) Tj`,
    "/F1 11 Tf",
    ...lines.map((line) => `0 -22 Td (${esc(line)}) Tj`),
    "ET",
  ].join("\n");
  const utf16Title = `FEFF${Buffer.from(title, "utf16le").swap16().toString("hex").toUpperCase()}`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    `<< /Length ${Buffer.byteLength(content, "latin1")} >>\nstream\n${content}\nendstream`,
    `<< /Title <${utf16Title}> /Producer (portalsync DVC simulator) >>`,
  ];
  let body = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
  const offsets: number[] = [];
  objects.forEach((obj, i) => {
    offsets.push(Buffer.byteLength(body, "latin1"));
    body += `${i + 1} 0 obj\n${obj}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body, "latin1");
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, "0")} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(body, "latin1"));
}

export function makeFormTemplate(fileName: string, title: string, procedure: string): StoredFile {
  const ext = /\.([a-z]+)$/iu.exec(fileName)?.[1]?.toLowerCase() ?? "pdf";
  const lines = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    `Kính gửi: Ủy ban nhân dân ${PROVINCE.name}`,
    `Thủ tục: ${procedure}`,
    "Họ, chữ đệm, tên người yêu cầu: ................................................",
    "Nơi cư trú: ........................................................................",
    "Giấy tờ tùy thân: ...............................................................",
    "Tôi cam đoan nội dung khai trên đây là đúng sự thật và chịu trách nhiệm trước pháp luật về cam đoan của mình.",
  ];
  const bytes = ext === "docx" ? makeDocx(title, lines) : ext === "doc" ? makeDoc(title, lines) : makePdf(title, lines);
  return { name: fileName, mime: MIME_BY_EXT[ext] ?? "application/octet-stream", bytes, sha256: sha256Hex(bytes) };
}

// ─── Procedures ──────────────────────────────────────────────────────────────

interface Slot {
  template: ProcedureTemplate;
  agencyCode: string;
  agencyName: string;
}

/** Base catalogue: provincial procedures once, local ones once per district. */
function baseSlots(): Slot[] {
  const slots: Slot[] = PROVINCIAL_TEMPLATES.map((template) => ({ template, agencyCode: PROVINCE.agency, agencyName: PROVINCE.people }));
  for (const district of DISTRICTS) {
    for (const template of LOCAL_TEMPLATES) {
      slots.push({ template, agencyCode: `000.00.${district.segment}.H55`, agencyName: district.name });
    }
  }
  return slots;
}

function formId(template: ProcedureTemplate, code: string): string {
  return `F-${template.nationalCode.replace(/\./gu, "")}-${code}`;
}

function buildPackage(
  slot: Slot,
  variant: number,
  updatedAt: string,
  decision: string,
  baseUrl: string,
  nfd: boolean,
): DvcProcedurePackage {
  const { template } = slot;
  // Variants beyond the catalogue get their own 3-digit segment so MATTHC stays unique.
  const agencyPart = variant === 0 ? slot.agencyCode : slot.agencyCode.replace(/^000\./u, `${String(variant).padStart(3, "0")}.`);
  const matthc = `${template.nationalCode}.${agencyPart}`;
  const t = (value: string) => (nfd ? value.normalize("NFD") : value);
  const levelName = template.level === "3" ? `Cấp xã (${slot.agencyName.replace(/^UBND /u, "")})` : LEVEL_NAME[template.level] ?? "";
  const executing =
    template.level === "1"
      ? { MADONVI: PROVINCE.agency, TENDONVI: `Sở ngành - ${PROVINCE.people}` }
      : template.level === "2"
        ? { MADONVI: slot.agencyCode, TENDONVI: slot.agencyName }
        : { MADONVI: slot.agencyCode, TENDONVI: "UBND cấp xã" };
  return {
    ID: template.nationalCode,
    MATTHC: matthc,
    TENTTHC: t(template.name),
    MACOQUANCONGBO: PROVINCE.agency,
    LOAITTHC: "1",
    IDQUYETDINHCONGBO: decision,
    TRANGTHAI: "1",
    NGAYCAPNHAT: updatedAt,
    CAPTHUCHIEN: [{ CAPTHUCHIEN: template.level, TENCAP: levelName }],
    LINHVUCTHUCHIEN: [{ MALINHVUC: template.field.code, TENLINHVUC: t(template.field.name) }],
    DOITUONGTHUCHIEN: template.audience.map((a) => ({ MADOITUONG: a.code, TENDOITUONG: t(a.name) })),
    TRINHTUTHUCHIEN: [{ TRUONGHOP: "", TRINHTU: template.steps.map((s) => ({ TENTRINHTU: t(s) })) }],
    CACHTHUCTHUCHIEN: (["1", "2", "3"] as const)
      .filter((kenh) => template.days[kenh] !== undefined)
      .map((kenh) => ({
        KENH: kenh,
        THOIGIAN: [
          {
            THOIGIANGIAIQUYET: template.days[kenh] ?? "",
            DONVITINH: template.dayUnit,
            MOTA: kenh === "3" ? "Thời gian chuyển phát không tính vào thời hạn giải quyết" : "",
            PHILEPHI: template.fee
              ? [
                  {
                    MAPHILEPHI: template.fee.code,
                    // Online filing is often fee-free (Thông tư 106/2021 and successors).
                    SOTIEN: kenh === "2" && template.fee.amount !== "0" ? "0" : template.fee.amount,
                    DONVI: "Đồng",
                    MOTA: t(kenh === "2" && template.fee.amount !== "0" ? `${template.fee.description} (miễn khi nộp trực tuyến)` : template.fee.description),
                  },
                ]
              : [],
          },
        ],
      })),
    THANHPHANHOSO: [
      {
        TRUONGHOP: "",
        GIAYTO: template.dossier.map((d) => ({
          MAGIAYTO: d.code,
          TENGIAYTO: t(d.name),
          SOBANCHINH: String(d.originals),
          SOBANSAO: String(d.copies),
          TENMAUDON: d.form ?? "",
          URL: d.form ? `${baseUrl}/api/v1/tep/${formId(template, d.code)}` : "",
        })),
      },
    ],
    KETQUATHUCHIEN: template.results.map((name, i) => ({ MAKETQUA: `KQ${String(i + 1).padStart(2, "0")}`, TENKETQUA: t(name) })),
    CANCUPHAPLY: template.legal.map((l) => ({ SOVANBAN: l.number, TENVANBAN: t(l.title), COQUANBANHANH: t(l.issuer), NGAYBANHANH: l.date })),
    COQUANTHUCHIEN: [executing],
    YEUCAU: t(template.requirements),
    MOTADOITUONGTHUCHIEN: "",
    DIACHITIEPNHAN:
      template.level === "1"
        ? "Trung tâm Phục vụ hành chính công tỉnh Quảng Ngãi, số 190 Hùng Vương, thành phố Quảng Ngãi"
        : `Bộ phận Tiếp nhận và Trả kết quả - ${slot.agencyName}`,
  };
}

function ms(value: string): number {
  return Date.parse(value);
}

function listOrder(a: DvcProcedurePackage, b: DvcProcedurePackage): number {
  // The contract orders by change time, then id; MATTHC is the id that is
  // unique (ID, the national code, repeats across districts).
  return ms(a.NGAYCAPNHAT) - ms(b.NGAYCAPNHAT) || (a.MATTHC < b.MATTHC ? -1 : a.MATTHC > b.MATTHC ? 1 : 0);
}

export function createDvcSimulator(options: DvcSimulatorOptions): DvcSimulator {
  const seed = options.seed ?? 2026;
  const now = options.now ?? (() => new Date());
  const start = ms(options.startAt ?? "2026-01-05T08:00:00+07:00");
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID;
  const clientSecret = options.clientSecret ?? DEFAULT_CLIENT_SECRET;
  // Routes are served at the app's root (the host mounts the app where it
  // likes); baseUrl only builds the form URLs the simulator hands out.
  const prefix = "";
  const board = new FaultSwitchboard();
  const tokens = new TokenIssuer({ clientId, clientSecret, ttlSeconds: options.tokenTtlSeconds ?? 3600, now });
  const store = new Map<string, DvcProcedurePackage>();
  const files = new Map<string, StoredFile>();
  const fileSources = new Map<string, { name: string; title: string; procedure: string }>();
  const slots = baseSlots();
  let generated = 0;
  let latest = start;
  const stats = { list: 0, item: 0, file: 0, wrongOffset: 0 };

  const sim: DvcSimulator = {
    app: new Hono(),
    faults: {},
    board,
    tokens,
    baseUrl: options.baseUrl.replace(/\/+$/u, ""),
    procedures: () => [...store.values()].sort(listOrder),
    get: (matthc) => store.get(matthc),
    add,
    modify,
    abolish: (matthc) => modify(matthc, { TRANGTHAI: "0" }),
    remove: (matthc) => store.delete(matthc),
    file,
    stats,
  };
  sim.faults = board as unknown as Record<string, unknown>;

  function nextStamp(): string {
    // Strictly after everything listed, so incremental listings see the change.
    latest = Math.max(latest + 1000, Math.floor(now().getTime() / 1000) * 1000);
    return vietnamIso(new Date(latest));
  }

  function generate(index: number, updatedAt: string, templateCode?: string): DvcProcedurePackage {
    const candidates = templateCode ? slots.filter((s) => s.template.nationalCode === templateCode) : slots;
    if (candidates.length === 0) throw new Error(`no catalogue template ${templateCode}`);
    const slot = candidates[index % candidates.length]!;
    const variant = Math.floor(index / candidates.length);
    const rng = rngFor(seed, index, templateCode ? 7 : 0);
    const decision = `${rng.int(100, 2999)}/QĐ-UBND`;
    let pkg = buildPackage(slot, variant, updatedAt, decision, sim.baseUrl, index % 5 === 4);
    // Codes must be unique; a template-specific add may collide with a base procedure.
    let bump = variant;
    while (store.has(pkg.MATTHC)) pkg = buildPackage(slot, ++bump, updatedAt, decision, sim.baseUrl, false);
    for (const doc of slot.template.dossier) {
      if (doc.form) fileSources.set(formId(slot.template, doc.code), { name: doc.form, title: doc.name, procedure: slot.template.name });
    }
    return pkg;
  }

  // Procedures published by the same decision share a timestamp (three per
  // batch), which exercises the tie-break on MATTHC in the listing order.
  const count = options.count ?? slots.length;
  const batchRng = createRng(seed);
  let stamp = start;
  for (let i = 0; i < count; i++) {
    if (i > 0 && i % 3 === 0) stamp += (30 + batchRng.int(0, 60)) * 60_000;
    const pkg = generate(i, vietnamIso(new Date(stamp)));
    store.set(pkg.MATTHC, pkg);
    generated = i + 1;
  }
  latest = stamp;

  function add(addOptions: { template?: string; patch?: Partial<DvcProcedurePackage> } = {}): DvcProcedurePackage {
    const pkg = { ...generate(generated++, nextStamp(), addOptions.template), ...addOptions.patch };
    pkg.NGAYCAPNHAT = addOptions.patch?.NGAYCAPNHAT ?? pkg.NGAYCAPNHAT;
    store.set(pkg.MATTHC, pkg);
    return structuredClone(pkg);
  }

  function modify(matthc: string, patch?: Partial<DvcProcedurePackage>): DvcProcedurePackage {
    const current = store.get(matthc);
    if (!current) throw new Error(`unknown procedure ${matthc}`);
    const decisionSerial = Number.parseInt(current.IDQUYETDINHCONGBO ?? "0", 10) || 0;
    const change = patch ?? { IDQUYETDINHCONGBO: `${decisionSerial + 1}/QĐ-UBND` };
    const next: DvcProcedurePackage = { ...current, ...change, MATTHC: matthc, NGAYCAPNHAT: nextStamp() };
    store.set(matthc, next);
    return structuredClone(next);
  }

  function file(id: string): StoredFile | undefined {
    let stored = files.get(id);
    if (!stored) {
      const source = fileSources.get(id);
      if (!source) return undefined;
      stored = makeFormTemplate(source.name, source.title, source.procedure);
      files.set(id, stored);
    }
    return stored;
  }

  // ─── HTTP ──────────────────────────────────────────────────────────────────
  const app = sim.app;
  app.use("*", faultMiddleware(board));
  mountTokenEndpoint(app, tokens, prefix);
  mountFaultRoutes(app, board, prefix);
  app.use(`${prefix}/api/*`, requireBearer(tokens, board));

  app.get(`${prefix}/api/v1/thu-tuc`, (c) => {
    stats.list += 1;
    const page = Number(c.req.query("trang") ?? "1");
    const size = Number(c.req.query("so_ban_ghi") ?? "50");
    if (!Number.isInteger(page) || page < 1) return c.json({ loi: "tham_so_khong_hop_le", thong_bao: "trang phải là số nguyên ≥ 1" }, 400);
    if (!Number.isInteger(size) || size < 1 || size > 500) {
      return c.json({ loi: "tham_so_khong_hop_le", thong_bao: "so_ban_ghi phải trong khoảng 1..500" }, 400);
    }
    const fromText = c.req.query("cap_nhat_tu");
    const from = fromText ? Date.parse(fromText) : Number.NEGATIVE_INFINITY;
    if (Number.isNaN(from)) return c.json({ loi: "tham_so_khong_hop_le", thong_bao: "cap_nhat_tu không phải thời gian ISO-8601" }, 400);
    // The contract's times carry +07:00; gateways that read the wall time and
    // ignore the offset would shift a `Z` time by seven hours, so refuse it.
    if (fromText && !/\+07:00$/u.test(fromText)) {
      stats.wrongOffset += 1;
      return c.json({ loi: "tham_so_khong_hop_le", thong_bao: "cap_nhat_tu phải theo giờ Việt Nam (+07:00)" }, 400);
    }
    const all = sim.procedures().filter((p) => ms(p.NGAYCAPNHAT) >= from);
    const items: DvcListItem[] = pageOf(all, page, size, board).map((p) => ({
      ID: p.ID ?? "",
      MATTHC: p.MATTHC,
      TENTTHC: p.TENTTHC,
      TRANGTHAI: p.TRANGTHAI,
      NGAYCAPNHAT: p.NGAYCAPNHAT,
    }));
    return c.json({ tong_so: all.length, trang: page, du_lieu: items });
  });

  app.get(`${prefix}/api/v1/thu-tuc/:matthc`, (c) => {
    stats.item += 1;
    const pkg = store.get(c.req.param("matthc"));
    if (!pkg) return c.json({ loi: "khong_tim_thay", thong_bao: "Không tìm thấy thủ tục hành chính" }, 404);
    return c.json(pkg);
  });

  app.get(`${prefix}/api/v1/tep/:fileId`, (c) => {
    stats.file += 1;
    const stored = file(c.req.param("fileId"));
    if (!stored) return c.json({ loi: "khong_tim_thay", thong_bao: "Không tìm thấy tệp" }, 404);
    return c.body(stored.bytes.slice().buffer as ArrayBuffer, 200, {
      "Content-Type": stored.mime,
      "Content-Length": String(stored.bytes.length),
      ETag: `"${stored.sha256}"`,
      "Content-Disposition": `attachment; filename*=UTF-8''${encodeURIComponent(stored.name)}`,
    });
  });

  // Runtime control for tests and demos (no auth: simulators only).
  app.get(`${prefix}/_sim/thu-tuc`, (c) => c.json(sim.procedures().map((p) => ({ MATTHC: p.MATTHC, TRANGTHAI: p.TRANGTHAI, NGAYCAPNHAT: p.NGAYCAPNHAT }))));
  app.post(`${prefix}/_sim/thu-tuc`, async (c) => {
    const body = ((await c.req.json().catch(() => ({}))) ?? {}) as { template?: string; patch?: Partial<DvcProcedurePackage> };
    try {
      return c.json(add(body), 201);
    } catch (error) {
      return c.json({ error: (error as Error).message }, 400);
    }
  });
  app.patch(`${prefix}/_sim/thu-tuc/:matthc`, async (c) => {
    const matthc = c.req.param("matthc");
    if (!store.has(matthc)) return c.json({ error: "unknown procedure" }, 404);
    const body = (await c.req.json().catch(() => null)) as Partial<DvcProcedurePackage> | null;
    return c.json(modify(matthc, body && Object.keys(body).length > 0 ? body : undefined));
  });
  app.post(`${prefix}/_sim/thu-tuc/:matthc/bai-bo`, (c) => {
    const matthc = c.req.param("matthc");
    if (!store.has(matthc)) return c.json({ error: "unknown procedure" }, 404);
    return c.json(sim.abolish(matthc));
  });
  app.delete(`${prefix}/_sim/thu-tuc/:matthc`, (c) => (sim.remove(c.req.param("matthc")) ? c.body(null, 204) : c.json({ error: "unknown procedure" }, 404)));

  return sim;
}

export { PROCEDURE_TEMPLATES, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET };
