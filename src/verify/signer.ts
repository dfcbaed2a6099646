// Signer identification and the cryptographic check of one CMS SignerInfo.
import { constants, publicDecrypt } from "node:crypto";
import { children, contentOf, equalBytes, oid, readTlv } from "./der.ts";
import { DIGEST_OIDS, hashBytes, UnsupportedAlgorithm, verifySignature, type DigestName } from "./algorithms.ts";
import { parseSignedData, parseTstInfo, OID, type SignerInfo } from "./cms.ts";
import { validateChain } from "./chain.ts";
import type { CrlSet } from "./crl.ts";
import type { TrustStore } from "./trust-store.ts";
import { parseCertificate, type Cert } from "./x509.ts";

/** Certificates that parse; `errors` collects why the others do not (they simply cannot be used). */
export function parseCerts(ders: Uint8Array[], errors?: string[]): Cert[] {
  const out: Cert[] = [];
  for (const d of ders) {
    try {
      out.push(parseCertificate(d));
    } catch (e) {
      errors?.push((e as Error).message);
    }
  }
  return out;
}

/** Find the signer's certificate by issuer+serial or SubjectKeyIdentifier. */
export function findSignerCert(si: SignerInfo, candidates: Cert[]): Cert | null {
  const { sid } = si;
  for (const c of candidates) {
    if (sid.ski !== undefined) {
      if (c.ski === sid.ski) return c;
    } else if (sid.serialHex !== undefined && sid.issuerDer) {
      // the same DER first: sid.issuer is decoded only when the encodings differ
      if (c.serialHex === sid.serialHex && (equalBytes(c.issuerDer, sid.issuerDer) || (sid.issuer !== undefined && c.issuer.norm === sid.issuer.norm))) return c;
    }
  }
  return null;
}

// certificates are shared across files (parseCertificate caches them): so can their digests be
const certDigests = new WeakMap<Cert, Map<string, Buffer>>();

/** ESS signing-certificate(-v2) binding: null when absent or matching, else a reason. */
export function essMismatch(si: SignerInfo, cert: Cert): string | null {
  if (si.essCertIds.length === 0) return null;
  const first = si.essCertIds[0]!;
  let byAlg = certDigests.get(cert);
  if (!byAlg) certDigests.set(cert, (byAlg = new Map()));
  let h = byAlg.get(first.hash);
  if (!h) {
    try {
      h = hashBytes(first.hash, cert.der);
    } catch {
      return null;
    }
    byAlg.set(first.hash, h);
  }
  if (!h.equals(first.certHash)) return "the signing-certificate attribute does not match the signer's certificate";
  return null;
}

/**
 * Verify the signature value. With signed attributes the signature covers them;
 * without, it covers the content, of which we only know the digest (`contentDigest`).
 * Returns true/false; throws UnsupportedAlgorithm for what node cannot check.
 */
export function checkSignatureValue(si: SignerInfo, cert: Cert, contentDigest: Buffer | null, contentBytes: Uint8Array | null): boolean {
  if (!si.signatureAlgorithm) throw new UnsupportedAlgorithm(si.signatureAlgorithmError ?? "unknown signature algorithm");
  const digestAlg = si.digestAlgorithm;
  if (!digestAlg) throw new UnsupportedAlgorithm(`digest algorithm ${si.digestAlgorithmOid} is not supported`);
  if (si.signedAttrs) return verifySignature(si.signatureAlgorithm, digestAlg, cert.publicKey, si.signedAttrs, si.signature);
  if (contentBytes) return verifySignature(si.signatureAlgorithm, digestAlg, cert.publicKey, contentBytes, si.signature);
  // no signed attributes and content only as a digest: RSA PKCS#1 v1.5 can be checked by recovering DigestInfo
  if (si.signatureAlgorithm.scheme !== "rsa" || !contentDigest) {
    throw new UnsupportedAlgorithm(`a ${si.signatureAlgorithm.scheme} signature without signed attributes over a streamed document is not supported`);
  }
  let recovered: Buffer;
  try {
    recovered = publicDecrypt({ key: cert.publicKey, padding: constants.RSA_PKCS1_PADDING }, si.signature);
  } catch {
    return false;
  }
  try {
    const di = readTlv(recovered, 0);
    const [algId, digest] = children(di);
    const alg = DIGEST_OIDS[oid(children(algId!)[0]!)];
    const expectedAlg = si.signatureAlgorithm.hash ?? digestAlg;
    return di.end === recovered.length && alg === expectedAlg && Buffer.from(contentOf(digest!)).equals(contentDigest);
  } catch {
    return false;
  }
}

export interface TimestampResult {
  time: Date;
  trusted: boolean;
  messages: string[];
}

/** A signature timestamp: imprint over the signature value, TSA signature, TSA chain. */
export function checkTimestamp(token: Uint8Array, signatureValue: Uint8Array, extraCerts: Cert[], trust: TrustStore, crls: CrlSet): TimestampResult | null {
  try {
    const sd = parseSignedData(token);
    if (sd.eContentType !== OID.tstInfo || !sd.eContent) return null;
    const tst = parseTstInfo(sd.eContent);
    const messages: string[] = [];
    if (!tst.hash || !hashBytes(tst.hash, signatureValue).equals(tst.imprint)) {
      return { time: tst.genTime, trusted: false, messages: ["signature timestamp does not cover this signature value"] };
    }
    const si = sd.signerInfos[0];
    if (!si || !si.digestAlgorithm) return { time: tst.genTime, trusted: false, messages: ["signature timestamp has no usable signer"] };
    const certs = [...parseCerts(sd.certificates), ...extraCerts, ...trust.intermediates, ...trust.anchors];
    const tsa = findSignerCert(si, certs);
    if (!tsa) return { time: tst.genTime, trusted: false, messages: ["timestamp authority certificate not found"] };
    const md = hashBytes(si.digestAlgorithm, sd.eContent);
    if (si.signedAttrs && (!si.messageDigest || !si.messageDigest.equals(md))) {
      return { time: tst.genTime, trusted: false, messages: ["signature timestamp token is corrupted (digest mismatch)"] };
    }
    if (!checkSignatureValue(si, tsa, md, si.signedAttrs ? null : sd.eContent)) {
      return { time: tst.genTime, trusted: false, messages: ["signature timestamp token signature does not verify"] };
    }
    const chain = validateChain(tsa, certs, trust, crls, tst.genTime, null);
    if (chain.indication !== "TOTAL_PASSED") {
      messages.push(`timestamp authority not trusted: ${chain.messages.join("; ")}`);
      return { time: tst.genTime, trusted: false, messages };
    }
    return { time: tst.genTime, trusted: true, messages };
  } catch (e) {
    return { time: new Date(NaN), trusted: false, messages: [`signature timestamp unreadable: ${(e as Error).message}`] };
  }
}

export type { DigestName };
