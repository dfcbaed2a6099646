// Byte-level structure of a PDF: cross-reference sections, the revisions they
// end, and object lookup "as of" a given revision. Each incremental update
// appends a section; a signature signs every byte up to the end of one.
import type { ByteSource } from "./byte-source.ts";
import { decodeStream, MAX_DECODED } from "./pdf-filters.ts";
import { MAX_DEPTH, NeedMoreData, Parser, PdfDict, PdfName, PdfRef, PdfStream, PdfSyntaxError, indexOf, isWs, lastIndexOf, type PdfObj } from "./pdf-objects.ts";

export type XrefEntry = { kind: "n"; offset: number; gen: number } | { kind: "c"; stream: number; index: number } | { kind: "f" };

export interface XrefSection {
  /** offset of the "xref" keyword or of the xref stream object */
  start: number;
  /** end of the revision this section closes: after "%%EOF" and its end-of-line */
  end: number;
  entries: Map<number, XrefEntry>;
  trailer: PdfDict;
  /** true when rebuilt by scanning the file because the xref was unusable */
  reconstructed?: boolean;
}

export class PdfStructureError extends Error {}

const MAX_WINDOW = 64 * 1024 * 1024;
const MAX_SECTIONS = 5000;
const MAX_OBJECT_NUMBER = 10_000_000;

export class PdfFile {
  readonly sections: XrefSection[] = [];
  private sectionStarts = new Set<number>();
  private objCache = new Map<string, { num: number; gen: number; value: PdfObj }>();
  private objStmCache = new Map<number, { offsets: [number, number][]; data: Uint8Array; first: number }>();
  readonly warnings: string[] = [];
  private viewCache = new Map<number, PdfView>();

  private constructor(readonly src: ByteSource) {}

  /** Throws PdfStructureError when the input is not a readable PDF. */
  static open(src: ByteSource): PdfFile {
    const f = new PdfFile(src);
    const head = src.read(0, 1024);
    const h = indexOf(head, "%PDF-");
    if (h < 0) throw new PdfStructureError("not a PDF file (no %PDF- header)");
    let startxref = -1;
    try {
      startxref = f.lastStartxref(src.size);
    } catch {
      startxref = -1;
    }
    let broken: string | null = startxref < 0 ? "no startxref: file truncated or damaged" : null;
    if (startxref >= 0) {
      try {
        broken = f.loadChain(startxref);
      } catch (e) {
        broken = `cross-reference data unusable (${(e as Error).message})`;
      }
    }
    f.sortSections();
    // A chain that loads but does not lead to a readable catalog is broken too
    // (a last section without /Prev holding only the objects it changed).
    if (!broken && f.sections.length > 0) broken = f.catalogProblem();
    if (broken || f.sections.length === 0) f.repair(broken ?? "no cross-reference data");
    const problem = f.catalogProblem();
    if (problem) throw new PdfStructureError(problem);
    return f;
  }

  /** Why the final revision has no usable catalog, or null. */
  private catalogProblem(): string | null {
    const v = this.view(this.lastEnd);
    if (!v.trailer.get("Root")) return "no document catalog (/Root) found";
    try {
      if (!v.catalog()) return "the document catalog (/Root) is missing from the cross-reference data";
    } catch (e) {
      return `the document catalog (/Root) is unreadable: ${(e as Error).message}`;
    }
    return null;
  }

  /**
   * The cross-reference chain is broken (a /Prev loop, a /Prev outside the file
   * or to no xref, no catalog): do what PDF readers do, rebuild the document by
   * scanning for objects, whose last definitions win. Revisions are kept as far
   * as they can be found, by the chain and by every "startxref" in the file, so
   * signatures still meet the revisions they sign; the scan is the final layer.
   */
  private repair(reason: string): void {
    this.warnings.push(`Bảng tham chiếu chéo bị hỏng / cross-reference data damaged: ${reason}; the document was rebuilt by scanning for objects, as PDF readers do`);
    this.viewCache.clear();
    for (const sx of this.allStartxrefs()) {
      if (this.sectionStarts.has(sx)) continue;
      try {
        this.loadChain(sx);
      } catch {
        /* an unusable section: the scan covers it */
      }
    }
    this.reconstruct();
    this.sortSections();
    this.viewCache.clear();
  }

  /** Offsets named by every "startxref" in the file (whole-file scan: only for damaged files). */
  private allStartxrefs(): number[] {
    const out: number[] = [];
    const CHUNK = 4 * 1024 * 1024;
    for (let pos = 0; pos < this.src.size; pos += CHUNK) {
      const s = Buffer.from(this.src.read(pos, CHUNK + 32)).toString("latin1");
      for (const m of s.matchAll(/startxref\s+(\d{1,15})/g)) {
        if (m.index >= CHUNK) break;
        const n = Number(m[1]);
        if (n < this.src.size) out.push(n);
      }
    }
    return out;
  }

  get lastEnd(): number {
    return this.sections[this.sections.length - 1]!.end;
  }

  revisionEnds(): number[] {
    return [...new Set(this.sections.map((s) => s.end))].sort((a, b) => a - b);
  }

  /** Offset named by the last "startxref" before `before` (looked for within 64 KB). */
  private lastStartxref(before: number): number {
    // It is normally in the last few dozen bytes: try 1 KB first, then the whole
    // 64 KB. The last occurrence in a shorter tail is also the last in the longer
    // one, so the answer is the same; most files cost one small read.
    let len = Math.min(before, 1024);
    let tail = this.src.read(before - len, len);
    let i = lastIndexOf(tail, "startxref");
    if (i < 0 && len < Math.min(before, 64 * 1024)) {
      len = Math.min(before, 64 * 1024);
      tail = this.src.read(before - len, len);
      i = lastIndexOf(tail, "startxref");
    }
    if (i < 0) throw new PdfStructureError("no startxref");
    const p = new Parser(tail.subarray(i + 9), before - len + i + 9, true);
    p.skipWs();
    const n = p.number();
    if (!Number.isInteger(n) || n < 0 || n >= this.src.size) throw new PdfStructureError("startxref points outside the file");
    return n;
  }

  /**
   * Follow /Prev from `offset`, loading each section. Returns why the chain is
   * broken (a loop, a /Prev that points nowhere), or null when it ends cleanly or
   * reaches a section already loaded.
   */
  private loadChain(offset: number): string | null {
    const seen = new Set<number>();
    let next: number | undefined = offset;
    while (next !== undefined) {
      if (seen.has(next)) return `/Prev loop: the cross-reference chain comes back to offset ${next}`;
      if (this.sections.length > MAX_SECTIONS) return `more than ${MAX_SECTIONS} cross-reference sections`;
      seen.add(next);
      if (this.sectionStarts.has(next)) return null;
      const s = this.loadSection(next);
      this.sections.push(s);
      this.sectionStarts.add(s.start);
      const prev = s.trailer.get("Prev");
      if (prev === undefined) return null;
      if (typeof prev !== "number" || !Number.isInteger(prev) || prev < 0 || prev >= this.src.size) {
        return `/Prev of the cross-reference section at ${s.start} points outside the file`;
      }
      next = prev;
    }
    return null;
  }

  /**
   * The revision end matching a signature's signed end `end`, loading its section
   * if the /Prev chain skipped it. A signature may stop right after "%%EOF" and
   * leave the end-of-line out; anything else uncovered means null.
   */
  revisionEndFor(end: number): number | null {
    const match = () => {
      for (const s of this.sections) {
        if (s.end === end) return s.end;
        if (s.end > end && s.end - end <= 2) {
          const gap = this.src.read(end, s.end - end);
          if (gap.every((c) => c === 10 || c === 13)) return s.end;
        }
      }
      return null;
    };
    const m = match();
    if (m !== null) return m;
    if (end <= 0 || end > this.src.size) return null;
    const t = Buffer.from(this.src.read(Math.max(0, end - 8), Math.min(8, end))).toString("latin1");
    if (!/%%EOF(\r\n|\r|\n)?$/.test(t)) return null;
    try {
      const sx = this.lastStartxref(end);
      if (this.sectionStarts.has(sx)) return null;
      this.loadChain(sx);
      this.sortSections();
      this.viewCache.clear();
      return match();
    } catch {
      return null;
    }
  }

  private sortSections(): void {
    // the rebuilt section is the last layer of the revision it ends
    this.sections.sort((a, b) => a.end - b.end || Number(a.reconstructed ?? false) - Number(b.reconstructed ?? false) || a.start - b.start);
  }

  /**
   * Run `fn` on a parser over a window at `offset`, growing the window when the object is longer.
   * Most objects are small: a 4 KB first window keeps reads and copies small
   * (a signature dictionary with its /Contents takes two tries).
   */
  parseAt<T>(offset: number, fn: (p: Parser) => T, initial = 4 * 1024): T {
    let w = initial;
    for (;;) {
      const buf = this.src.read(offset, w);
      const atEof = offset + buf.length >= this.src.size;
      try {
        const p = new Parser(buf, offset, atEof);
        const r = fn(p);
        if (p.deepSkipped > 0) this.noteDeep(offset);
        return r;
      } catch (e) {
        if (e instanceof NeedMoreData && !atEof && w < MAX_WINDOW) {
          // past the small first try, straight to 64 KB (a signature dictionary
          // with its /Contents), then by fours as before
          w = w < 64 * 1024 ? 64 * 1024 : w * 4;
          continue;
        }
        if (e instanceof NeedMoreData) throw new PdfSyntaxError(`object at ${offset} is too large`);
        throw e;
      }
    }
  }

  private deepNoted = false;
  noteDeep(offset: number): void {
    if (this.deepNoted) return;
    this.deepNoted = true;
    this.warnings.push(`objects nested more than ${MAX_DEPTH} levels deep (first at offset ${offset}): the deeper levels were compared as raw bytes, not parsed`);
  }

  private loadSection(offset: number): XrefSection {
    let probe = Buffer.from(this.src.read(offset, 32)).toString("latin1");
    const lead = /^\s*/.exec(probe)![0].length;
    offset += lead;
    probe = probe.slice(lead);
    if (!probe.startsWith("xref") && !/^\d+\s+\d+\s+obj/.test(probe)) {
      // off-by-a-few offsets are common in the wild: look nearby for the section
      const from = Math.max(0, offset - 64);
      const near = Buffer.from(this.src.read(from, 128)).toString("latin1");
      const i = near.search(/(?<![a-z])xref\s/);
      if (i < 0) throw new PdfStructureError(`startxref/Prev offset ${offset} does not point to a cross-reference section`);
      this.warnings.push(`cross-reference offset ${offset} is off by ${from + i - offset} bytes`);
      offset = from + i;
      probe = near.slice(i);
    }
    let section: XrefSection;
    if (probe.startsWith("xref")) section = this.parseXrefTable(offset);
    else section = this.parseXrefStream(offset);
    const xs = section.trailer.get("XRefStm");
    if (typeof xs === "number" && xs > 0 && xs < this.src.size) {
      try {
        const hybrid = this.parseXrefStream(xs);
        for (const [n, e] of hybrid.entries) {
          const cur = section.entries.get(n);
          if (!cur || cur.kind === "f") section.entries.set(n, e);
        }
      } catch (e) {
        this.warnings.push(`hybrid XRefStm unusable: ${(e as Error).message}`);
      }
    }
    return section;
  }

  private findRevisionEnd(from: number): number {
    // startxref, its number, then %%EOF: always within a few hundred bytes
    const win = this.src.read(from, 4096);
    const i = indexOf(win, "%%EOF");
    if (i < 0) return Math.min(this.src.size, from);
    let e = from + i + 5;
    const after = this.src.read(e, 2);
    if (after[0] === 13 && after[1] === 10) e += 2;
    else if (after[0] === 10 || after[0] === 13) e += 1;
    return e;
  }

  private parseXrefTable(offset: number): XrefSection {
    return this.parseAt(offset, (p) => {
      p.expectKeyword("xref");
      const entries = new Map<number, XrefEntry>();
      for (;;) {
        p.skipWs();
        const save = p.pos;
        const kw = p.keyword();
        if (kw === "trailer") break;
        p.pos = save;
        const first = p.number();
        p.skipWs();
        const count = p.number();
        if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 0 || first + count > MAX_OBJECT_NUMBER) {
          throw new PdfStructureError("bad xref subsection header");
        }
        let i = 0;
        // Entries are 20 bytes of fixed layout ("0000012345 00000 n\r\n"): read those
        // straight from the bytes; the tokenizer below takes over at the first one that is not.
        for (const b = p.buf; i < count; i++) {
          if (i === 0) p.skipWs();
          const q = p.pos;
          if (q + 20 > b.length) break;
          const t = b[q + 17];
          if (b[q + 10] !== 0x20 || b[q + 16] !== 0x20 || (t !== 0x6e && t !== 0x66) || !isEol20(b[q + 18]!, b[q + 19]!)) break;
          let off = 0;
          let gen = 0;
          let ok = true;
          for (let k = q; k < q + 10; k++) {
            const c = b[k]! - 0x30;
            if (c < 0 || c > 9) ok = false;
            off = off * 10 + c;
          }
          for (let k = q + 11; k < q + 16; k++) {
            const c = b[k]! - 0x30;
            if (c < 0 || c > 9) ok = false;
            gen = gen * 10 + c;
          }
          if (!ok) break;
          p.pos = q + 20;
          const num = first + i;
          if (t === 0x6e) {
            if (!entries.has(num)) entries.set(num, { kind: "n", offset: off, gen });
          } else if (!entries.has(num)) entries.set(num, { kind: "f" });
        }
        for (; i < count; i++) {
          p.skipWs();
          const off = p.number();
          p.skipWs();
          const gen = p.number();
          const t = p.keyword();
          const num = first + i;
          if (t === "n") {
            if (entries.has(num)) continue;
            entries.set(num, { kind: "n", offset: off, gen });
          } else if (t === "f") {
            if (!entries.has(num)) entries.set(num, { kind: "f" });
          } else throw new PdfStructureError(`bad xref entry type '${t}'`);
        }
      }
      const trailer = p.value();
      if (!(trailer instanceof PdfDict)) throw new PdfStructureError("trailer is not a dictionary");
      // Some writers number the first subsection from 1 while listing object 0: fix the common off-by-one
      return { start: offset, end: this.findRevisionEnd(p.base + p.pos), entries, trailer };
    });
  }

  private parseXrefStream(offset: number): XrefSection {
    const obj = this.parseIndirect(offset, this.directResolver());
    const s = obj.value;
    if (!(s instanceof PdfStream) || s.dict.nameOf("Type") !== "XRef") throw new PdfStructureError("xref offset does not point to an xref stream");
    const data = decodeStream(this.rawStreamData(s), s.dict, (o) => o);
    const w = s.dict.get("W");
    if (!Array.isArray(w) || w.length < 3 || !w.every((x) => typeof x === "number" && x >= 0 && x <= 8)) throw new PdfStructureError("bad /W in xref stream");
    const [w0, w1, w2] = w as [number, number, number];
    const size = s.dict.get("Size");
    const idx = s.dict.get("Index");
    const index: number[] = Array.isArray(idx) && idx.every((x) => typeof x === "number") ? (idx as number[]) : [0, typeof size === "number" ? size : 0];
    const rowLen = w0 + w1 + w2;
    if (rowLen === 0) throw new PdfStructureError("bad /W in xref stream");
    const entries = new Map<number, XrefEntry>();
    let pos = 0;
    const field = (len: number): number => {
      let v = 0;
      for (let i = 0; i < len; i++) v = v * 256 + data[pos++]!;
      return v;
    };
    for (let k = 0; k + 1 < index.length; k += 2) {
      const first = index[k]!;
      const count = index[k + 1]!;
      if (first < 0 || count < 0 || first + count > MAX_OBJECT_NUMBER) throw new PdfStructureError("bad /Index in xref stream");
      for (let i = 0; i < count; i++) {
        if (pos + rowLen > data.length) break;
        const type = w0 === 0 ? 1 : field(w0);
        const f2 = field(w1);
        const f3 = field(w2);
        const num = first + i;
        if (entries.has(num)) continue;
        if (type === 0) entries.set(num, { kind: "f" });
        else if (type === 1) entries.set(num, { kind: "n", offset: f2, gen: f3 });
        else if (type === 2) entries.set(num, { kind: "c", stream: f2, index: f3 });
      }
    }
    const trailer = new PdfDict(new Map(s.dict.map));
    const streamEnd = s.dataStart + s.dataLength;
    return { start: offset, end: this.findRevisionEnd(streamEnd), entries, trailer };
  }

  /** Rebuild a single section by scanning for "n g obj" (damaged or truncated files). */
  private reconstruct(): void {
    const size = this.src.size;
    if (size > 512 * 1024 * 1024) throw new PdfStructureError("damaged cross-reference and file too large to rebuild");
    const entries = new Map<number, XrefEntry>();
    let trailer: PdfDict | undefined;
    const CHUNK = 4 * 1024 * 1024;
    const re = /(?<![0-9])(\d{1,10})[ \t\r\n\f\0]+(\d{1,5})[ \t\r\n\f\0]+obj\b/g;
    const trailerOffsets: number[] = [];
    for (let pos = 0; pos < size; pos += CHUNK) {
      const buf = this.src.read(pos, CHUNK + 64);
      const s = Buffer.from(buf).toString("latin1");
      re.lastIndex = 0;
      for (let m = re.exec(s); m; m = re.exec(s)) {
        if (m.index >= CHUNK) break;
        const num = Number(m[1]);
        if (num > 0 && num < MAX_OBJECT_NUMBER) entries.set(num, { kind: "n", offset: pos + m.index, gen: Number(m[2]) });
      }
      for (let i = s.indexOf("trailer"); i >= 0 && i < CHUNK; i = s.indexOf("trailer", i + 7)) trailerOffsets.push(pos + i);
    }
    for (const t of trailerOffsets.reverse()) {
      try {
        const d = this.parseAt(t, (p) => {
          p.expectKeyword("trailer");
          return p.value();
        });
        if (d instanceof PdfDict && d.get("Root")) {
          trailer = d;
          break;
        }
      } catch {
        /* try an earlier one */
      }
    }
    const section: XrefSection = { start: -1, end: size, entries, trailer: trailer ?? new PdfDict(new Map()), reconstructed: true };
    this.sections.push(section);
    if (!trailer) {
      // no usable trailer: find the catalog, and xref streams' trailers
      const v = this.view(size);
      for (const [num] of entries) {
        let o: PdfObj | undefined;
        try {
          o = v.get(num);
        } catch {
          continue;
        }
        const d = o instanceof PdfStream ? o.dict : o;
        if (d instanceof PdfDict && d.nameOf("Type") === "Catalog") section.trailer.map.set("Root", new PdfRef(num, 0));
      }
      this.viewCache.clear();
    }
  }

  private directResolver(): (o: PdfObj | undefined) => PdfObj | undefined {
    return (o) => o;
  }

  /** Parse "n g obj ... endobj" at `offset`. Stream /Length may be indirect: `resolve` handles it. */
  parseIndirect(offset: number, resolve: (o: PdfObj | undefined) => PdfObj | undefined, initialWindow?: number): { num: number; gen: number; value: PdfObj } {
    const key = `n${offset}`;
    const hit = this.objCache.get(key);
    if (hit) return hit;
    const r = this.parseAt(offset, (p) => {
      const { num, gen } = p.objHeader();
      const value = p.value();
      p.skipWs();
      const save = p.pos;
      let kw = "";
      try {
        kw = p.keyword();
      } catch (e) {
        if (!(e instanceof PdfSyntaxError)) throw e;
      }
      if (kw === "stream" && value instanceof PdfDict) {
        let ds = p.pos;
        if (p.buf[ds] === 13 && p.buf[ds + 1] === 10) ds += 2;
        else if (p.buf[ds] === 10 || p.buf[ds] === 13) ds += 1;
        return { num, gen, value: value, streamStart: p.base + ds };
      }
      p.pos = save;
      return { num, gen, value, streamStart: -1 };
    }, initialWindow);
    let value: PdfObj = r.value;
    if (r.streamStart >= 0 && r.value instanceof PdfDict) {
      value = new PdfStream(r.value, r.streamStart, this.streamLength(r.value, r.streamStart, resolve));
    }
    const out = { num: r.num, gen: r.gen, value };
    this.objCache.set(key, out);
    if (this.objCache.size > 20000) this.objCache.clear();
    return out;
  }

  /** Trust /Length only when "endstream" follows it; otherwise find "endstream" (bounded scan). */
  private streamLength(dict: PdfDict, start: number, resolve: (o: PdfObj | undefined) => PdfObj | undefined): number {
    let len: PdfObj | undefined;
    try {
      len = resolve(dict.get("Length"));
    } catch {
      len = undefined;
    }
    if (typeof len === "number" && Number.isInteger(len) && len >= 0 && start + len <= this.src.size) {
      const after = Buffer.from(this.src.read(start + len, 32)).toString("latin1");
      if (/^\s*endstream/.test(after)) return len;
    }
    // scan forward for endstream in chunks
    const CHUNK = 1024 * 1024;
    for (let pos = start; pos < this.src.size; pos += CHUNK - 16) {
      const buf = this.src.read(pos, CHUNK);
      const i = indexOf(buf, "endstream");
      if (i >= 0) {
        let e = pos + i;
        const before = this.src.read(e - 2, 2);
        if (before[1] === 10) e -= before[0] === 13 ? 2 : 1;
        else if (before[1] === 13) e -= 1;
        return Math.max(0, e - start);
      }
      if (buf.length < CHUNK) break;
    }
    throw new PdfSyntaxError(`stream at ${start} has no endstream`);
  }

  rawStreamData(s: PdfStream, limit = MAX_DECODED): Uint8Array {
    if (s.dataLength > limit) throw new PdfSyntaxError("stream too large");
    return this.src.read(s.dataStart, s.dataLength);
  }

  /** Object `index` of object stream `stmNum` as seen in `view`. */
  compressedObject(view: PdfView, stmNum: number, index: number): { num: number; value: PdfObj } {
    const e = view.entry(stmNum);
    if (!e || e.kind !== "n") throw new PdfStructureError(`object stream ${stmNum} not found`);
    let stm = this.objStmCache.get(e.offset);
    if (!stm) {
      const o = this.parseIndirect(e.offset, (x) => view.resolve(x));
      const s = o.value;
      if (!(s instanceof PdfStream)) throw new PdfStructureError(`object ${stmNum} is not an object stream`);
      const data = decodeStream(this.rawStreamData(s), s.dict, (x) => view.resolve(x));
      const n = s.dict.get("N");
      const first = s.dict.get("First");
      if (typeof n !== "number" || typeof first !== "number" || n < 0 || first < 0 || first > data.length) throw new PdfStructureError("bad object stream header");
      const p = new Parser(data.subarray(0, first), 0, true, false);
      const offsets: [number, number][] = [];
      for (let i = 0; i < n; i++) {
        p.skipWs();
        if (p.pos >= first) break;
        const on = p.number();
        p.skipWs();
        const oo = p.number();
        offsets.push([on, oo]);
      }
      stm = { offsets, data, first };
      this.objStmCache.set(e.offset, stm);
      if (this.objStmCache.size > 64) this.objStmCache.delete(this.objStmCache.keys().next().value as number);
    }
    const item = stm.offsets[index];
    if (!item) throw new PdfStructureError(`object stream ${stmNum} has no entry ${index}`);
    const p = new Parser(stm.data.subarray(stm.first + item[1]), 0, true, false);
    const value = p.value();
    if (p.deepSkipped > 0) this.noteDeep(e.offset);
    return { num: item[0], value };
  }

  /** The document as of the revision ending at `end` (cumulative xref of sections ending by then). */
  view(end: number): PdfView {
    let v = this.viewCache.get(end);
    if (!v) {
      const entries = new Map<number, XrefEntry>();
      const trailer = new Map<string, PdfObj>();
      for (const s of this.sections) {
        if (s.end > end) continue;
        for (const [n, e] of s.entries) entries.set(n, e);
        for (const [k, val] of s.trailer.map) trailer.set(k, val);
      }
      v = new PdfView(this, end, entries, new PdfDict(trailer));
      this.viewCache.set(end, v);
    }
    return v;
  }
}

const MAX_RESOLVE_DEPTH = 32;

export class PdfView {
  private cache = new Map<number, PdfObj>();
  constructor(
    readonly file: PdfFile,
    readonly end: number,
    readonly entries: Map<number, XrefEntry>,
    readonly trailer: PdfDict,
  ) {}

  entry(num: number): XrefEntry | undefined {
    return this.entries.get(num);
  }

  /** Where object `num` lives: equal locations mean the same bytes. */
  location(num: number): string | undefined {
    const e = this.entries.get(num);
    if (!e || e.kind === "f") return undefined;
    return e.kind === "n" ? `n${e.offset}` : `c${this.entries.get(e.stream) ? JSON.stringify(this.entries.get(e.stream)) : e.stream}:${e.index}`;
  }

  /** location(num) is the same here and in `other` (without building the strings: asked for every object). */
  sameLocation(num: number, other: PdfView): boolean {
    const a = this.entries.get(num);
    const b = other.entries.get(num);
    const freeA = !a || a.kind === "f";
    const freeB = !b || b.kind === "f";
    if (freeA || freeB) return freeA === freeB;
    if (a.kind === "n") return b.kind === "n" && a.offset === b.offset;
    if (b.kind !== "c" || a.index !== b.index || a.stream !== b.stream) return false;
    // the same slot of the same object stream number: is that the same object stream?
    const sa = this.entries.get(a.stream);
    const sb = other.entries.get(b.stream);
    if (!sa || !sb) return !sa && !sb;
    if (sa.kind === "n") return sb.kind === "n" && sa.offset === sb.offset && sa.gen === sb.gen;
    if (sa.kind === "c") return sb.kind === "c" && sa.stream === sb.stream && sa.index === sb.index;
    return sb.kind === "f";
  }

  /**
   * Value of object `num`; undefined when free or absent. Throws on damaged objects.
   * `initialWindow`: bytes to read first when the object is known to be large.
   */
  get(num: number, depth = 0, initialWindow?: number): PdfObj | undefined {
    if (this.cache.has(num)) return this.cache.get(num);
    const e = this.entries.get(num);
    if (!e || e.kind === "f") return undefined;
    if (depth > MAX_RESOLVE_DEPTH) throw new PdfStructureError("reference chain too deep (loop?)");
    let value: PdfObj;
    if (e.kind === "n") {
      if (e.offset <= 0 || e.offset >= this.file.src.size) throw new PdfStructureError(`object ${num} points outside the file`);
      const o = this.file.parseIndirect(e.offset, (x) => this.resolve(x, depth + 1), initialWindow);
      if (o.num !== num) throw new PdfStructureError(`xref entry for object ${num} points to object ${o.num}`);
      value = o.value;
    } else {
      if (e.stream === num) throw new PdfStructureError("object stream contains itself");
      value = this.file.compressedObject(this, e.stream, e.index).value;
    }
    this.cache.set(num, value);
    return value;
  }

  /** Follow a reference (and chains of references) to a direct value. */
  resolve(o: PdfObj | undefined, depth = 0): PdfObj | undefined {
    let cur = o;
    let d = depth;
    while (cur instanceof PdfRef) {
      if (++d > MAX_RESOLVE_DEPTH) throw new PdfStructureError("reference chain too deep (loop?)");
      cur = this.get(cur.num, d);
    }
    return cur;
  }

  dict(o: PdfObj | undefined): PdfDict | undefined {
    const r = this.resolve(o);
    if (r instanceof PdfDict) return r;
    if (r instanceof PdfStream) return r.dict;
    return undefined;
  }

  catalog(): PdfDict | undefined {
    return this.dict(this.trailer.get("Root"));
  }
}

export function nameOf(o: PdfObj | undefined): string | undefined {
  return o instanceof PdfName ? o.name : undefined;
}

export { isWs };

/** The two end-of-line bytes of a 20-byte xref entry: SP CR, SP LF or CR LF. */
function isEol20(a: number, b: number): boolean {
  return (a === 0x20 && (b === 0x0d || b === 0x0a)) || (a === 0x0d && b === 0x0a);
}
