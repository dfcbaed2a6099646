// Signed PDFs for simulators: a real one-page PDF (pdf-lib) signed with a
// detached CMS from the committed TEST-ONLY PKI in ./test-ca. The leader signs
// with SubFilter ETSI.CAdES.detached (PAdES B-B); the agency seal, when asked,
// signs in a second incremental update with adbe.pkcs7.detached, so verifiers
// see both sub-filters and a multi-revision file.
//
// The CMS is assembled with node-forge's ASN.1 layer; hashing and RSA run in
// node:crypto (forge's JS RSA is ~10x slower and signing dominates the cost).

import { createCipheriv, createHash, createPrivateKey, sign as rsaSign, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import forge from "node-forge";
import { PDFDocument, PDFName, StandardFonts, rgb } from "pdf-lib";
import { cleanText, nfc } from "../../src/core/index.ts";

const asn1 = forge.asn1;
type Asn1 = forge.asn1.Asn1;

export type SignerRole = "leader" | "seal";

export interface SignedPdfInput {
  title: string;
  number: string;
  issuer: string;
  /** Ngày ban hành, YYYY-MM-DD (also the signing day). */
  date: string;
  body?: string[];
  /** Default ["leader"]; [] gives an unsigned PDF (e.g. a phụ lục). */
  signers?: SignerRole[];
  /** Extra incompressible bytes, to make files of realistic size. */
  padBytes?: number;
  /**
   * Exact total size of the result (padding is computed); must exceed the
   * natural size. Lets a simulator announce kich_thuoc before building a file.
   */
  targetBytes?: number;
}

// ─── Test PKI ────────────────────────────────────────────────────────────────

const CA_DIR = new URL("./test-ca/", import.meta.url);

export const TEST_CA_FILES = {
  root: new URL("test-root-ca.cert.pem", CA_DIR),
  issuing: new URL("test-issuing-ca.cert.pem", CA_DIR),
  chain: new URL("test-chain.pem", CA_DIR),
  leaderCert: new URL("test-leader.cert.pem", CA_DIR),
  sealCert: new URL("test-seal.cert.pem", CA_DIR),
} as const;

interface SignerMaterial {
  key: KeyObject;
  certDer: Buffer;
  issuerNode: Asn1;
  serialNode: Asn1;
  /** The certificates carried in the CMS: signer then issuing CA. */
  chainDer: Buffer[];
  displayName: string;
  location: string;
  reason: string;
}

function pemToDer(pem: string): Buffer {
  const b64 = pem.replace(/-----[^-]+-----/gu, "").replace(/\s+/gu, "");
  return Buffer.from(b64, "base64");
}

function readPem(name: string): string {
  return readFileSync(new URL(name, CA_DIR), "utf8");
}

/** PEM of the test root: the trust anchor verifiers must be given in tests. */
export function testRootCertPem(): string {
  return readPem("test-root-ca.cert.pem");
}

let materials: Map<SignerRole, SignerMaterial> | null = null;

function signerMaterial(role: SignerRole): SignerMaterial {
  if (!materials) {
    const issuingDer = pemToDer(readPem("test-issuing-ca.cert.pem"));
    const load = (file: string, displayName: string, reason: string): SignerMaterial => {
      const certDer = pemToDer(readPem(`test-${file}.cert.pem`));
      const cert = asn1.fromDer(forge.util.createBuffer(certDer.toString("binary")));
      const tbs = (cert.value as Asn1[])[0]!;
      const fields = tbs.value as Asn1[];
      // tbsCertificate: [0] version, serialNumber, signature, issuer, ...
      const serialNode = fields[1]!;
      const issuerNode = fields[3]!;
      return {
        key: createPrivateKey(readPem(`test-${file}.key.pem`)),
        certDer,
        issuerNode,
        serialNode,
        chainDer: [certDer, issuingDer],
        displayName,
        location: "Bình Sơn, Quảng Ngãi",
        reason,
      };
    };
    materials = new Map([
      ["leader", load("leader", "Phạm Quang Sự", "Ký ban hành văn bản")],
      ["seal", load("seal", "UBND huyện Bình Sơn", "Đóng dấu cơ quan ban hành")],
    ]);
  }
  const material = materials.get(role);
  if (!material) throw new Error(`unknown signer role ${role}`);
  return material;
}

// ─── CMS (RFC 5652) ──────────────────────────────────────────────────────────

const OID = {
  data: "1.2.840.113549.1.7.1",
  signedData: "1.2.840.113549.1.7.2",
  sha256: "2.16.840.1.101.3.4.2.1",
  rsaEncryption: "1.2.840.113549.1.1.1",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
} as const;

const { Class, Type } = asn1;
const seq = (value: Asn1[]): Asn1 => asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, value);
const set = (value: Asn1[]): Asn1 => asn1.create(Class.UNIVERSAL, Type.SET, true, value);
const oid = (id: string): Asn1 => asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(id).getBytes());
const octets = (bytes: Uint8Array): Asn1 =>
  asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, Buffer.from(bytes).toString("binary"));
const int = (n: number): Asn1 => asn1.create(Class.UNIVERSAL, Type.INTEGER, false, asn1.integerToDer(n).getBytes());
const nul = (): Asn1 => asn1.create(Class.UNIVERSAL, Type.NULL, false, "");
const explicit = (tag: number, value: Asn1[]): Asn1 => asn1.create(Class.CONTEXT_SPECIFIC, tag, true, value);
const derBytes = (node: Asn1): Buffer => Buffer.from(asn1.toDer(node).getBytes(), "binary");
const fromDer = (der: Buffer): Asn1 => asn1.fromDer(forge.util.createBuffer(der.toString("binary")));
const sha256 = (data: Uint8Array): Buffer => createHash("sha256").update(data).digest();

function attribute(type: string, value: Asn1): Asn1 {
  return seq([oid(type), set([value])]);
}

function utcTime(date: Date): Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.UTCTIME, false, asn1.dateToUtcTime(date));
}

/** Detached CMS SignedData over `digest` (the SHA-256 of the PDF byte ranges). */
function buildCms(role: SignerRole, digest: Buffer, signingTime: Date, cades: boolean): Buffer {
  const m = signerMaterial(role);
  const sha256Alg = seq([oid(OID.sha256), nul()]);
  const attrs: Asn1[] = [
    attribute(OID.contentType, oid(OID.data)),
    attribute(OID.messageDigest, octets(digest)),
  ];
  if (cades) {
    // PAdES B-B: ESS signing-certificate-v2 binds the signer certificate; the
    // signing time lives in the signature dictionary's /M, not in the CMS.
    const issuerSerial = seq([seq([explicit(4, [m.issuerNode])]), m.serialNode]);
    attrs.push(attribute(OID.signingCertificateV2, seq([seq([seq([octets(sha256(m.certDer)), issuerSerial])])])));
  } else {
    attrs.push(attribute(OID.signingTime, utcTime(signingTime)));
  }
  // DER: SET OF is sorted by the encodings of its elements.
  const sorted = attrs.map(derBytes).sort(Buffer.compare);
  const signedAttrsSet = Buffer.concat([derHeader(0x31, sorted), ...sorted]);
  const signature = rsaSign("sha256", signedAttrsSet, m.key);
  const signedAttrs = asn1.create(Class.CONTEXT_SPECIFIC, 0, true, sorted.map(fromDer));

  const signerInfo = seq([
    int(1),
    seq([m.issuerNode, m.serialNode]),
    sha256Alg,
    signedAttrs,
    seq([oid(OID.rsaEncryption), nul()]),
    octets(signature),
  ]);
  const certificates = asn1.create(Class.CONTEXT_SPECIFIC, 0, true, m.chainDer.map(fromDer));
  const signedData = seq([int(1), set([sha256Alg]), seq([oid(OID.data)]), certificates, set([signerInfo])]);
  return derBytes(seq([oid(OID.signedData), explicit(0, [signedData])]));
}

function derHeader(tag: number, parts: Buffer[]): Buffer {
  const length = parts.reduce((n, p) => n + p.length, 0);
  if (length < 0x80) return Buffer.from([tag, length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
}

// ─── PDF assembly ────────────────────────────────────────────────────────────

/** Hex chars reserved for each CMS (~3 KB DER with two certificates). */
const CONTENTS_HEX = 12_000;
const BYTE_RANGE_PLACEHOLDER = "/ByteRange [0 ********** ********** **********]";

/** Case-preserving ASCII fold: the standard fonts cannot draw Vietnamese. */
export function asciiFold(value: string): string {
  return value
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .replace(/đ/gu, "d")
    .replace(/Đ/gu, "D")
    .replace(/[^\x20-\x7e]/gu, "?");
}

function pdfDate(date: Date): string {
  // Vietnam time, as iOffice stamps it.
  const local = new Date(date.getTime() + 7 * 3600_000).toISOString();
  return `D:${local.slice(0, 4)}${local.slice(5, 7)}${local.slice(8, 10)}${local.slice(11, 13)}${local.slice(14, 16)}${local.slice(17, 19)}+07'00'`;
}

/** PDF text string in UTF-16BE with BOM (PDF 32000 7.9.2.2). */
function pdfTextString(value: string): string {
  const utf16 = Buffer.from(nfc(value), "utf16le").swap16();
  return `<FEFF${utf16.toString("hex").toUpperCase()}>`;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/u)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

function signingDate(isoDay: string): Date {
  // Mid-afternoon Vietnam time on the issue day: deterministic per input.
  const parsed = new Date(`${isoDay}T15:30:00+07:00`);
  return Number.isNaN(parsed.getTime()) ? new Date("2026-01-02T08:30:00Z") : parsed;
}

function xmp(input: SignedPdfInput): Uint8Array {
  const esc = (s: string) => nfc(s).replace(/&/gu, "&amp;").replace(/</gu, "&lt;").replace(/>/gu, "&gt;");
  const xml = `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<dc:title><rdf:Alt><rdf:li xml:lang="vi">${esc(input.title)}</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>${esc(input.issuer)}</rdf:li></rdf:Seq></dc:creator>
<dc:identifier>${esc(input.number)}</dc:identifier>
<dc:date>${esc(input.date)}</dc:date>
<dc:language>vi</dc:language>
<pdf:Keywords>${esc(input.number)}</pdf:Keywords>
</rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>`;
  return new TextEncoder().encode(xml);
}

interface BaseDocument {
  bytes: Uint8Array;
  catalogNum: number;
  catalogBody: string;
  pageNum: number;
  pageBody: string;
  size: number;
  infoNum: number | null;
}

async function buildBase(input: SignedPdfInput, when: Date): Promise<BaseDocument> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const title = cleanText(input.title);
  doc.setTitle(title);
  doc.setSubject(title);
  doc.setAuthor(cleanText(input.issuer));
  doc.setKeywords([cleanText(input.number)]);
  doc.setCreator("portalsync sim-kit (TEST DATA)");
  doc.setProducer("portalsync sim-kit");
  doc.setCreationDate(when);
  doc.setModificationDate(when);
  doc.setLanguage("vi-VN");
  const metadata = doc.context.stream(xmp(input), { Type: "Metadata", Subtype: "XML" });
  doc.catalog.set(PDFName.of("Metadata"), doc.context.register(metadata));

  const page = doc.addPage([595.28, 841.89]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  let y = 800;
  const draw = (text: string, size = 11, useBold = false, x = 56) => {
    page.drawText(asciiFold(text), { x, y, size, font: useBold ? bold : font, color: rgb(0, 0, 0) });
    y -= size + 6;
  };
  draw(input.issuer.toUpperCase(), 10, true);
  draw("CONG HOA XA HOI CHU NGHIA VIET NAM", 10, true, 300);
  draw(`So: ${input.number}`, 10);
  draw("Doc lap - Tu do - Hanh phuc", 10, true, 330);
  draw(`Ngay ban hanh: ${input.date}`, 10, false, 330);
  y -= 20;
  for (const line of wrap(title, 70)) draw(line, 13, true, 70);
  y -= 10;
  for (const paragraph of input.body ?? []) {
    for (const line of wrap(paragraph, 95)) {
      if (y < 120) break;
      draw(line, 10);
    }
    y -= 4;
  }
  y = Math.min(y, 200);
  draw("(Van ban thu nghiem do portalsync sim-kit tao ra - TEST DATA)", 8);

  const catalogRef = doc.context.trailerInfo.Root;
  const infoRef = doc.context.trailerInfo.Info;
  const bytes = await doc.save({ useObjectStreams: false, addDefaultPage: false, updateFieldAppearances: false });
  const pageRef = page.ref;
  const refNum = (ref: unknown): number => {
    const match = /^(\d+) 0 R$/u.exec(String(ref));
    if (!match) throw new Error(`unexpected reference ${String(ref)}`);
    return Number(match[1]);
  };
  return {
    bytes,
    catalogNum: refNum(catalogRef),
    catalogBody: doc.catalog.toString(),
    pageNum: pageRef.objectNumber,
    pageBody: page.node.toString(),
    size: doc.context.largestObjectNumber + 1,
    infoNum: infoRef ? refNum(infoRef) : null,
  };
}

function startXref(bytes: Uint8Array): number {
  const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - 64))).toString("latin1");
  const match = /startxref\s+(\d+)\s+%%EOF\s*$/u.exec(tail);
  if (!match) throw new Error("base PDF has no startxref");
  return Number(match[1]);
}

function paddingBytes(length: number, seed: string): Buffer {
  // Incompressible like a scanned page, deterministic per document.
  const key = sha256(Buffer.from(seed)).subarray(0, 16);
  const cipher = createCipheriv("aes-128-ctr", key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(length)), cipher.final()]);
}

interface PlannedSignature {
  role: SignerRole;
  /** Layout of the file once this update is appended (Contents still zeros). */
  bytes: Buffer;
  contentsStart: number;
  contentsEnd: number;
}

/**
 * One incremental update adding a signature field, its widget on the page and
 * the signature dictionary; `extra` objects (padding) ride along. Returns the
 * whole file with placeholders, ready to be hashed and filled in.
 */
function appendSignature(
  prev: Buffer,
  base: BaseDocument,
  state: { nextNum: number; fields: number[]; acroNum: number | null; prevXref: number },
  role: SignerRole,
  when: Date,
  padding: Buffer | null,
  slack = 0,
): PlannedSignature {
  const m = signerMaterial(role);
  const cades = role === "leader";
  const objects: { num: number; body: Buffer }[] = [];
  const alloc = () => state.nextNum++;

  if (padding) {
    const num = alloc();
    objects.push({
      num,
      body: Buffer.concat([
        Buffer.from(`<< /Length ${padding.length}${" ".repeat(slack)} /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 >>\nstream\n`, "latin1"),
        padding,
        Buffer.from("\nendstream", "latin1"),
      ]),
    });
  }
  const sigNum = alloc();
  const widgetNum = alloc();
  const firstUpdate = state.acroNum === null;
  if (firstUpdate) state.acroNum = alloc();
  state.fields.push(widgetNum);

  const sigDict =
    `<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /${cades ? "ETSI.CAdES.detached" : "adbe.pkcs7.detached"} ` +
    `${BYTE_RANGE_PLACEHOLDER} /Contents <${"0".repeat(CONTENTS_HEX)}> /M (${pdfDate(when)}) ` +
    `/Name ${pdfTextString(m.displayName)} /Reason ${pdfTextString(m.reason)} /Location ${pdfTextString(m.location)} >>`;
  objects.push({ num: sigNum, body: Buffer.from(sigDict, "latin1") });
  objects.push({
    num: widgetNum,
    body: Buffer.from(
      `<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature${state.fields.length}) /V ${sigNum} 0 R ` +
        `/F 132 /Rect [0 0 0 0] /P ${base.pageNum} 0 R >>`,
      "latin1",
    ),
  });
  objects.push({
    num: state.acroNum!,
    body: Buffer.from(`<< /Fields [${state.fields.map((n) => `${n} 0 R`).join(" ")}] /SigFlags 3 >>`, "latin1"),
  });
  // Rewritten page and catalog: same dictionaries plus the widgets / AcroForm.
  const annots = `/Annots [${state.fields.map((n) => `${n} 0 R`).join(" ")}]`;
  objects.push({ num: base.pageNum, body: Buffer.from(base.pageBody.replace(/>>\s*$/u, `${annots}\n>>`), "latin1") });
  if (firstUpdate) {
    objects.push({
      num: base.catalogNum,
      body: Buffer.from(base.catalogBody.replace(/>>\s*$/u, `/AcroForm ${state.acroNum} 0 R\n>>`), "latin1"),
    });
  }

  const chunks: Buffer[] = [prev, Buffer.from("\n", "latin1")];
  let offset = prev.length + 1;
  const offsets = new Map<number, number>();
  for (const object of objects) {
    offsets.set(object.num, offset);
    const chunk = Buffer.concat([Buffer.from(`${object.num} 0 obj\n`, "latin1"), object.body, Buffer.from("\nendobj\n", "latin1")]);
    chunks.push(chunk);
    offset += chunk.length;
  }
  const xrefAt = offset;
  let xref = "xref\n";
  for (const num of [...offsets.keys()].sort((a, b) => a - b)) {
    xref += `${num} 1\n${String(offsets.get(num)).padStart(10, "0")} 00000 n \n`;
  }
  const info = base.infoNum === null ? "" : ` /Info ${base.infoNum} 0 R`;
  xref += `trailer\n<< /Size ${state.nextNum} /Root ${base.catalogNum} 0 R${info} /Prev ${state.prevXref} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  chunks.push(Buffer.from(xref, "latin1"));
  state.prevXref = xrefAt;

  const bytes = Buffer.concat(chunks);
  const sigOffset = offsets.get(sigNum)!;
  const contentsStart = bytes.indexOf("/Contents <", sigOffset, "latin1") + "/Contents ".length;
  return { role, bytes, contentsStart, contentsEnd: contentsStart + CONTENTS_HEX + 2 };
}

function fillSignature(plan: PlannedSignature, when: Date): Buffer {
  const { bytes, contentsStart, contentsEnd } = plan;
  const range = [0, contentsStart, contentsEnd, bytes.length - contentsEnd];
  const rangeText = `/ByteRange [${range.map((n, i) => (i === 0 ? String(n) : String(n).padEnd(10, " "))).join(" ")}]`
    .replace(/ +\]$/u, "]")
    .padEnd(BYTE_RANGE_PLACEHOLDER.length, " ");
  const at = bytes.lastIndexOf(BYTE_RANGE_PLACEHOLDER, contentsStart, "latin1");
  if (at < 0 || rangeText.length !== BYTE_RANGE_PLACEHOLDER.length) throw new Error("ByteRange placeholder not found");
  bytes.write(rangeText, at, "latin1");
  const digest = createHash("sha256")
    .update(bytes.subarray(0, contentsStart))
    .update(bytes.subarray(contentsEnd))
    .digest();
  const cms = buildCms(plan.role, digest, when, plan.role === "leader").toString("hex").toUpperCase();
  if (cms.length > CONTENTS_HEX) throw new Error(`CMS (${cms.length} hex) exceeds the reserved /Contents`);
  bytes.write(cms, contentsStart + 1, "latin1");
  return bytes;
}

async function build(input: SignedPdfInput): Promise<Uint8Array> {
  const when = signingDate(input.date);
  const base = await buildBase(input, when);
  const roles = input.signers ?? ["leader"];
  const seed = `${input.number}|${input.issuer}|${input.date}|${input.title}`;

  // `slack` adds spaces to the padding object's dictionary: when the padding's
  // length gains a digit, the size jumps by one byte more, and only slack can
  // reach the sizes it skips.
  const layout = (padLength: number, slack = 0): { final: Buffer; plans: PlannedSignature[] } => {
    const state = { nextNum: base.size, fields: [] as number[], acroNum: null as number | null, prevXref: startXref(base.bytes) };
    let current: Buffer = Buffer.from(base.bytes);
    const plans: PlannedSignature[] = [];
    const padding = padLength > 0 ? paddingBytes(padLength, seed) : null;
    if (roles.length === 0) {
      return { final: padding ? appendPaddingOnly(current, base, state, padding, slack) : current, plans };
    }
    roles.forEach((role, i) => {
      const plan = appendSignature(current, base, state, role, new Date(when.getTime() + i * 60_000), i === 0 ? padding : null, slack);
      plans.push(plan);
      current = plan.bytes;
    });
    return { final: current, plans };
  };

  let planned = layout(Math.max(0, input.padBytes ?? 0));
  if (input.targetBytes !== undefined && planned.final.length !== input.targetBytes) {
    const fit = fitPadding(input.targetBytes, Math.max(0, input.padBytes ?? 0), (pad, slack) => layout(pad, slack).final.length);
    planned = layout(fit.pad, fit.slack);
  }
  if (planned.plans.length === 0) return new Uint8Array(planned.final);

  // Sign in order: each later revision carries the earlier signatures' final bytes.
  let signed: Buffer | null = null;
  for (const [i, plan] of planned.plans.entries()) {
    if (signed) {
      signed.copy(plan.bytes, 0, 0, signed.length);
    }
    signed = fillSignature(plan, new Date(when.getTime() + i * 60_000));
  }
  return new Uint8Array(signed!);
}

const MAX_SLACK = 8;

/**
 * The padding length and slack that make a file exactly `target` bytes long,
 * given `lengthOf(pad, slack)`, the file's length for a padding (non-decreasing
 * in `pad`, +1 per unit of slack, with jumps where a number in the file gains
 * a digit). Newton-like steps converge in one or two tries almost always; a
 * jump can make them bounce between two lengths either side of the target,
 * so a scan of nearby paddings with every slack settles the rest.
 */
export function fitPadding(target: number, startPad: number, lengthOf: (pad: number, slack: number) => number): { pad: number; slack: number } {
  const lengths = new Map<string, number>();
  const len = (pad: number, slack: number) => {
    const key = `${pad}/${slack}`;
    let l = lengths.get(key);
    if (l === undefined) lengths.set(key, (l = lengthOf(pad, slack)));
    return l;
  };
  let pad = startPad;
  for (let slack = 0; slack <= 4; slack++) {
    for (let i = 0; i < 8; i++) {
      const length = len(pad, slack);
      if (length === target) return { pad, slack };
      let next = pad + target - length;
      if (next < 0) {
        // an overshoot past a jump, or a target below the file with no padding
        const natural = len(0, 0);
        if (target < natural) throw new Error(`targetBytes ${target} is below the natural size ${natural}`);
        next = 0;
      }
      pad = next;
    }
  }
  for (let d = 0; d <= 2 * MAX_SLACK; d++) {
    for (const p of d === 0 ? [pad] : [pad - d, pad + d]) {
      if (p < 0) continue;
      for (let slack = 0; slack <= MAX_SLACK; slack++) if (len(p, slack) === target) return { pad: p, slack };
    }
  }
  throw new Error(`could not reach targetBytes ${target}`);
}

function appendPaddingOnly(
  prev: Buffer,
  base: BaseDocument,
  state: { nextNum: number; prevXref: number },
  padding: Buffer,
  slack = 0,
): Buffer {
  const num = state.nextNum++;
  const offset = prev.length + 1;
  const object = Buffer.concat([
    Buffer.from(`\n${num} 0 obj\n<< /Length ${padding.length}${" ".repeat(slack)} >>\nstream\n`, "latin1"),
    padding,
    Buffer.from("\nendstream\nendobj\n", "latin1"),
  ]);
  const xrefAt = prev.length + object.length;
  const info = base.infoNum === null ? "" : ` /Info ${base.infoNum} 0 R`;
  const xref =
    `xref\n${num} 1\n${String(offset).padStart(10, "0")} 00000 n \n` +
    `trailer\n<< /Size ${state.nextNum} /Root ${base.catalogNum} 0 R${info} /Prev ${state.prevXref} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.concat([prev, object, Buffer.from(xref, "latin1")]);
}

// ─── Cache ───────────────────────────────────────────────────────────────────

/** Bounded by bytes: output is deterministic, so eviction only costs time. */
let cacheLimitBytes = 64 * 1024 * 1024;
const cache = new Map<string, Promise<Uint8Array>>();
const cacheSizes = new Map<string, number>();
let cacheBytes = 0;

function cacheKey(input: SignedPdfInput): string {
  return JSON.stringify([
    input.title,
    input.number,
    input.issuer,
    input.date,
    input.body ?? [],
    input.signers ?? ["leader"],
    input.padBytes ?? 0,
    input.targetBytes ?? null,
  ]);
}

/**
 * A signed PDF for the input; identical input gives identical bytes (signing
 * time derives from `date`, RSA PKCS#1 v1.5 is deterministic), cached.
 */
export function makeSignedPdf(input: SignedPdfInput): Promise<Uint8Array> {
  const key = cacheKey(input);
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const pending = build(input);
  cache.set(key, pending);
  pending.then(
    (bytes) => {
      if (!cache.has(key)) return;
      cacheSizes.set(key, bytes.length);
      cacheBytes += bytes.length;
      for (const [oldKey] of cache) {
        if (cacheBytes <= cacheLimitBytes) break;
        const size = cacheSizes.get(oldKey);
        if (size === undefined) continue;
        cache.delete(oldKey);
        cacheSizes.delete(oldKey);
        cacheBytes -= size;
      }
    },
    () => cache.delete(key),
  );
  return pending;
}

/**
 * Sets the cache bound (default 64 MB). Benchmarks that build every file before
 * timing raise it, so the simulator does not sign again while hubs are timed.
 */
export function setSignedPdfCacheLimit(bytes: number): void {
  cacheLimitBytes = bytes;
}

/** Drops cached PDFs (benchmarks measuring cold signing). */
export function clearSignedPdfCache(): void {
  cache.clear();
  cacheSizes.clear();
  cacheBytes = 0;
}
