// Generator of realistic edXML packages for demos and tests: the structure of
// the real samples (../shared/fixtures/edxml), Vietnamese metadata from
// sim-kit, and a test-CA-signed PDF zipped into one `<uuid>.pdf` entry and
// base64-encoded, as VPCP's exchange platform sends them. Writes into an inbox
// folder (atomically) or POSTs to the upload endpoint.

import { randomUUID } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { zipSync } from "fflate";
import { makeSignedPdf } from "../sim-kit/signed-pdf.ts";
import { fileStem, generateDocumentMeta, rngFor, type GeneratedDocumentMeta } from "../sim-kit/vietnamese-data.ts";
import { EDXML_NAMESPACE, type BusinessDocType } from "./parse.ts";

export interface EdxmlAttachmentInput {
  name: string;
  bytes: Uint8Array;
  contentType?: string;
  description?: string;
  /** Default true: ZIP + base64 like the real platform; false sends raw base64. */
  zip?: boolean;
}

export interface EdxmlPackageInput {
  from: { organId: string; name: string };
  to?: { organId: string; name: string }[];
  /** Số ký hiệu, e.g. "152/QĐ-UBND" (split into CodeNumber/CodeNotation). */
  number: string;
  /** YYYY-MM-DD. */
  date: string;
  place?: string;
  typeName: string;
  subject: string;
  signer?: { competence?: string; position: string; fullName: string };
  priority?: number;
  sphere?: string;
  businessDocType?: BusinessDocType;
  reason?: string;
  /** DocumentIds replaced (BussinessDocType 3). */
  replaces?: string[];
  /** Default `OrganId,yyyy/MM/dd,Number`. */
  documentId?: string;
  /** Trace timestamp (Vietnam time, `yyyy/MM/dd HH:mm:ss`); default the date at 16:00. */
  timestamp?: string;
  attachments: EdxmlAttachmentInput[];
}

const REASONS: Record<BusinessDocType, string> = {
  0: "Văn bản điện tử mới",
  1: "Thu hồi văn bản điện tử",
  2: "Cập nhật văn bản điện tử",
  3: "Văn bản thay thế",
};

function esc(value: string): string {
  return value.replace(/&/gu, "&amp;").replace(/</gu, "&lt;").replace(/>/gu, "&gt;").replace(/"/gu, "&quot;");
}

function slashDate(date: string): string {
  return date.replace(/-/gu, "/");
}

export function edxmlDocumentId(organId: string, date: string, number: string): string {
  return `${organId},${slashDate(date)},${number}`;
}

/** The edXML text of one package (UTF-8, NFC). */
export function buildEdxmlPackage(input: EdxmlPackageInput): string {
  const slash = input.number.indexOf("/");
  const codeNumber = slash > 0 ? input.number.slice(0, slash) : input.number;
  const codeNotation = slash > 0 ? input.number.slice(slash + 1) : "";
  const docType = input.businessDocType ?? 0;
  const documentId = input.documentId ?? edxmlDocumentId(input.from.organId, input.date, input.number);
  const e = (tag: string, value: string | number) => `<edXML:${tag}>${esc(String(value))}</edXML:${tag}>`;
  const organ = (tag: string, o: { organId: string; name: string }) =>
    `<edXML:${tag}>${e("OrganId", o.organId)}${e("OrganizationInCharge", o.name)}${e("OrganName", o.name)}</edXML:${tag}>`;
  const ids = input.attachments.map(() => `cid:${randomUUID()}`);
  const encoded = input.attachments.map((a) => {
    const bytes = a.zip === false ? a.bytes : zipSync({ [`${randomUUID()}.${(/\.([A-Za-z0-9]+)$/u.exec(a.name)?.[1] ?? "bin").toLowerCase()}`]: a.bytes });
    return Buffer.from(bytes).toString("base64");
  });
  const replacement =
    docType === 3 && input.replaces?.length
      ? `<edXML:ReplacementInfoList>${input.replaces
          .map((id) => `<edXML:ReplacementInfo>${e("DocumentId", id)}<edXML:OrganIdList>${(input.to ?? []).map((t) => e("OrganId", t.organId)).join("")}</edXML:OrganIdList></edXML:ReplacementInfo>`)
          .join("")}</edXML:ReplacementInfoList>`
      : "";
  const signer = input.signer
    ? `<edXML:SignerInfo>${e("Competence", input.signer.competence ?? "")}${e("Position", input.signer.position)}${e("FullName", input.signer.fullName)}</edXML:SignerInfo>`
    : "";
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="${EDXML_NAMESPACE}">
  <edXML:edXMLEnvelope xmlns:edXML="${EDXML_NAMESPACE}">
    <edXML:edXMLHeader>
      <edXML:MessageHeader>
        ${organ("From", input.from)}
        ${(input.to ?? []).map((t) => organ("To", t)).join("\n        ")}
        ${e("DocumentId", documentId)}
        <edXML:Code>${e("CodeNumber", codeNumber)}${e("CodeNotation", codeNotation)}</edXML:Code>
        <edXML:PromulgationInfo>${e("Place", input.place ?? "Quảng Ngãi")}${e("PromulgationDate", slashDate(input.date))}</edXML:PromulgationInfo>
        <edXML:DocumentType>${e("Type", 1)}${e("TypeDetail", 0)}${e("TypeName", input.typeName)}</edXML:DocumentType>
        ${e("Subject", input.subject)}
        ${e("Content", input.subject)}
        ${signer}
        <edXML:OtherInfo>${e("Priority", input.priority ?? 0)}${e("SphereOfPromulgation", input.sphere ?? "Công khai")}${e("TyperNotation", "VT")}${e("PromulgationAmount", 1)}${e("PageAmount", 1)}</edXML:OtherInfo>
        ${e("SteeringType", 0)}
      </edXML:MessageHeader>
      <edXML:TraceHeaderList>
        <edXML:TraceHeader>${e("OrganId", input.from.organId)}${e("Timestamp", input.timestamp ?? `${slashDate(input.date)} 16:00:00`)}</edXML:TraceHeader>
        <edXML:Bussiness>
          ${e("BussinessDocType", docType)}
          ${e("BussinessDocReason", input.reason ?? REASONS[docType])}
          ${e("Paper", 0)}
          ${replacement}
        </edXML:Bussiness>
      </edXML:TraceHeaderList>
    </edXML:edXMLHeader>
    <edXML:edXMLBody>
      <edXML:edXMLManifest version="1.0">
        ${input.attachments
          .map((a, i) => `<edXML:Reference>${e("ContentId", ids[i] ?? "")}${e("ContentType", a.zip === false ? (a.contentType ?? "application/pdf") : "application/zip")}${e("Description", a.description ?? a.name)}${e("AttachmentName", a.name)}</edXML:Reference>`)
          .join("\n        ")}
      </edXML:edXMLManifest>
    </edXML:edXMLBody>
  </edXML:edXMLEnvelope>
  <AttachmentEncoded>
    ${input.attachments
      .map(
        (a, i) => `<Attachment>
      <ContentId>${ids[i]}</ContentId>
      <AttachmentName>${esc(a.name)}</AttachmentName>
      <Description>${esc(a.description ?? a.name)}</Description>
      <ContentType>${a.zip === false ? esc(a.contentType ?? "application/pdf") : "application/zip"}</ContentType>
      <edXML:ContentTransferEncoded xmlns:edXML="${EDXML_NAMESPACE}">${encoded[i]}</edXML:ContentTransferEncoded>
    </Attachment>`,
      )
      .join("\n    ")}
  </AttachmentEncoded>
</edXML>
`;
  return xml.normalize("NFC");
}

export interface GeneratedEdxml {
  fileName: string;
  xml: string;
  meta: GeneratedDocumentMeta;
  input: EdxmlPackageInput;
}

export interface EdxmlGeneratorOptions {
  seed?: number;
  year?: number;
  /** Add an unsigned phụ lục to every Nth package (0: never). Default 4. */
  appendixEvery?: number;
}

/**
 * Package i of seed s is always the same document (the signed PDF is
 * deterministic too), so tests can regenerate what they expect.
 */
export async function generateEdxmlPackage(index: number, options: EdxmlGeneratorOptions = {}): Promise<GeneratedEdxml> {
  const seed = options.seed ?? 102;
  const year = options.year ?? 2026;
  const rng = rngFor(seed, index, 102);
  const meta = generateDocumentMeta(rng, 100 + index, year);
  const month = 1 + (index % 12);
  const day = 1 + ((index * 7) % 28);
  const date = `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  const pdf = await makeSignedPdf({ title: meta.title, number: meta.number, issuer: meta.issuer.name, date, body: meta.body });
  const stem = fileStem(meta.number);
  const attachments: EdxmlAttachmentInput[] = [{ name: `${stem}.signed.pdf`, bytes: pdf, description: meta.title }];
  const appendixEvery = options.appendixEvery ?? 4;
  if (appendixEvery > 0 && index % appendixEvery === appendixEvery - 1) {
    const appendix = await makeSignedPdf({
      title: `Phụ lục kèm theo ${meta.type.name.toLowerCase()} số ${meta.number}`,
      number: meta.number,
      issuer: meta.issuer.name,
      date,
      signers: [],
    });
    attachments.push({ name: `${stem}-phu-luc.pdf`, bytes: appendix, description: "Phụ lục" });
  }
  const input: EdxmlPackageInput = {
    from: { organId: meta.issuer.code, name: meta.issuer.name },
    to: [{ organId: "000.00.00.H55", name: "UBND tỉnh Quảng Ngãi" }],
    number: meta.number,
    date,
    typeName: meta.type.name,
    subject: meta.title,
    signer: { position: meta.signer.position, fullName: meta.signer.name, competence: meta.signer.position.startsWith("Phó") ? "KT. CHỦ TỊCH" : "TM. ỦY BAN NHÂN DÂN" },
    priority: meta.urgency === "Khẩn" ? 1 : meta.urgency === "Hỏa tốc" ? 3 : 0,
    attachments,
  };
  return { fileName: `${stem}-${String(index).padStart(5, "0")}.edxml`, xml: buildEdxmlPackage(input), meta, input };
}

/** Write `count` packages (from `start`) into `folder`, each via tmp + rename so pollers never see half a file. */
export async function writeEdxmlPackages(
  folder: string,
  count: number,
  options: EdxmlGeneratorOptions & { start?: number } = {},
): Promise<GeneratedEdxml[]> {
  await mkdir(folder, { recursive: true });
  const out: GeneratedEdxml[] = [];
  for (let i = 0; i < count; i++) {
    const generated = await generateEdxmlPackage((options.start ?? 0) + i, options);
    const tmp = path.join(folder, `.${generated.fileName}.${randomUUID()}.tmp`);
    await writeFile(tmp, generated.xml, "utf8");
    await rename(tmp, path.join(folder, generated.fileName));
    out.push(generated);
  }
  return out;
}

/** POST `count` packages to an upload endpoint (`…/api/v1/inbox/edxml`); returns the HTTP statuses. */
export async function postEdxmlPackages(
  url: string,
  count: number,
  options: EdxmlGeneratorOptions & { start?: number; fetch?: typeof fetch; headers?: Record<string, string> } = {},
): Promise<{ fileName: string; status: number; body: unknown }[]> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const results: { fileName: string; status: number; body: unknown }[] = [];
  for (let i = 0; i < count; i++) {
    const generated = await generateEdxmlPackage((options.start ?? 0) + i, options);
    const res = await doFetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/xml; charset=utf-8", ...options.headers },
      body: generated.xml,
    });
    results.push({ fileName: generated.fileName, status: res.status, body: await res.json().catch(() => null) });
  }
  return results;
}
