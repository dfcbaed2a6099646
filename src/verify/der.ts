// Minimal ASN.1 DER/BER reader that keeps byte offsets.
//
// node-forge's ASN.1 layer re-encodes what it parsed and drops the original
// offsets; CMS verification needs the exact original bytes of signedAttrs,
// certificates and CRL tbs parts (a re-encoding of BER input is not what was
// signed). So we walk the TLVs ourselves: no copying, views into the input.

export class Asn1Error extends Error {}

export interface Tlv {
  /** first identifier octet (class + constructed bit + tag number for low tags) */
  tag: number;
  tagClass: number; // 0 universal, 1 application, 2 context, 3 private
  constructed: boolean;
  tagNumber: number;
  /** offset of the identifier octet within `buf` */
  start: number;
  /** offset of the first content octet */
  contentStart: number;
  /** offset one past the last content octet (excludes BER end-of-contents) */
  contentEnd: number;
  /** offset one past the whole element */
  end: number;
  buf: Uint8Array;
}

const MAX_DEPTH = 64;

/** Read one TLV at `pos`. `limit` bounds the element (defaults to buf end). */
export function readTlv(buf: Uint8Array, pos: number, limit = buf.length, depth = 0): Tlv {
  if (depth > MAX_DEPTH) throw new Asn1Error("ASN.1 nesting too deep");
  if (pos >= limit) throw new Asn1Error("ASN.1: unexpected end of data");
  const start = pos;
  const tag = buf[pos++]!;
  const tagClass = tag >> 6;
  const constructed = (tag & 0x20) !== 0;
  let tagNumber = tag & 0x1f;
  if (tagNumber === 0x1f) {
    tagNumber = 0;
    for (let i = 0; ; i++) {
      if (pos >= limit || i > 4) throw new Asn1Error("ASN.1: bad high tag number");
      const b = buf[pos++]!;
      tagNumber = tagNumber * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
  }
  if (pos >= limit) throw new Asn1Error("ASN.1: missing length");
  const lb = buf[pos++]!;
  if (lb === 0x80) {
    // BER indefinite length: only for constructed encodings; scan children up to 00 00.
    if (!constructed) throw new Asn1Error("ASN.1: indefinite length on primitive");
    const contentStart = pos;
    let p = pos;
    for (;;) {
      if (p + 2 > limit) throw new Asn1Error("ASN.1: unterminated indefinite length");
      if (buf[p] === 0 && buf[p + 1] === 0) break;
      p = readTlv(buf, p, limit, depth + 1).end;
    }
    return { tag, tagClass, constructed, tagNumber, start, contentStart, contentEnd: p, end: p + 2, buf };
  }
  let len: number;
  if (lb < 0x80) len = lb;
  else {
    const n = lb & 0x7f;
    if (n > 6) throw new Asn1Error("ASN.1: length too large");
    len = 0;
    for (let i = 0; i < n; i++) {
      if (pos >= limit) throw new Asn1Error("ASN.1: truncated length");
      len = len * 256 + buf[pos++]!;
    }
  }
  const contentStart = pos;
  const contentEnd = pos + len;
  if (contentEnd > limit) throw new Asn1Error("ASN.1: element runs past the end of its container");
  return { tag, tagClass, constructed, tagNumber, start, contentStart, contentEnd, end: contentEnd, buf };
}

export function children(t: Tlv, depth = 0): Tlv[] {
  if (!t.constructed) throw new Asn1Error("ASN.1: expected a constructed element");
  const out: Tlv[] = [];
  let p = t.contentStart;
  while (p < t.contentEnd) {
    const c = readTlv(t.buf, p, t.contentEnd, depth + 1);
    out.push(c);
    p = c.end;
  }
  return out;
}

export function bytesOf(t: Tlv): Uint8Array {
  return t.buf.subarray(t.start, t.end);
}

export function contentOf(t: Tlv): Uint8Array {
  return t.buf.subarray(t.contentStart, t.contentEnd);
}

/** Content of a (possibly BER constructed) OCTET STRING, concatenated. */
export function octets(t: Tlv, depth = 0): Uint8Array {
  if (!t.constructed) return contentOf(t);
  const parts = children(t, depth).map((c) => octets(c, depth + 1));
  return Buffer.concat(parts);
}

export function expect(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t) throw new Asn1Error(`ASN.1: missing ${what}`);
  if (t.tag !== tag) throw new Asn1Error(`ASN.1: ${what}: expected tag 0x${tag.toString(16)}, got 0x${t.tag.toString(16)}`);
  return t;
}

// The same few dozen OIDs (attribute types, algorithms) recur in every CMS and certificate
const oidCache = new Map<string, string>();

export function oid(t: Tlv): string {
  if (t.tag !== 0x06) throw new Asn1Error("ASN.1: expected OBJECT IDENTIFIER");
  const b = contentOf(t);
  if (b.length === 0) throw new Asn1Error("ASN.1: empty OID");
  if (b.length > 32) return decodeOid(b);
  let key = "";
  for (let i = 0; i < b.length; i++) key += String.fromCharCode(b[i]!);
  let s = oidCache.get(key);
  if (s === undefined) {
    s = decodeOid(b);
    if (oidCache.size < 1000) oidCache.set(key, s);
  }
  return s;
}

function decodeOid(b: Uint8Array): string {
  const parts: number[] = [];
  let v = 0;
  for (let i = 0; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if ((b[i]! & 0x80) === 0) {
      if (parts.length === 0) {
        if (v < 40) parts.push(0, v);
        else if (v < 80) parts.push(1, v - 40);
        else parts.push(2, v - 80);
      } else parts.push(v);
      v = 0;
    }
  }
  return parts.join(".");
}

/**
 * Hex of an INTEGER's content without leading zero octets. The encoding must be
 * minimal (X.690 8.3.2: the first nine bits are neither all zeros nor all ones),
 * a rule of BER itself, not only of DER: an element that breaks it does not
 * decode under any ASN.1 encoding rules (OpenSSL and Bouncy Castle reject it).
 */
export function integerHex(t: Tlv, what = "INTEGER"): string {
  if (t.tag !== 0x02) throw new Asn1Error(`ASN.1: ${what}: expected INTEGER`);
  const b = contentOf(t);
  if (b.length === 0) throw new Asn1Error(`ASN.1: ${what}: empty INTEGER`);
  if (b.length > 1 && ((b[0] === 0 && b[1]! < 0x80) || (b[0] === 0xff && b[1]! >= 0x80))) {
    throw new Asn1Error(`ASN.1: ${what}: INTEGER is not minimally encoded (starts ${hex(b.subarray(0, 2))}; X.690 8.3.2)`);
  }
  return integerHexLenient(t);
}

/** integerHex without the minimal-encoding rule, for values compared by number only. */
export function integerHexLenient(t: Tlv): string {
  if (t.tag !== 0x02) throw new Asn1Error("ASN.1: expected INTEGER");
  let b = contentOf(t);
  while (b.length > 1 && b[0] === 0) b = b.subarray(1);
  return Buffer.from(b).toString("hex");
}

export function integerNumber(t: Tlv): number {
  const hex = integerHex(t);
  return hex.length > 12 ? Number.MAX_SAFE_INTEGER : parseInt(hex, 16);
}

/** UTCTime / GeneralizedTime → Date */
export function time(t: Tlv): Date {
  const s = Buffer.from(contentOf(t)).toString("latin1");
  let m: RegExpMatchArray | null;
  if (t.tag === 0x17) {
    m = s.match(/^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(Z|[+-]\d{4})$/);
    if (!m) throw new Asn1Error(`ASN.1: bad UTCTime ${s}`);
    const yy = Number(m[1]);
    const year = yy >= 50 ? 1900 + yy : 2000 + yy;
    return mkDate(year, m[2]!, m[3]!, m[4]!, m[5]!, m[6] ?? "00", "", m[7]!);
  }
  if (t.tag === 0x18) {
    m = s.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?([.,]\d+)?(Z|[+-]\d{4})?$/);
    if (!m) throw new Asn1Error(`ASN.1: bad GeneralizedTime ${s}`);
    return mkDate(Number(m[1]), m[2]!, m[3]!, m[4]!, m[5] ?? "00", m[6] ?? "00", m[7] ?? "", m[8] ?? "Z");
  }
  throw new Asn1Error("ASN.1: expected a time");
}

function mkDate(y: number, mo: string, d: string, h: string, mi: string, s: string, frac: string, tz: string): Date {
  const ms = frac ? Math.round(Number("0." + frac.slice(1)) * 1000) : 0;
  let t = Date.UTC(y, Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  if (tz !== "Z") {
    const sign = tz[0] === "-" ? -1 : 1;
    t -= sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(3, 5))) * 60_000;
  }
  const date = new Date(t);
  if (Number.isNaN(date.getTime())) throw new Asn1Error("ASN.1: invalid date");
  return date;
}

/** Decode the ASN.1 string types used in X.500 names. */
export function asn1String(t: Tlv): string {
  const b = Buffer.from(contentOf(t));
  switch (t.tag) {
    case 0x0c: // UTF8String
      return b.toString("utf8");
    case 0x1e: {
      // BMPString: UTF-16BE
      const sw = Buffer.from(b);
      if (sw.length % 2 === 0) sw.swap16();
      return sw.toString("utf16le");
    }
    case 0x1c: {
      // UniversalString: UTF-32BE
      let s = "";
      for (let i = 0; i + 3 < b.length; i += 4) s += String.fromCodePoint(b.readUInt32BE(i));
      return s;
    }
    case 0x14: // T61String: in practice latin1 or UTF-8
      return looksUtf8(b) ? b.toString("utf8") : b.toString("latin1");
    default:
      return b.toString(looksUtf8(b) ? "utf8" : "latin1");
  }
}

function looksUtf8(b: Buffer): boolean {
  const s = b.toString("utf8");
  return !s.includes("\uFFFD");
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
