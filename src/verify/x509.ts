// X.509 certificate facts we need that node's X509Certificate does not expose
// in a usable form (raw issuer/subject DER for matching, SKI/AKI, names in
// UTF-8), plus the X509Certificate itself for public keys and signatures.
import { X509Certificate, createHash, type KeyObject } from "node:crypto";
import { asn1String, bytesOf, children, contentOf, equalBytes, hex, integerHex, integerNumber, oid, readTlv, time, type Tlv } from "./der.ts";

export interface NameInfo {
  /** RFC 4514-style, most specific first: "CN=..., O=..., C=VN" */
  text: string;
  commonName: string | null;
  organization: string | null;
  /** normalised form for comparisons when the DER differs in string type */
  norm: string;
}

export interface Cert {
  der: Buffer;
  x509: X509Certificate;
  publicKey: KeyObject;
  serialHex: string;
  issuerDer: Buffer;
  subjectDer: Buffer;
  issuer: NameInfo;
  subject: NameInfo;
  notBefore: Date;
  notAfter: Date;
  ski: string | null;
  aki: string | null;
  isCA: boolean;
  /** basicConstraints pathLenConstraint; null when absent */
  pathLen: number | null;
  /** keyUsage bits, bit i = RFC 5280 KeyUsage bit i (5 = keyCertSign); null when the extension is absent */
  keyUsage: number | null;
  /** issuer and subject names are the same (a root, or a CA's key-rollover certificate) */
  selfIssued: boolean;
  /** SHA-256 of the DER, lowercase hex: identity of the certificate */
  fingerprint: string;
  /** SHA-256 of the SubjectPublicKeyInfo DER */
  spkiHash: string;
}

const ATTR_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "STREET",
  "2.5.4.5": "SERIALNUMBER",
  "2.5.4.12": "T",
  "2.5.4.42": "GN",
  "2.5.4.4": "SN",
  "2.5.4.97": "organizationIdentifier",
  "1.2.840.113549.1.9.1": "E",
  "0.9.2342.19200300.100.1.1": "UID",
  "0.9.2342.19200300.100.1.25": "DC",
};

export function parseName(t: Tlv): NameInfo {
  const rdns: string[] = [];
  let cn: string | null = null;
  let o: string | null = null;
  for (const rdn of children(t)) {
    const parts: string[] = [];
    for (const atv of children(rdn)) {
      const [typ, val] = children(atv);
      if (!typ || !val) continue;
      const id = oid(typ);
      const v = asn1String(val);
      if (id === "2.5.4.3" && cn === null) cn = v;
      if (id === "2.5.4.10" && o === null) o = v;
      parts.push(`${ATTR_NAMES[id] ?? id}=${escapeRdn(v)}`);
    }
    rdns.push(parts.join("+"));
  }
  const text = rdns.slice().reverse().join(", ");
  return { text, commonName: cn, organization: o, norm: text.toLowerCase().replace(/\s+/g, " ") };
}

function escapeRdn(v: string): string {
  return v.replace(/([,+"\\<>;])/g, "\\$1");
}

export class CertError extends Error {}

// The same signer and CA certificates recur across a batch of files: parse each once.
// Looked up by length, then compared byte for byte (cheaper than hashing each one).
const certCache = new Map<number, Cert[]>();
let certCacheSize = 0;
const CERT_CACHE_MAX = 2000;

export function parseCertificate(der: Uint8Array): Cert {
  const bucket = certCache.get(der.length);
  if (bucket) for (const c of bucket) if (equalBytes(c.der, der)) return c;
  const cert = parseCertificateUncached(Buffer.from(der));
  if (certCacheSize >= CERT_CACHE_MAX) {
    certCache.clear();
    certCacheSize = 0;
  }
  if (bucket && certCache.has(der.length)) bucket.push(cert);
  else certCache.set(der.length, [cert]);
  certCacheSize++;
  return cert;
}

function parseCertificateUncached(der: Uint8Array): Cert {
  const buf = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(buf);
  } catch (e) {
    throw new CertError(`certificate does not parse: ${(e as Error).message}`);
  }
  const root = readTlv(buf, 0);
  const [tbs] = children(root);
  if (!tbs) throw new CertError("certificate without tbsCertificate");
  const f = children(tbs);
  let i = 0;
  if (f[0]?.tag === 0xa0) i = 1;
  const serial = f[i]!;
  const issuer = f[i + 2]!;
  const validity = f[i + 3]!;
  const subject = f[i + 4]!;
  const spki = f[i + 5]!;
  const [nb, na] = children(validity);
  let ski: string | null = null;
  let aki: string | null = null;
  let isCA = false;
  let pathLen: number | null = null;
  let keyUsage: number | null = null;
  for (const ext of f.slice(i + 6)) {
    if (ext.tag !== 0xa3) continue;
    const seq = readTlv(buf, ext.contentStart, ext.contentEnd);
    for (const e of children(seq)) {
      const parts = children(e);
      const id = oid(parts[0]!);
      const value = parts[parts.length - 1]!;
      const inner = readTlv(buf, value.contentStart, value.contentEnd);
      if (id === "2.5.29.14") ski = hex(contentOf(inner));
      else if (id === "2.5.29.35") {
        const k = children(inner).find((c) => c.tag === 0x80);
        if (k) aki = hex(contentOf(k));
      } else if (id === "2.5.29.19") {
        const bc = children(inner);
        const b = bc[0];
        isCA = !!b && b.tag === 0x01 && contentOf(b)[0] !== 0;
        const pl = bc.find((c) => c.tag === 0x02);
        if (pl) pathLen = integerNumber(pl);
      } else if (id === "2.5.29.15" && inner.tag === 0x03) {
        // BIT STRING: first octet = unused bits, then bit 0 is the high bit of the next octet
        const bits = contentOf(inner);
        keyUsage = 0;
        for (let k = 1; k < bits.length && k < 3; k++) for (let j = 0; j < 8; j++) if (bits[k]! & (0x80 >> j)) keyUsage |= 1 << ((k - 1) * 8 + j);
      }
    }
  }
  const issuerName = parseName(issuer);
  const subjectName = parseName(subject);
  return {
    der: buf,
    x509,
    publicKey: x509.publicKey,
    serialHex: integerHex(serial),
    issuerDer: Buffer.from(bytesOf(issuer)),
    subjectDer: Buffer.from(bytesOf(subject)),
    issuer: issuerName,
    subject: subjectName,
    notBefore: time(nb!),
    notAfter: time(na!),
    ski,
    aki,
    isCA,
    pathLen,
    keyUsage,
    selfIssued: sameName(bytesOf(issuer), issuerName, bytesOf(subject), subjectName),
    fingerprint: createHash("sha256").update(buf).digest("hex"),
    spkiHash: createHash("sha256").update(bytesOf(spki)).digest("hex"),
  };
}

export function sameName(aDer: Uint8Array, a: NameInfo, bDer: Uint8Array, b: NameInfo): boolean {
  return equalBytes(aDer, bDer) || a.norm === b.norm;
}

/** Does `issuer` plausibly issue `child` (names and key ids; the signature is checked separately). */
export function couldIssue(issuer: Cert, child: Cert): boolean {
  if (!sameName(child.issuerDer, child.issuer, issuer.subjectDer, issuer.subject)) return false;
  if (child.aki && issuer.ski && child.aki !== issuer.ski) return false;
  return true;
}

const sigChecks = new WeakMap<Cert, Map<Cert, boolean>>();

/** Cached: does `issuer`'s key verify `child`'s signature? */
export function signedBy(child: Cert, issuer: Cert): boolean {
  let m = sigChecks.get(child);
  if (!m) sigChecks.set(child, (m = new Map()));
  let r = m.get(issuer);
  if (r === undefined) {
    try {
      r = child.x509.verify(issuer.publicKey);
    } catch {
      r = false;
    }
    m.set(issuer, r);
  }
  return r;
}

export function isSelfSigned(c: Cert): boolean {
  return sameName(c.issuerDer, c.issuer, c.subjectDer, c.subject) && signedBy(c, c);
}

/** Parse PEM (any number of CERTIFICATE blocks) or a single DER certificate. */
export function parseCertificates(data: Uint8Array): Cert[] {
  const text = Buffer.from(data.buffer, data.byteOffset, Math.min(data.byteLength, 64)).toString("latin1");
  if (text.includes("-----BEGIN")) {
    const all = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("latin1");
    const out: Cert[] = [];
    const re = /-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----([\s\S]*?)-----END (?:X509 |TRUSTED )?CERTIFICATE-----/g;
    for (const m of all.matchAll(re)) out.push(parseCertificate(Buffer.from(m[1]!.replace(/\s+/g, ""), "base64")));
    return out;
  }
  return [parseCertificate(data)];
}
