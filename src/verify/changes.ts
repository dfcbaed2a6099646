// What changed between the revision a signature covers and the final file.
// We compare the two object graphs (net effect of all later revisions) and
// classify every rewritten or removed object. Allowed: new signatures and DSS
// data, annotations, form filling. Anything touching page content, the page
// tree, resources, existing streams or an existing signature is "content".
import { PdfDict, PdfName, PdfRef, PdfStream, deepEqual, type PdfObj } from "./pdf-objects.ts";
import type { PdfFile, PdfView } from "./pdf-revisions.ts";
import { worseChange, type LaterChanges } from "./report.ts";

export interface ChangeAnalysis {
  level: LaterChanges;
  messages: string[];
}

const ANNOT_SUBTYPES = new Set([
  "Text", "Link", "FreeText", "Line", "Square", "Circle", "Polygon", "PolyLine", "Highlight", "Underline", "Squiggly",
  "StrikeOut", "Stamp", "Caret", "Ink", "Popup", "FileAttachment", "Sound", "Movie", "Widget", "Screen", "PrinterMark",
  "TrapNet", "Watermark", "3D", "Redact", "RichMedia",
]);
const MAX_CHANGED = 5000;

type Ctx = {
  file: PdfFile;
  old: PdfView;
  neu: PdfView;
  level: LaterChanges;
  messages: string[];
  oldCatalogNum: number | null;
  oldAcroFormNum: number | null;
  infoNums: Set<number>;
};

export function analyseLaterChanges(file: PdfFile, signedEnd: number): ChangeAnalysis {
  const finalEnd = file.lastEnd;
  const ctx: Ctx = {
    file,
    old: file.view(signedEnd),
    neu: file.view(finalEnd),
    level: "none",
    messages: [],
    oldCatalogNum: null,
    oldAcroFormNum: null,
    infoNums: new Set(),
  };
  if (finalEnd > signedEnd) {
    try {
      compareViews(ctx);
    } catch (e) {
      bump(ctx, "content", `later revisions could not be analysed: ${(e as Error).message}`);
    }
  }
  return { level: ctx.level, messages: ctx.messages };
}

function bump(ctx: Ctx, level: LaterChanges, msg: string): void {
  ctx.level = worseChange(ctx.level, level);
  if (ctx.messages.length < 20 && (level === "content" || !ctx.messages.includes(msg))) ctx.messages.push(msg);
}

function refNum(o: PdfObj | undefined): number | null {
  return o instanceof PdfRef ? o.num : null;
}

function compareViews(ctx: Ctx): void {
  const { old, neu } = ctx;
  ctx.oldCatalogNum = refNum(old.trailer.get("Root"));
  const oldCat = old.catalog();
  ctx.oldAcroFormNum = refNum(oldCat?.get("AcroForm"));
  for (const v of [old, neu]) {
    const i = refNum(v.trailer.get("Info"));
    if (i !== null) ctx.infoNums.add(i);
  }
  // trailer: a different catalog object, or encryption added after signing
  const newCat = neu.catalog();
  if (!newCat || !oldCat) return bump(ctx, "content", "document catalog missing in a later revision");
  if (!sameRef(old.trailer.get("Root"), neu.trailer.get("Root"))) {
    compareCatalogs(ctx, oldCat, newCat);
  }
  if (!old.trailer.has("Encrypt") && neu.trailer.has("Encrypt")) bump(ctx, "content", "encryption added after signing");

  let changed = 0;
  const nums = new Set<number>([...old.entries.keys(), ...neu.entries.keys()]);
  for (const num of nums) {
    const lo = old.location(num);
    const ln = neu.location(num);
    if (lo === ln) continue;
    if (lo === undefined) continue; // new object: judged through whatever references it
    if (++changed > MAX_CHANGED) return bump(ctx, "content", "too many objects changed after signing");
    let ov: PdfObj | undefined;
    try {
      ov = old.get(num);
    } catch {
      continue; // the old object was unreadable: nothing a reader of the signed revision saw
    }
    if (ln === undefined) {
      onDeleted(ctx, num, ov);
      continue;
    }
    let nv: PdfObj | undefined;
    try {
      nv = neu.get(num);
    } catch (e) {
      bump(ctx, "content", `object ${num} rewritten after signing is unreadable: ${(e as Error).message}`);
      continue;
    }
    if (nv === undefined) {
      onDeleted(ctx, num, ov);
      continue;
    }
    if (deepEqual(ov ?? null, nv, (a, b) => streamsEqual(ctx.file, a, b))) continue;
    classifyModified(ctx, num, ov ?? null, nv);
  }
}

function sameRef(a: PdfObj | undefined, b: PdfObj | undefined): boolean {
  return a instanceof PdfRef && b instanceof PdfRef ? a.num === b.num && a.gen === b.gen : a === b;
}

function streamsEqual(file: PdfFile, a: PdfStream, b: PdfStream): boolean {
  if (a.dataStart === b.dataStart && a.dataLength === b.dataLength) return true;
  if (a.dataLength !== b.dataLength) return false;
  const x = file.rawStreamData(a);
  const y = file.rawStreamData(b);
  return Buffer.compare(x, y) === 0;
}

function dictOf(o: PdfObj | undefined): PdfDict | undefined {
  if (o instanceof PdfDict) return o;
  if (o instanceof PdfStream) return o.dict;
  return undefined;
}

function isSigDict(d: PdfDict): boolean {
  const t = d.nameOf("Type");
  return t === "Sig" || t === "DocTimeStamp" || (d.has("ByteRange") && d.has("Contents"));
}

function isAnnot(d: PdfDict): boolean {
  const st = d.nameOf("Subtype");
  return d.nameOf("Type") === "Annot" || (st !== undefined && ANNOT_SUBTYPES.has(st) && d.has("Rect"));
}

function isField(d: PdfDict): boolean {
  return d.has("FT") || (d.has("T") && (d.has("Kids") || d.has("Parent")));
}

function isDssLike(d: PdfDict): boolean {
  if (d.nameOf("Type") === "DSS" || d.nameOf("Type") === "VRI") return true;
  const keys = [...d.map.keys()];
  // the /VRI map: keys are upper-case hex digests of signature values
  if (keys.length > 0 && keys.every((k) => k === "Type" || /^[0-9A-F]{40,128}$/.test(k))) return true;
  return keys.length > 0 && keys.every((k) => ["Type", "Certs", "CRLs", "OCSPs", "VRI", "TS", "TU", "Cert", "CRL", "OCSP"].includes(k)) && d.nameOf("Type") !== "Page";
}

function onDeleted(ctx: Ctx, num: number, ov: PdfObj | undefined): void {
  const d = dictOf(ov);
  if (d && isAnnot(d) && !isField(d)) return bump(ctx, "annotations-or-forms", `annotation ${num} removed`);
  if (d && isSigDict(d)) return bump(ctx, "content", `signature dictionary ${num} removed after signing`);
  bump(ctx, "content", `object ${num}${d?.nameOf("Type") ? ` (/${d.nameOf("Type")})` : ""} removed after signing`);
}

function classifyModified(ctx: Ctx, num: number, ov: PdfObj, nv: PdfObj): void {
  if (ctx.infoNums.has(num)) return; // document information (ModDate, Producer) is not content
  const od = dictOf(ov);
  const nd = dictOf(nv);
  if (ov instanceof PdfStream) {
    if (od?.nameOf("Type") === "Metadata") return; // XMP metadata is not rendered
    return bump(ctx, "content", `stream object ${num}${typeLabel(od)} rewritten after signing`);
  }
  if (Array.isArray(ov) && Array.isArray(nv)) return classifyArray(ctx, num, ov, nv);
  if (!od || !nd || nv instanceof PdfStream) return bump(ctx, "content", `object ${num} changed after signing`);
  if (isSigDict(od)) return bump(ctx, "content", `signature dictionary ${num} altered after signing`);
  if (num === ctx.oldCatalogNum) return compareCatalogs(ctx, od, nd);
  if (num === ctx.oldAcroFormNum) return compareAcroForms(ctx, od, nd);
  const type = od.nameOf("Type");
  if (type === "Pages") {
    for (const k of diffKeys(od, nd, ctx)) {
      // private keys (e.g. iText's /ITXT) change nothing a reader renders
      if (PAGE_KEYS.has(k)) bump(ctx, "content", `page tree node ${num} /${k} changed after signing (pages added, removed or changed)`);
    }
    return;
  }
  if (type === "Page") return comparePages(ctx, num, od, nd);
  if (isAnnot(od) || isField(od)) return compareFieldOrAnnot(ctx, num, od, nd);
  if (isDssLike(od)) return bump(ctx, "signatures-only", "validation data (DSS) updated");
  bump(ctx, "content", `object ${num}${typeLabel(od)} changed after signing`);
}

function typeLabel(d: PdfDict | undefined): string {
  const t = d?.nameOf("Type") ?? d?.nameOf("Subtype");
  return t ? ` (/${t})` : "";
}

function diffKeys(a: PdfDict, b: PdfDict, ctx: Ctx): string[] {
  const out: string[] = [];
  for (const k of new Set([...a.map.keys(), ...b.map.keys()])) {
    const x = a.get(k);
    const y = b.get(k);
    if (x === undefined || y === undefined || !deepEqual(x, y, (s, t) => streamsEqual(ctx.file, s, t))) out.push(k);
  }
  return out;
}

function compareCatalogs(ctx: Ctx, od: PdfDict, nd: PdfDict): void {
  for (const k of diffKeys(od, nd, ctx)) {
    if (k === "AcroForm") {
      const oa = ctx.old.dict(od.get("AcroForm"));
      const na = ctx.neu.dict(nd.get("AcroForm"));
      if (!na) bump(ctx, "content", "form (AcroForm) removed after signing");
      else compareAcroForms(ctx, oa ?? new PdfDict(new Map()), na);
    } else if (k === "DSS" || k === "Extensions") bump(ctx, "signatures-only", `catalog /${k} added or updated`);
    else if (k === "Names" && namesOnlyAppearances(ctx, od.get("Names"), nd.get("Names"))) {
      bump(ctx, "annotations-or-forms", "named annotation appearances (/Names /AP) added");
    }
    else if (k === "Metadata" || k === "Version") continue;
    else bump(ctx, "content", `document catalog /${k} changed after signing`);
  }
}

/** Only the /AP name tree (annotation icons that viewers add) differs. */
function namesOnlyAppearances(ctx: Ctx, o: PdfObj | undefined, n: PdfObj | undefined): boolean {
  const od = ctx.old.dict(o) ?? new PdfDict(new Map());
  const nd = ctx.neu.dict(n);
  if (!nd) return false;
  return diffKeys(od, nd, ctx).every((k) => k === "AP");
}

function refsIn(view: PdfView, o: PdfObj | undefined): PdfObj[] {
  const r = view.resolve(o);
  return Array.isArray(r) ? r : [];
}

function compareAcroForms(ctx: Ctx, od: PdfDict, nd: PdfDict): void {
  for (const k of diffKeys(od, nd, ctx)) {
    if (k === "Fields") {
      const before = refsIn(ctx.old, od.get("Fields"));
      const after = refsIn(ctx.neu, nd.get("Fields"));
      compareFieldLists(ctx, before, after);
    } else if (k === "SigFlags") bump(ctx, "signatures-only", "form /SigFlags set");
    else if (k === "NeedAppearances" || k === "DR" || k === "DA") bump(ctx, "annotations-or-forms", `form /${k} updated`);
    else bump(ctx, "content", `form dictionary /${k} changed after signing`);
  }
}

function key(o: PdfObj): string {
  return o instanceof PdfRef ? o.key : JSON.stringify(String(o));
}

function compareFieldLists(ctx: Ctx, before: PdfObj[], after: PdfObj[]): void {
  const a = new Set(after.map(key));
  const b = new Set(before.map(key));
  for (const o of before) {
    if (!a.has(key(o))) {
      const d = ctx.old.dict(o);
      bump(ctx, "content", `form field ${fieldName(d)} removed after signing`);
    }
  }
  for (const o of after) {
    if (b.has(key(o))) continue;
    const d = ctx.neu.dict(o);
    if (d && fieldType(ctx.neu, d) === "Sig") bump(ctx, "signatures-only", "signature field added");
    else bump(ctx, "annotations-or-forms", `form field ${fieldName(d)} added`);
  }
}

function fieldName(d: PdfDict | undefined): string {
  const t = d?.get("T");
  return t && typeof t === "object" && "text" in t ? `"${(t as { text(): string }).text()}"` : "(unnamed)";
}

function fieldType(view: PdfView, d: PdfDict): string | undefined {
  let cur: PdfDict | undefined = d;
  for (let i = 0; cur && i < 32; i++) {
    const ft = cur.nameOf("FT");
    if (ft) return ft;
    cur = view.dict(cur.get("Parent"));
  }
  return undefined;
}

// Keys of page and page-tree dictionaries defined by ISO 32000 (anything else is private data)
const PAGE_KEYS = new Set([
  "Type", "Parent", "Kids", "Count", "LastModified", "Resources", "MediaBox", "CropBox", "BleedBox", "TrimBox", "ArtBox",
  "BoxColorInfo", "Contents", "Rotate", "Group", "Thumb", "B", "Dur", "Trans", "Annots", "AA", "Metadata", "PieceInfo",
  "StructParents", "ID", "PZ", "SeparationInfo", "Tabs", "TemplateInstantiated", "PresSteps", "UserUnit", "VP", "AF", "OutputIntents", "DPart",
]);

function comparePages(ctx: Ctx, num: number, od: PdfDict, nd: PdfDict): void {
  for (const k of diffKeys(od, nd, ctx)) {
    if (k === "Annots") compareAnnotLists(ctx, refsIn(ctx.old, od.get("Annots")), refsIn(ctx.neu, nd.get("Annots")));
    else if (PAGE_KEYS.has(k)) bump(ctx, "content", `page object ${num} /${k} changed after signing`);
  }
}

function compareAnnotLists(ctx: Ctx, before: PdfObj[], after: PdfObj[]): void {
  const a = new Set(after.map(key));
  const b = new Set(before.map(key));
  for (const o of before) {
    if (a.has(key(o))) continue;
    const d = ctx.old.dict(o);
    if (d && (isField(d) || d.nameOf("Subtype") === "Widget")) {
      if (fieldType(ctx.old, d) === "Sig") bump(ctx, "content", "signature widget removed after signing");
      else bump(ctx, "annotations-or-forms", "form widget removed");
    } else bump(ctx, "annotations-or-forms", "annotation removed");
  }
  for (const o of after) {
    if (b.has(key(o))) continue;
    const d = ctx.neu.dict(o);
    if (!d) continue;
    if (d.nameOf("Subtype") === "Widget" && fieldType(ctx.neu, d) === "Sig") bump(ctx, "signatures-only", "signature widget added");
    else if (d.nameOf("Subtype") === "Widget") bump(ctx, "annotations-or-forms", "form widget added");
    else bump(ctx, "annotations-or-forms", `annotation${d.nameOf("Subtype") ? ` /${d.nameOf("Subtype")}` : ""} added`);
  }
}

const FORM_FILL_KEYS = new Set(["V", "AP", "AS", "M", "MK", "Kids", "DV", "Lock", "SV"]);

function compareFieldOrAnnot(ctx: Ctx, num: number, od: PdfDict, nd: PdfDict): void {
  const keys = diffKeys(od, nd, ctx);
  const widgetOrField = isField(od) || od.nameOf("Subtype") === "Widget";
  if (!widgetOrField) {
    return bump(ctx, "annotations-or-forms", `annotation ${num} modified`);
  }
  const isSig = fieldType(ctx.old, od) === "Sig";
  for (const k of keys) {
    if (isSig && !od.has("V") && k === "F") continue; // widget flags set while signing an empty field
    if (!FORM_FILL_KEYS.has(k)) {
      bump(ctx, "content", `form field ${fieldName(od)} /${k} changed after signing`);
      continue;
    }
    if (isSig) {
      const signedBefore = od.has("V");
      if (signedBefore && (k === "V" || k === "AP")) bump(ctx, "content", `signed signature field ${fieldName(od)} /${k} replaced after signing`);
      else bump(ctx, "signatures-only", `signature field ${fieldName(od)} signed`);
    } else if ((k === "AP" || k === "AS") && !keys.includes("V")) {
      // a new appearance without a new value is a shadow attack, not form filling
      bump(ctx, "content", `form field ${fieldName(od)} appearance replaced without a change of value`);
    } else bump(ctx, "annotations-or-forms", `form field ${fieldName(od)} filled`);
  }
}

function classifyArray(ctx: Ctx, num: number, ov: PdfObj[], nv: PdfObj[]): void {
  // indirect arrays: page /Annots, AcroForm /Fields, DSS /Certs... judge by what they hold
  const sample = [...ov, ...nv].map((o) => (o instanceof PdfRef ? safeDict(ctx, o) : undefined));
  const defined = sample.filter((d): d is PdfDict | PdfStream => d !== undefined);
  if (defined.length > 0 && defined.every((d) => d instanceof PdfStream && !d.dict.has("Type"))) {
    return bump(ctx, "signatures-only", "validation data (DSS) arrays updated");
  }
  const dicts = defined.filter((d): d is PdfDict => d instanceof PdfDict);
  if (dicts.length === defined.length && dicts.length > 0 && dicts.every((d) => isAnnot(d) || isField(d))) {
    if (dicts.every((d) => isAnnot(d))) return compareAnnotLists(ctx, ov, nv);
    return compareFieldLists(ctx, ov, nv);
  }
  bump(ctx, "content", `array object ${num} changed after signing`);
}

function safeDict(ctx: Ctx, r: PdfRef): PdfDict | PdfStream | undefined {
  for (const v of [ctx.neu, ctx.old]) {
    try {
      const o = v.get(r.num);
      if (o instanceof PdfDict || o instanceof PdfStream) return o;
    } catch {
      /* unreadable */
    }
  }
  return undefined;
}

export { PdfName };
