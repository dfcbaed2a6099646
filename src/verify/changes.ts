// What changed between the revision a signature covers and the final file.
// We compare the two object graphs (net effect of all later revisions) and
// classify every rewritten or removed object. Allowed: new signatures and DSS
// data, annotations, form filling. Anything touching page content, the page
// tree, resources, existing streams or an existing signature is "content".
// Each change also gets a finer kind, which is what a certification signature's
// DocMDP permissions are checked against (they split what the report's levels
// lump together: validation data from new signatures, form filling from new
// form fields, annotations from both).
import { PdfDict, PdfName, PdfRef, PdfStream, PdfString, deepEqual, type PdfObj } from "./pdf-objects.ts";
import type { PdfFile, PdfView } from "./pdf-revisions.ts";
import { worseChange, type LaterChanges } from "./report.ts";

/**
 * - validation-data: DSS/VRI, document timestamps, catalog /Extensions (PAdES
 *   long-term validation adds them after any signature, certified or not; EU DSS
 *   keeps them apart from the DocMDP categories too)
 * - signature: new signature fields and widgets, an empty signature field signed, /SigFlags
 * - form-fill: values of existing fields with their appearances, /NeedAppearances, /DR, /DA
 * - form-structure: form fields or their widgets added or removed, field properties other than the value
 * - annotation: annotations (not widgets) added, modified or removed; named annotation appearances
 * - metadata: document information (/Info) and XMP metadata; not rendered, so not
 *   a content change, but a change of the file all the same (modifiedAfterSigning)
 * - content: everything else
 */
export type ChangeKind = "metadata" | "validation-data" | "signature" | "form-fill" | "form-structure" | "annotation" | "content";

const LEVEL_OF: Record<ChangeKind, LaterChanges> = {
  metadata: "none",
  "validation-data": "signatures-only",
  signature: "signatures-only",
  "form-fill": "annotations-or-forms",
  "form-structure": "annotations-or-forms",
  annotation: "annotations-or-forms",
  content: "content",
};

export interface ChangeAnalysis {
  level: LaterChanges;
  /** every kind of change found, with the first message of each (messages are capped, kinds are not) */
  kinds: Map<ChangeKind, string>;
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
  kinds: Map<ChangeKind, string>;
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
    kinds: new Map(),
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
  return { level: ctx.level, kinds: ctx.kinds, messages: ctx.messages };
}

function bump(ctx: Ctx, kind: ChangeKind, msg: string): void {
  ctx.level = worseChange(ctx.level, LEVEL_OF[kind]);
  if (!ctx.kinds.has(kind)) ctx.kinds.set(kind, msg);
  if (ctx.messages.length < 20 && (kind === "content" || !ctx.messages.includes(msg))) ctx.messages.push(msg);
}

export const PERMISSION_TEXT: Record<1 | 2 | 3, string> = {
  1: "no changes",
  2: "form filling and signing",
  3: "form filling, signing and annotations",
};

/**
 * Kinds of change a certification signature with DocMDP permission `p` forbids
 * (ISO 32000-1 12.8.2.2, Table 254). Validation data is always allowed.
 */
export function forbiddenByDocMdp(p: 1 | 2 | 3, kinds: Map<ChangeKind, string>): [ChangeKind, string][] {
  const allowed = new Set<ChangeKind>(["validation-data", "metadata"]);
  if (p >= 2) allowed.add("signature").add("form-fill");
  if (p >= 3) allowed.add("annotation");
  return [...kinds].filter(([k]) => !allowed.has(k));
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
  if (!sameRef(old.trailer.get("Info"), neu.trailer.get("Info"))) bump(ctx, "metadata", "document information (/Info) replaced after signing");

  let changed = 0;
  const nums = new Set<number>([...old.entries.keys(), ...neu.entries.keys()]);
  for (const num of nums) {
    if (old.sameLocation(num, neu)) continue;
    const lo = old.location(num);
    const ln = neu.location(num);
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
  if (d && isAnnot(d) && !isField(d)) return bump(ctx, "annotation", `annotation ${num} removed`);
  if (d && isSigDict(d)) return bump(ctx, "content", `signature dictionary ${num} removed after signing`);
  bump(ctx, "content", `object ${num}${d?.nameOf("Type") ? ` (/${d.nameOf("Type")})` : ""} removed after signing`);
}

function classifyModified(ctx: Ctx, num: number, ov: PdfObj, nv: PdfObj): void {
  // document information (ModDate, Producer) is not content
  if (ctx.infoNums.has(num)) return bump(ctx, "metadata", "document information (/Info) rewritten after signing");
  const od = dictOf(ov);
  const nd = dictOf(nv);
  if (ov instanceof PdfStream) {
    // XMP metadata is not rendered
    if (od?.nameOf("Type") === "Metadata") return bump(ctx, "metadata", `XMP metadata (object ${num}) rewritten after signing`);
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
  if (isDssLike(od)) return bump(ctx, "validation-data", "validation data (DSS) updated");
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
    } else if (k === "DSS" || k === "Extensions") bump(ctx, "validation-data", `catalog /${k} added or updated`);
    else if (k === "Names" && namesOnlyAppearances(ctx, od.get("Names"), nd.get("Names"))) {
      bump(ctx, "annotation", "named annotation appearances (/Names /AP) added");
    }
    else if (k === "Metadata") bump(ctx, "metadata", "XMP metadata (catalog /Metadata) added or replaced after signing");
    else if (k === "Version") continue;
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
    } else if (k === "SigFlags") bump(ctx, "signature", "form /SigFlags set");
    else if (k === "NeedAppearances" || k === "DR" || k === "DA") bump(ctx, "form-fill", `form /${k} updated`);
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
    if (d && fieldType(ctx.neu, d) === "Sig") {
      if (isDocTimestampField(ctx.neu, d)) bump(ctx, "validation-data", "document timestamp field added");
      else bump(ctx, "signature", "signature field added");
    } else bump(ctx, "form-structure", `form field ${fieldName(d)} added`);
  }
}

function fieldName(d: PdfDict | undefined, view?: PdfView): string {
  // a widget kid has no name of its own: its field (/Parent) has
  let cur = d;
  for (let i = 0; cur && i < 32; i++) {
    const t = cur.get("T");
    if (t instanceof PdfString) return `"${t.text()}"`;
    cur = view?.dict(cur.get("Parent"));
  }
  return "(unnamed)";
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
      else bump(ctx, "form-structure", "form widget removed");
    } else bump(ctx, "annotation", "annotation removed");
  }
  for (const o of after) {
    if (b.has(key(o))) continue;
    const d = ctx.neu.dict(o);
    if (!d) continue;
    if (d.nameOf("Subtype") === "Widget" && fieldType(ctx.neu, d) === "Sig") {
      if (isDocTimestampField(ctx.neu, d)) bump(ctx, "validation-data", "document timestamp widget added");
      else bump(ctx, "signature", "signature widget added");
    } else if (d.nameOf("Subtype") === "Widget") bump(ctx, "form-structure", "form widget added");
    else bump(ctx, "annotation", `annotation${d.nameOf("Subtype") ? ` /${d.nameOf("Subtype")}` : ""} added`);
  }
}

const FORM_FILL_KEYS = new Set(["V", "AP", "AS", "M", "MK", "Kids", "DV", "Lock", "SV"]);
/** what filling in a field rewrites; the other FORM_FILL_KEYS change the form itself */
const VALUE_KEYS = new Set(["V", "AP", "AS", "M"]);

function compareFieldOrAnnot(ctx: Ctx, num: number, od: PdfDict, nd: PdfDict): void {
  const keys = diffKeys(od, nd, ctx);
  const widgetOrField = isField(od) || od.nameOf("Subtype") === "Widget";
  if (!widgetOrField) {
    return bump(ctx, "annotation", `annotation ${num} modified`);
  }
  const isSig = fieldType(ctx.old, od) === "Sig";
  for (const k of keys) {
    if (isSig && !od.has("V") && k === "F") continue; // widget flags set while signing an empty field
    if (!FORM_FILL_KEYS.has(k)) {
      bump(ctx, "content", `form field ${fieldName(od, ctx.old)} /${k} changed after signing`);
      continue;
    }
    if (isSig) {
      const signedBefore = od.has("V");
      if (signedBefore && (k === "V" || k === "AP")) bump(ctx, "content", `signed signature field ${fieldName(od, ctx.old)} /${k} replaced after signing`);
      else if (isDocTimestampField(ctx.neu, nd)) bump(ctx, "validation-data", `signature field ${fieldName(od, ctx.old)} holds a document timestamp`);
      else bump(ctx, "signature", `signature field ${fieldName(od, ctx.old)} signed`);
    } else if ((k === "AP" || k === "AS") && !valueChanged(ctx, od, nd, keys)) {
      // a new appearance without a new value is a shadow attack, not form filling
      bump(ctx, "content", `form field ${fieldName(od, ctx.old)} appearance replaced without a change of value`);
    } else if (VALUE_KEYS.has(k)) bump(ctx, "form-fill", `form field ${fieldName(od, ctx.old)} filled`);
    else bump(ctx, "form-structure", `form field ${fieldName(od, ctx.old)} /${k} changed`);
  }
}

/**
 * Did the field's value change? A field with several widgets keeps /V on the
 * parent field and the appearances (/AP, /AS) on its widget kids.
 */
function valueChanged(ctx: Ctx, od: PdfDict, nd: PdfDict, keys: string[]): boolean {
  if (keys.includes("V")) return true;
  if (od.has("V") || nd.has("V")) return false;
  const op = ctx.old.dict(od.get("Parent"));
  const np = ctx.neu.dict(nd.get("Parent"));
  if (!op || !np) return false;
  const ov = op.get("V");
  const nv = np.get("V");
  if (nv === undefined) return false;
  return ov === undefined || !deepEqual(ov, nv, (a, b) => streamsEqual(ctx.file, a, b));
}

/** A signature field whose value is a document timestamp (/Type /DocTimeStamp, ETSI.RFC3161). */
function isDocTimestampField(view: PdfView, d: PdfDict): boolean {
  let cur: PdfDict | undefined = d;
  for (let i = 0; cur && i < 32; i++) {
    if (cur.has("V")) {
      const v = view.dict(cur.get("V"));
      return !!v && (v.nameOf("Type") === "DocTimeStamp" || v.nameOf("SubFilter") === "ETSI.RFC3161");
    }
    cur = view.dict(cur.get("Parent"));
  }
  return false;
}

function classifyArray(ctx: Ctx, num: number, ov: PdfObj[], nv: PdfObj[]): void {
  // indirect arrays: page /Annots, AcroForm /Fields, DSS /Certs... judge by what they hold
  const sample = [...ov, ...nv].map((o) => (o instanceof PdfRef ? safeDict(ctx, o) : undefined));
  const defined = sample.filter((d): d is PdfDict | PdfStream => d !== undefined);
  if (defined.length > 0 && defined.every((d) => d instanceof PdfStream && !d.dict.has("Type"))) {
    return bump(ctx, "validation-data", "validation data (DSS) arrays updated");
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
