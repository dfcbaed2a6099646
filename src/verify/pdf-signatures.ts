// Locating signature fields and their signature dictionaries, the DSS, and
// checking a signature's /ByteRange against the file's bytes.
import { decodeStream } from "./pdf-filters.ts";
import { PdfDict, PdfRef, PdfStream, PdfString, type PdfObj } from "./pdf-objects.ts";
import type { PdfFile, PdfView } from "./pdf-revisions.ts";

export interface SigField {
  name: string;
  /** indirect signature dictionary, when it is one */
  sigRef: PdfRef | null;
  sigDict: PdfDict;
  /** the revision view the dictionary was read from */
  view: PdfView;
  /** set when the signature dictionary exists but cannot be read */
  error?: string;
}

const MAX_FIELDS = 20000;
const SIG_DICT_WINDOW = 40 * 1024;

/**
 * Signature fields with a value, across all revisions (a field removed by a later
 * revision is still reported, so removing a signature cannot hide it).
 * `problems` collects what could not be read (a catalog, the form, a field): with
 * no signature found, the file is then not "unsigned" but unreadable.
 */
export function findSignatureFields(file: PdfFile, problems: string[] = []): SigField[] {
  const found = new Map<string, SigField>();
  for (const end of file.revisionEnds()) {
    const view = file.view(end);
    let cat: PdfDict | undefined;
    try {
      cat = view.catalog();
    } catch (e) {
      problems.push(`the document catalog of the revision ending at byte ${end} is unreadable: ${(e as Error).message}`);
      continue;
    }
    if (!cat) continue;
    const seen = new Set<string>();
    let count = 0;
    const visit = (o: PdfObj | undefined, parentName: string, inheritedFT: string | undefined, depth: number): void => {
      if (depth > 32 || ++count > MAX_FIELDS) return;
      if (o instanceof PdfRef) {
        if (seen.has(o.key)) return; // loop in the field tree
        seen.add(o.key);
      }
      let d: PdfDict | undefined;
      try {
        d = view.dict(o);
      } catch (e) {
        problems.push(`form field ${o instanceof PdfRef ? `object ${o.num}` : parentName || "(unnamed)"} is unreadable: ${(e as Error).message}`);
        return;
      }
      if (!d) return;
      const t = d.get("T");
      const partial = t instanceof PdfString ? t.text() : "";
      const name = parentName && partial ? `${parentName}.${partial}` : partial || parentName;
      const ft = d.nameOf("FT") ?? inheritedFT;
      const v = d.get("V");
      if (ft === "Sig" && v !== undefined) {
        let sd: PdfDict | undefined;
        let error: string | undefined;
        try {
          // its /Contents is usually 8–32 KB of hex: read enough at once instead of failing on a small window first
          const o = v instanceof PdfRef ? view.get(v.num, 0, SIG_DICT_WINDOW) : v;
          sd = view.dict(o);
        } catch (e) {
          error = `signature dictionary unreadable: ${(e as Error).message}`;
        }
        const k = v instanceof PdfRef ? `r${v.key}` : `f${name}`;
        if (sd) found.set(k, { name: name || "(unnamed)", sigRef: v instanceof PdfRef ? v : null, sigDict: sd, view });
        else if (error && !found.has(k)) found.set(k, { name: name || "(unnamed)", sigRef: v instanceof PdfRef ? v : null, sigDict: new PdfDict(new Map()), view, error });
      }
      let kids: PdfObj | undefined;
      try {
        kids = view.resolve(d.get("Kids"));
      } catch {
        kids = undefined;
      }
      if (Array.isArray(kids)) for (const k of kids) visit(k, name, ft, depth + 1);
    };
    let fields: PdfObj | undefined;
    try {
      fields = view.resolve(view.dict(cat.get("AcroForm"))?.get("Fields"));
    } catch (e) {
      problems.push(`the form (/AcroForm) of the revision ending at byte ${end} is unreadable: ${(e as Error).message}`);
      fields = undefined;
    }
    if (Array.isArray(fields)) for (const f of fields) visit(f, "", undefined, 0);
  }
  return [...found.values()];
}

export interface DssData {
  certs: Uint8Array[];
  crls: Uint8Array[];
}

export function readDss(view: PdfView): DssData {
  const out: DssData = { certs: [], crls: [] };
  let dss: PdfDict | undefined;
  try {
    dss = view.dict(view.catalog()?.get("DSS"));
  } catch {
    return out;
  }
  if (!dss) return out;
  const collect = (key: string, into: Uint8Array[]) => {
    let arr: PdfObj | undefined;
    try {
      arr = view.resolve(dss!.get(key));
    } catch {
      return;
    }
    if (!Array.isArray(arr)) return;
    for (const item of arr.slice(0, 1000)) {
      try {
        const s = view.resolve(item);
        if (s instanceof PdfStream) into.push(decodeStream(view.file.rawStreamData(s, 4 * 1024 * 1024), s.dict, (x) => view.resolve(x), 4 * 1024 * 1024));
      } catch {
        /* skip unreadable entries */
      }
    }
  };
  collect("Certs", out.certs);
  collect("CRLs", out.crls);
  return out;
}

export interface ByteRangeOk {
  ok: true;
  ranges: [number, number][];
  gapStart: number;
  gapEnd: number;
  signedEnd: number;
  contents: Uint8Array;
}
export interface ByteRangeBad {
  ok: false;
  reason: string;
  contents?: Uint8Array;
}

/** Structural checks of /ByteRange and /Contents (the FORMAT_FAILURE cases). */
export function checkByteRange(field: SigField, size: number): ByteRangeOk | ByteRangeBad {
  const { sigDict, view } = field;
  let br: PdfObj | undefined;
  let contents: PdfObj | undefined;
  try {
    br = view.resolve(sigDict.get("ByteRange"));
    contents = view.resolve(sigDict.get("Contents"));
  } catch (e) {
    return { ok: false, reason: `signature dictionary unreadable: ${(e as Error).message}` };
  }
  if (!(contents instanceof PdfString)) return { ok: false, reason: "signature has no /Contents string" };
  if (!Array.isArray(br)) return { ok: false, reason: "signature has no /ByteRange", contents: contents.bytes };
  let nums: number[];
  try {
    nums = br.map((x) => {
      const r = view.resolve(x);
      if (typeof r !== "number" || !Number.isInteger(r) || r < 0) throw new Error("not a non-negative integer");
      return r;
    });
  } catch {
    return { ok: false, reason: "/ByteRange holds something other than non-negative integers", contents: contents.bytes };
  }
  if (nums.length !== 4) return { ok: false, reason: `/ByteRange has ${nums.length} numbers instead of 4: coverage unclear`, contents: contents.bytes };
  const [a, b, c, d] = nums as [number, number, number, number];
  if (a !== 0) return { ok: false, reason: `/ByteRange does not start at byte 0 (starts at ${a})`, contents: contents.bytes };
  if (c <= b) return { ok: false, reason: `/ByteRange ranges overlap or are out of order [${nums.join(" ")}]`, contents: contents.bytes };
  if (c + d > size) return { ok: false, reason: `/ByteRange extends past the end of the file (${c + d} > ${size} bytes)`, contents: contents.bytes };
  if (!contents.hex || contents.start !== b || contents.end !== c) {
    return {
      ok: false,
      reason: `the unsigned gap [${b}, ${c}) is not exactly this signature's /Contents (at [${contents.start}, ${contents.end})): wrapped or reused ByteRange`,
      contents: contents.bytes,
    };
  }
  return { ok: true, ranges: [[0, b], [c, d]], gapStart: b, gapEnd: c, signedEnd: c + d, contents: contents.bytes };
}

export function pdfDate(o: PdfObj | undefined): Date | null {
  if (!(o instanceof PdfString)) return null;
  const m = /^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+-])?(\d{2})?'?(\d{2})?'?/.exec(o.text());
  if (!m) return null;
  let t = Date.UTC(Number(m[1]), Number(m[2] ?? "1") - 1, Number(m[3] ?? "1"), Number(m[4] ?? "0"), Number(m[5] ?? "0"), Number(m[6] ?? "0"));
  if (m[7] === "+" || m[7] === "-") {
    const off = (Number(m[8] ?? "0") * 60 + Number(m[9] ?? "0")) * 60_000;
    t += m[7] === "+" ? -off : off;
  }
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * DocMDP permission of a certification signature: /P of the DocMDP transform in
 * the signature dictionary's /Reference, or 2 (the default) when the catalog's
 * /Perms /DocMDP names this dictionary without one; null for an approval
 * signature. A /P outside 1–3 is read as 1: a malformed restriction must not
 * end up permitting more than its signer could have meant.
 */
export function docMdpPermission(view: PdfView, sigDict: PdfDict, sigRef: PdfRef | null = null): { p: 1 | 2 | 3; note?: string } | null {
  try {
    const refs = view.resolve(sigDict.get("Reference"));
    if (Array.isArray(refs)) {
      for (const r of refs) {
        const d = view.dict(r);
        if (d?.nameOf("TransformMethod") !== "DocMDP") continue;
        const p = view.resolve(view.dict(d.get("TransformParams"))?.get("P"));
        if (p === undefined) return { p: 2 };
        if (p === 1 || p === 2 || p === 3) return { p };
        return { p: 1, note: `DocMDP /P ${typeof p === "number" ? p : "value"} is not 1, 2 or 3: read as 1` };
      }
    }
    const perms = view.dict(view.catalog()?.get("Perms"));
    const docMdp = perms?.get("DocMDP");
    if (sigRef && docMdp instanceof PdfRef && docMdp.num === sigRef.num) return { p: 2 };
  } catch {
    return null;
  }
  return null;
}
