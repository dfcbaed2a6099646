// PDF object model and a small, bounded parser working on byte windows.
// It never follows references by itself: callers resolve refs through an
// xref view, so a reference loop in the file cannot make the parser loop.
import { createHash } from "node:crypto";

export class PdfName {
  constructor(readonly name: string) {}
}
export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
  get key(): string {
    return `${this.num} ${this.gen}`;
  }
}
export class PdfString {
  /** start/end: absolute file offsets of the token, -1 when not from the file body (object streams) */
  constructor(
    readonly bytes: Uint8Array,
    readonly hex: boolean,
    readonly start: number,
    readonly end: number,
  ) {}
  text(): string {
    const b = this.bytes;
    if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
      const sw = Buffer.from(b.subarray(2));
      if (sw.length % 2 === 1) return sw.subarray(0, sw.length - 1).swap16().toString("utf16le");
      return sw.swap16().toString("utf16le");
    }
    if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return Buffer.from(b.subarray(3)).toString("utf8");
    return Buffer.from(b).toString("latin1");
  }
}
export class PdfDict {
  constructor(readonly map: Map<string, PdfObj>) {}
  get(k: string): PdfObj | undefined {
    return this.map.get(k);
  }
  has(k: string): boolean {
    return this.map.has(k);
  }
  nameOf(k: string): string | undefined {
    const v = this.map.get(k);
    return v instanceof PdfName ? v.name : undefined;
  }
}
export class PdfStream {
  constructor(
    readonly dict: PdfDict,
    /** absolute offset of the first data byte */
    readonly dataStart: number,
    readonly dataLength: number,
  ) {}
}
/**
 * An array or dictionary nested deeper than the parser builds (MAX_DEPTH). It is
 * skipped, not refused: a hostile file must not hide its signature behind deep
 * nesting. Two of them compare by the digest of their raw bytes, so a change
 * deep inside is still a change.
 */
export class PdfOpaque {
  constructor(
    readonly digest: string,
    readonly length: number,
  ) {}
}
export type PdfObj = null | boolean | number | PdfName | PdfString | PdfRef | PdfObj[] | PdfDict | PdfStream | PdfOpaque;

export class PdfSyntaxError extends Error {}
/** The window ended before the object did: the caller may retry with a larger window. */
export class NeedMoreData extends Error {}
// One shared instance: it is a control-flow signal (thrown a few times per file
// while windows grow), and a fresh Error would capture a stack trace each time.
const NEED_MORE_DATA = new NeedMoreData();

const WS = new Uint8Array(256);
for (const c of [0, 9, 10, 12, 13, 32]) WS[c] = 1;
const DELIM = new Uint8Array(256);
for (const c of "()<>[]{}/%") DELIM[c.charCodeAt(0)] = 1;

export const MAX_DEPTH = 200;
/** a character that may not appear in a hex string (PDF white space is allowed) */
const NOT_HEX = /[^0-9A-Fa-f\x00\t\n\f\r ]/;
const MAX_ITEMS = 1_000_000;

/**
 * Parser over `buf`, a window of the file starting at absolute offset `base`.
 * `atEof` tells whether the window reaches the end of the file (then running out
 * of bytes is a syntax error rather than a reason to read more).
 */
export class Parser {
  pos = 0;
  private items = 0;
  /** containers skipped because they were nested deeper than MAX_DEPTH */
  deepSkipped = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly base: number,
    readonly atEof: boolean,
    /** false for objects decoded from object streams: string offsets are then meaningless */
    readonly inFile = true,
  ) {}

  private eod(): never {
    if (this.atEof) throw new PdfSyntaxError(`unexpected end of data at ${this.base + this.pos}`);
    throw NEED_MORE_DATA;
  }

  skipWs(): void {
    const b = this.buf;
    while (this.pos < b.length) {
      const c = b[this.pos]!;
      if (WS[c]) this.pos++;
      else if (c === 0x25) {
        while (this.pos < b.length && b[this.pos] !== 10 && b[this.pos] !== 13) this.pos++;
      } else return;
    }
  }

  peekByte(): number | undefined {
    return this.buf[this.pos];
  }

  /** Regular (non-delimiter) token at the current position. */
  keyword(): string {
    this.skipWs();
    const b = this.buf;
    const s = this.pos;
    while (this.pos < b.length && !WS[b[this.pos]!] && !DELIM[b[this.pos]!]) this.pos++;
    if (this.pos >= b.length && !this.atEof) this.eod();
    return latin1(b, s, this.pos);
  }

  expectKeyword(k: string): void {
    const got = this.keyword();
    if (got !== k) throw new PdfSyntaxError(`expected '${k}' at ${this.base + this.pos}, got '${got.slice(0, 20)}'`);
  }

  /** Parse "num gen obj" header. */
  objHeader(): { num: number; gen: number } {
    const n = this.keyword();
    const g = this.keyword();
    const o = this.keyword();
    if (!/^\d+$/.test(n) || !/^\d+$/.test(g) || o !== "obj") throw new PdfSyntaxError(`no object header at ${this.base}`);
    return { num: Number(n), gen: Number(g) };
  }

  value(depth = 0): PdfObj {
    if (depth > MAX_DEPTH) throw new PdfSyntaxError("objects nested too deeply");
    if (++this.items > MAX_ITEMS) throw new PdfSyntaxError("object too large");
    this.skipWs();
    const b = this.buf;
    if (this.pos >= b.length) this.eod();
    const c = b[this.pos]!;
    if (c === 0x2f) return this.name();
    if (c === 0x28) return this.literalString();
    if (depth >= MAX_DEPTH && (c === 0x5b || c === 0x3c)) {
      if (this.pos + 1 >= b.length) this.eod();
      if (c === 0x5b || b[this.pos + 1] === 0x3c) return this.opaque();
    }
    if (c === 0x3c) {
      if (b[this.pos + 1] === 0x3c) return this.dict(depth);
      if (this.pos + 1 >= b.length) this.eod();
      return this.hexString();
    }
    if (c === 0x5b) {
      this.pos++;
      const arr: PdfObj[] = [];
      for (;;) {
        this.skipWs();
        if (this.pos >= b.length) this.eod();
        if (b[this.pos] === 0x5d) {
          this.pos++;
          return arr;
        }
        arr.push(this.value(depth + 1));
      }
    }
    if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) return this.numberOrRef();
    const kw = this.keyword();
    if (kw === "true") return true;
    if (kw === "false") return false;
    if (kw === "null") return null;
    throw new PdfSyntaxError(`unexpected token '${kw.slice(0, 20) || String.fromCharCode(c)}' at ${this.base + this.pos}`);
  }

  /** Skip the container at pos without building it (iteratively: no recursion, whatever the depth). */
  private opaque(): PdfOpaque {
    const b = this.buf;
    const start = this.pos;
    let open = 0;
    do {
      if (this.pos >= b.length) this.eod();
      const c = b[this.pos]!;
      if (c === 0x5b) {
        open++;
        this.pos++;
      } else if (c === 0x5d) {
        open--;
        this.pos++;
      } else if (c === 0x3c || c === 0x3e) {
        if (this.pos + 1 >= b.length) this.eod();
        if (b[this.pos + 1] === c) {
          open += c === 0x3c ? 1 : -1;
          this.pos += 2;
        } else if (c === 0x3c) {
          const close = indexOf(b, ">", this.pos + 1);
          if (close < 0) {
            this.pos = b.length;
            this.eod();
          }
          this.pos = close + 1;
        } else throw new PdfSyntaxError(`unbalanced '>' at ${this.base + this.pos}`);
      } else if (c === 0x28) this.skipLiteralString();
      else if (c === 0x25) {
        while (this.pos < b.length && b[this.pos] !== 10 && b[this.pos] !== 13) this.pos++;
      } else if (c === 0x65 && b[this.pos + 1] === 0x6e && b[this.pos + 2] === 0x64 && b[this.pos + 3] === 0x6f && b[this.pos + 4] === 0x62 && b[this.pos + 5] === 0x6a) {
        throw new PdfSyntaxError(`unterminated array or dictionary before 'endobj' at ${this.base + this.pos}`);
      } else this.pos++;
      if (open < 0) throw new PdfSyntaxError(`unbalanced brackets at ${this.base + this.pos}`);
    } while (open > 0);
    this.deepSkipped++;
    const raw = b.subarray(start, this.pos);
    return new PdfOpaque(createHash("sha256").update(raw).digest("hex"), raw.length);
  }

  private skipLiteralString(): void {
    const b = this.buf;
    this.pos++;
    let depth = 1;
    while (depth > 0) {
      if (this.pos >= b.length) this.eod();
      const c = b[this.pos++]!;
      if (c === 0x5c) this.pos++;
      else if (c === 0x28) depth++;
      else if (c === 0x29) depth--;
    }
  }

  private dict(depth: number): PdfDict {
    this.pos += 2;
    const map = new Map<string, PdfObj>();
    const b = this.buf;
    for (;;) {
      this.skipWs();
      if (this.pos + 1 >= b.length) this.eod();
      if (b[this.pos] === 0x3e && b[this.pos + 1] === 0x3e) {
        this.pos += 2;
        return new PdfDict(map);
      }
      if (b[this.pos] !== 0x2f) throw new PdfSyntaxError(`dictionary key expected at ${this.base + this.pos}`);
      const k = this.name().name;
      const v = this.value(depth + 1);
      // a null value is equivalent to an absent key
      if (v !== null) map.set(k, v);
      else map.delete(k);
    }
  }

  private name(): PdfName {
    this.pos++;
    const b = this.buf;
    const s = this.pos;
    while (this.pos < b.length && !WS[b[this.pos]!] && !DELIM[b[this.pos]!]) this.pos++;
    if (this.pos >= b.length && !this.atEof) this.eod();
    let raw = latin1(b, s, this.pos);
    if (raw.includes("#")) raw = raw.replace(/#([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    return new PdfName(raw);
  }

  private numberOrRef(): number | PdfRef {
    const save = this.pos;
    const n1 = this.number();
    if (Number.isInteger(n1) && n1 >= 0) {
      const after1 = this.pos;
      this.skipWs();
      const b = this.buf;
      const c = b[this.pos];
      if (c !== undefined && c >= 0x30 && c <= 0x39) {
        const s2 = this.pos;
        while (this.pos < b.length && b[this.pos]! >= 0x30 && b[this.pos]! <= 0x39) this.pos++;
        if (this.pos >= b.length && !this.atEof) this.eod();
        let gen = 0;
        for (let i = s2; i < this.pos; i++) gen = gen * 10 + (b[i]! - 0x30);
        this.skipWs();
        if (this.pos >= b.length && !this.atEof) this.eod();
        if (b[this.pos] === 0x52 && (this.pos + 1 >= b.length || WS[b[this.pos + 1]!] || DELIM[b[this.pos + 1]!])) {
          this.pos++;
          return new PdfRef(n1, gen);
        }
      }
      this.pos = after1;
      return n1;
    }
    void save;
    return n1;
  }

  number(): number {
    const b = this.buf;
    const s = this.pos;
    while (this.pos < b.length) {
      const c = b[this.pos]!;
      if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) this.pos++;
      else break;
    }
    if (this.pos >= b.length && !this.atEof) this.eod();
    // plain unsigned integers (almost every number in a file): no string round trip;
    // up to 15 digits the value is exact, as Number() would give
    if (this.pos > s && this.pos - s <= 15) {
      let v = 0;
      let i = s;
      for (; i < this.pos; i++) {
        const c = b[i]!;
        if (c < 0x30 || c > 0x39) break;
        v = v * 10 + (c - 0x30);
      }
      if (i === this.pos) return v;
    }
    const t = Buffer.from(b.subarray(s, this.pos)).toString("latin1");
    const v = Number(t.replace(/^([+-]?)-+/, "$1"));
    if (!Number.isFinite(v)) throw new PdfSyntaxError(`bad number '${t}' at ${this.base + s}`);
    return v;
  }

  private hexString(): PdfString {
    const b = this.buf;
    const start = this.pos;
    // fast path for long clean hex (signature /Contents): let Buffer decode it
    const close = indexOf(b, ">", start + 1);
    if (close < 0 && !this.atEof) {
      // The string runs past this window: the loop below could only end in a
      // bad character or in asking for more data. Find out which without
      // decoding (the caller re-parses with a larger window anyway), with a
      // native scan: a byte loop over kilobytes costs more in code not yet optimised.
      const bad = NOT_HEX.exec(latin1(b, start + 1, b.length));
      if (bad) {
        this.pos = start + 2 + bad.index;
        throw new PdfSyntaxError(`bad hex string at ${this.base + this.pos - 1}`);
      }
      this.pos = b.length;
      this.eod();
    }
    if (close > start + 64) {
      const hexText = Buffer.from(b.buffer, b.byteOffset + start + 1, close - start - 1).toString("latin1");
      // Buffer's hex decoder stops at the first pair that is not two hex digits,
      // so a full-length result means every character was a hex digit (no regex
      // pass over tens of KB per signature)
      const bytes = hexText.length % 2 === 0 ? Buffer.from(hexText, "hex") : null;
      if (bytes && bytes.length * 2 === hexText.length) {
        this.pos = close + 1;
        return new PdfString(bytes, true, this.inFile ? this.base + start : -1, this.inFile ? this.base + this.pos : -1);
      }
    }
    this.pos++;
    const out: number[] = [];
    let hi = -1;
    for (;;) {
      if (this.pos >= b.length) this.eod();
      const c = b[this.pos++]!;
      if (c === 0x3e) break;
      if (WS[c]) continue;
      const v = hexVal(c);
      if (v < 0) throw new PdfSyntaxError(`bad hex string at ${this.base + this.pos - 1}`);
      if (hi < 0) hi = v;
      else {
        out.push(hi * 16 + v);
        hi = -1;
      }
    }
    if (hi >= 0) out.push(hi * 16);
    return new PdfString(Uint8Array.from(out), true, this.inFile ? this.base + start : -1, this.inFile ? this.base + this.pos : -1);
  }

  private literalString(): PdfString {
    const b = this.buf;
    const start = this.pos;
    this.pos++;
    const out: number[] = [];
    let depth = 1;
    for (;;) {
      if (this.pos >= b.length) this.eod();
      let c = b[this.pos++]!;
      if (c === 0x5c) {
        if (this.pos >= b.length) this.eod();
        c = b[this.pos++]!;
        const esc: Record<number, number> = { 0x6e: 10, 0x72: 13, 0x74: 9, 0x62: 8, 0x66: 12, 0x28: 0x28, 0x29: 0x29, 0x5c: 0x5c };
        if (esc[c] !== undefined) out.push(esc[c]!);
        else if (c >= 0x30 && c <= 0x37) {
          let v = c - 0x30;
          for (let i = 0; i < 2 && this.pos < b.length && b[this.pos]! >= 0x30 && b[this.pos]! <= 0x37; i++) v = v * 8 + (b[this.pos++]! - 0x30);
          out.push(v & 0xff);
        } else if (c === 13) {
          if (b[this.pos] === 10) this.pos++;
        } else if (c !== 10) out.push(c);
        continue;
      }
      if (c === 0x28) depth++;
      else if (c === 0x29 && --depth === 0) break;
      out.push(c);
    }
    return new PdfString(Uint8Array.from(out), false, this.inFile ? this.base + start : -1, this.inFile ? this.base + this.pos : -1);
  }
}

/**
 * Bytes [s, e) of `b` as a latin1 string. Tokens (names, keywords) are short:
 * building them directly avoids copying each into a new Buffer first.
 */
function latin1(b: Uint8Array, s: number, e: number): string {
  if (e - s > 32) return Buffer.from(b.buffer, b.byteOffset + s, e - s).toString("latin1");
  let out = "";
  for (let i = s; i < e; i++) out += String.fromCharCode(b[i]!);
  return out;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Find `needle` in `hay` from `from`; -1 when absent. */
export function indexOf(hay: Uint8Array, needle: string, from = 0): number {
  return Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).indexOf(needle, from, "latin1");
}
export function lastIndexOf(hay: Uint8Array, needle: string, from?: number): number {
  const b = Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength);
  return from === undefined ? b.lastIndexOf(needle, undefined, "latin1") : b.lastIndexOf(needle, from, "latin1");
}

export function isWs(c: number | undefined): boolean {
  return c !== undefined && WS[c] === 1;
}

/** Structural equality; refs compare by number, streams by dict + raw data comparison callback. */
export function deepEqual(a: PdfObj, b: PdfObj, streamsEqual: (x: PdfStream, y: PdfStream) => boolean, depth = 0): boolean {
  if (depth > MAX_DEPTH) return false;
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (a instanceof PdfName) return b instanceof PdfName && a.name === b.name;
  if (a instanceof PdfRef) return b instanceof PdfRef && a.num === b.num && a.gen === b.gen;
  if (a instanceof PdfOpaque) return b instanceof PdfOpaque && a.digest === b.digest;
  if (a instanceof PdfString) return b instanceof PdfString && Buffer.compare(a.bytes, b.bytes) === 0;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]!, streamsEqual, depth + 1));
  if (a instanceof PdfDict) {
    if (!(b instanceof PdfDict) || a.map.size !== b.map.size) return false;
    for (const [k, v] of a.map) {
      const w = b.map.get(k);
      if (w === undefined || !deepEqual(v, w, streamsEqual, depth + 1)) return false;
    }
    return true;
  }
  if (a instanceof PdfStream) {
    if (!(b instanceof PdfStream)) return false;
    const da = new Map(a.dict.map);
    const db = new Map(b.dict.map);
    // /Length may legitimately move between direct and indirect forms
    da.delete("Length");
    db.delete("Length");
    return deepEqual(new PdfDict(da), new PdfDict(db), streamsEqual, depth + 1) && streamsEqual(a, b);
  }
  return false;
}
