// Certificate revocation lists: from files (--crl), the PDF's DSS, or the CMS
// (certificates' crls field, adbe-revocationInfoArchival). A CRL counts only
// when its signature verifies with the key of the certificate's issuer.
import { readFile } from "node:fs/promises";
import { children, contentOf, expect, integerHexLenient, readTlv, time, bytesOf } from "./der.ts";
import { bitStringBytes, parseSigAlgorithm, verifySignature, type SigAlgorithm } from "./algorithms.ts";
import { parseName, sameName, type Cert, type NameInfo } from "./x509.ts";

export interface Crl {
  der: Buffer;
  issuerDer: Buffer;
  issuer: NameInfo;
  thisUpdate: Date;
  nextUpdate: Date | null;
  /** serial (lowercase hex, no leading zeros) → revocation date */
  revoked: Map<string, Date>;
  tbs: Buffer;
  sigAlg: SigAlgorithm | null;
  signature: Buffer;
  source: string;
}

export type CrlSet = Crl[];

export class CrlError extends Error {}

export function parseCrl(data: Uint8Array, source = "embedded"): Crl {
  let der: Buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const head = der.subarray(0, 64).toString("latin1");
  if (head.includes("-----BEGIN")) {
    const m = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/.exec(der.toString("latin1"));
    if (!m) throw new CrlError(`${source}: no X509 CRL block in PEM`);
    der = Buffer.from(m[1]!.replace(/\s+/g, ""), "base64");
  }
  try {
    const root = expect(readTlv(der, 0), 0x30, "CertificateList");
    const [tbsT, algT, sigT] = children(root);
    const tbs = expect(tbsT, 0x30, "tbsCertList");
    const f = children(tbs);
    let i = 0;
    if (f[0]?.tag === 0x02) i++;
    i++; // signature algorithm (repeated outside)
    const issuerT = expect(f[i++], 0x30, "issuer");
    const thisUpdate = time(f[i++]!);
    let nextUpdate: Date | null = null;
    if (f[i] && (f[i]!.tag === 0x17 || f[i]!.tag === 0x18)) nextUpdate = time(f[i++]!);
    const revoked = new Map<string, Date>();
    if (f[i]?.tag === 0x30) {
      for (const entry of children(f[i]!)) {
        const [ser, date] = children(entry);
        // by value, whatever the encoding: a sloppy entry must still revoke the certificate it names
        revoked.set(integerHexLenient(expect(ser, 0x02, "userCertificate")), time(date!));
      }
    }
    let sigAlg: SigAlgorithm | null = null;
    try {
      sigAlg = parseSigAlgorithm(expect(algT, 0x30, "signatureAlgorithm"));
    } catch {
      sigAlg = null;
    }
    return {
      der: Buffer.from(bytesOf(root)),
      issuerDer: Buffer.from(bytesOf(issuerT)),
      issuer: parseName(issuerT),
      thisUpdate,
      nextUpdate,
      revoked,
      tbs: Buffer.from(bytesOf(tbs)),
      sigAlg,
      signature: Buffer.from(bitStringBytes(expect(sigT, 0x03, "signatureValue"))),
      source,
    };
  } catch (e) {
    if (e instanceof CrlError) throw e;
    throw new CrlError(`${source}: CRL does not decode: ${(e as Error).message}`);
  }
}

export async function loadCrlFiles(paths: string[]): Promise<CrlSet> {
  const out: Crl[] = [];
  for (const p of paths) out.push(parseCrl(await readFile(p), p));
  return out;
}

const verified = new WeakMap<Crl, Map<string, boolean>>();

export function crlSignedBy(crl: Crl, issuer: Cert): boolean {
  if (!sameName(crl.issuerDer, crl.issuer, issuer.subjectDer, issuer.subject) || !crl.sigAlg) return false;
  let m = verified.get(crl);
  if (!m) verified.set(crl, (m = new Map()));
  let ok = m.get(issuer.fingerprint);
  if (ok === undefined) {
    try {
      ok = verifySignature(crl.sigAlg, "sha256", issuer.publicKey, crl.tbs, crl.signature);
    } catch {
      ok = false;
    }
    m.set(issuer.fingerprint, ok);
  }
  return ok;
}

export interface RevocationHit {
  crl: Crl;
  date: Date;
}

/** Is `cert` revoked according to a CRL signed by `issuer`? */
export function findRevocation(cert: Cert, issuer: Cert, crls: CrlSet): RevocationHit | null {
  for (const crl of crls) {
    const d = crl.revoked.get(cert.serialHex);
    if (!d) continue;
    if (!sameName(crl.issuerDer, crl.issuer, cert.issuerDer, cert.issuer)) continue;
    if (crlSignedBy(crl, issuer)) return { crl, date: d };
  }
  return null;
}

export { contentOf };
