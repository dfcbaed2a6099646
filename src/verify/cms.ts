// CMS SignedData (RFC 5652) as used in PDF signatures and RFC 3161 tokens.
// Only what verification needs is extracted; everything keeps the original
// bytes (signedAttrs are verified over their DER as received, re-tagged SET).
import { Asn1Error, bytesOf, children, contentOf, expect, integerHex, octets, oid, readTlv, time, type Tlv } from "./der.ts";
import { DIGEST_OIDS, parseSigAlgorithm, type DigestName, type SigAlgorithm } from "./algorithms.ts";
import { parseName, type NameInfo } from "./x509.ts";

export const OID = {
  signedData: "1.2.840.113549.1.7.2",
  data: "1.2.840.113549.1.7.1",
  tstInfo: "1.2.840.113549.1.9.16.1.4",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  signingCertificate: "1.2.840.113549.1.9.16.2.12",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
  adbeRevocation: "1.2.840.113583.1.1.8",
  timestampToken: "1.2.840.113549.1.9.16.2.14",
} as const;

export class CmsError extends Error {}

export interface SignerId {
  issuerDer?: Buffer;
  issuer?: NameInfo;
  serialHex?: string;
  ski?: string;
}

export interface EssCertId {
  hash: DigestName;
  certHash: Buffer;
  serialHex?: string;
}

export interface SignerInfo {
  sid: SignerId;
  digestAlgorithm: DigestName | null;
  digestAlgorithmOid: string;
  /** signedAttrs DER re-tagged as SET OF (0x31): the bytes the signature covers */
  signedAttrs: Buffer | null;
  contentType: string | null;
  messageDigest: Buffer | null;
  signingTime: Date | null;
  essCertIds: EssCertId[];
  signatureAlgorithm: SigAlgorithm | null;
  signatureAlgorithmError: string | null;
  signature: Buffer;
  /** RFC 3161 signature timestamp (ContentInfo DER) from the unsigned attributes */
  timestampTokens: Buffer[];
  /** adbe-revocationInfoArchival */
  archivedCrls: Buffer[];
}

export interface SignedData {
  eContentType: string;
  eContent: Buffer | null;
  certificates: Buffer[];
  crls: Buffer[];
  signerInfos: SignerInfo[];
  /** bytes of the ContentInfo actually used (without /Contents zero padding) */
  length: number;
}

/** Parse a DER/BER ContentInfo carrying SignedData. Trailing bytes (zero padding) are ignored. */
export function parseSignedData(der: Uint8Array): SignedData {
  try {
    return parse(der);
  } catch (e) {
    if (e instanceof CmsError) throw e;
    throw new CmsError(`CMS does not decode: ${(e as Error).message}`);
  }
}

function parse(der: Uint8Array): SignedData {
  const ci = expect(readTlv(der, 0), 0x30, "ContentInfo");
  const [ct, content] = children(ci);
  if (!ct || oid(ct) !== OID.signedData) throw new CmsError("CMS ContentInfo is not SignedData");
  const ctx = expect(content, 0xa0, "SignedData wrapper");
  const sd = expect(children(ctx)[0], 0x30, "SignedData");
  const f = children(sd);
  let i = 0;
  expect(f[i++], 0x02, "SignedData.version");
  expect(f[i++], 0x31, "SignedData.digestAlgorithms");
  const eci = expect(f[i++], 0x30, "encapContentInfo");
  const [eType, eWrap] = children(eci);
  const eContentType = oid(expect(eType, 0x06, "eContentType"));
  let eContent: Buffer | null = null;
  if (eWrap) {
    const inner = children(expect(eWrap, 0xa0, "eContent"))[0];
    if (inner) eContent = Buffer.from(octets(inner));
  }
  const certificates: Buffer[] = [];
  const crls: Buffer[] = [];
  while (f[i] && (f[i]!.tag === 0xa0 || f[i]!.tag === 0xa1 || f[i]!.tag === 0x80)) {
    const t = f[i++]!;
    if (t.tag === 0xa0) {
      for (const c of children(t)) if (c.tag === 0x30) certificates.push(Buffer.from(bytesOf(c)));
    } else if (t.tag === 0xa1) {
      for (const c of children(t)) if (c.tag === 0x30) crls.push(Buffer.from(bytesOf(c)));
    }
  }
  const sis = expect(f[i++], 0x31, "signerInfos");
  const signerInfos = children(sis).map(parseSignerInfo);
  return { eContentType, eContent, certificates, crls, signerInfos, length: ci.end };
}

function parseSignerInfo(si: Tlv): SignerInfo {
  const f = children(expect(si, 0x30, "SignerInfo"));
  let i = 0;
  expect(f[i++], 0x02, "SignerInfo.version");
  const sidT = f[i++];
  let sid: SignerId;
  if (sidT?.tag === 0x30) {
    const [iss, ser] = children(sidT);
    const issuerDer = Buffer.from(bytesOf(expect(iss, 0x30, "sid.issuer")));
    const serialHex = integerHex(expect(ser, 0x02, "sid.serialNumber"), "SignerInfo sid.serialNumber");
    // decoded only when needed: the signer's certificate normally carries the same DER
    let name: NameInfo | undefined;
    sid = {
      issuerDer,
      serialHex,
      get issuer() {
        return (name ??= parseName(readTlv(issuerDer, 0)));
      },
    };
  } else if (sidT?.tag === 0x80) {
    sid = { ski: Buffer.from(contentOf(sidT)).toString("hex") };
  } else throw new CmsError("SignerInfo.sid is neither issuerAndSerialNumber nor subjectKeyIdentifier");
  const dAlg = expect(f[i++], 0x30, "SignerInfo.digestAlgorithm");
  const dOid = oid(children(dAlg)[0]!);
  const out: SignerInfo = {
    sid,
    digestAlgorithm: DIGEST_OIDS[dOid] ?? null,
    digestAlgorithmOid: dOid,
    signedAttrs: null,
    contentType: null,
    messageDigest: null,
    signingTime: null,
    essCertIds: [],
    signatureAlgorithm: null,
    signatureAlgorithmError: null,
    signature: Buffer.alloc(0),
    timestampTokens: [],
    archivedCrls: [],
  };
  if (f[i]?.tag === 0xa0) {
    const sa = f[i++]!;
    const raw = Buffer.from(bytesOf(sa));
    raw[0] = 0x31;
    out.signedAttrs = raw;
    for (const attr of children(sa)) readSignedAttr(attr, out);
  }
  const sAlg = expect(f[i++], 0x30, "SignerInfo.signatureAlgorithm");
  try {
    out.signatureAlgorithm = parseSigAlgorithm(sAlg);
  } catch (e) {
    out.signatureAlgorithmError = (e as Error).message;
  }
  out.signature = Buffer.from(contentOf(expect(f[i++], 0x04, "SignerInfo.signature")));
  if (f[i]?.tag === 0xa1) {
    for (const attr of children(f[i]!)) {
      const [t, vals] = children(attr);
      if (t && vals && oid(t) === OID.timestampToken) for (const v of children(vals)) out.timestampTokens.push(Buffer.from(bytesOf(v)));
    }
  }
  return out;
}

function readSignedAttr(attr: Tlv, out: SignerInfo): void {
  const [t, vals] = children(attr);
  if (!t || !vals) throw new CmsError("malformed signed attribute");
  const id = oid(t);
  const v = children(vals)[0];
  if (!v) return;
  switch (id) {
    case OID.contentType:
      out.contentType = oid(v);
      break;
    case OID.messageDigest:
      out.messageDigest = Buffer.from(contentOf(expect(v, 0x04, "messageDigest")));
      break;
    case OID.signingTime:
      out.signingTime = time(v);
      break;
    case OID.signingCertificate:
    case OID.signingCertificateV2: {
      // SigningCertificate(V2) ::= SEQUENCE { certs SEQUENCE OF ESSCertID(v2), policies OPTIONAL }
      const certs = children(v)[0];
      if (!certs) break;
      for (const c of children(certs)) {
        const parts = children(c);
        let hash: DigestName = id === OID.signingCertificate ? "sha1" : "sha256";
        let k = 0;
        if (id === OID.signingCertificateV2 && parts[0]?.tag === 0x30) {
          const h = DIGEST_OIDS[oid(children(parts[0])[0]!)];
          if (h) hash = h;
          k = 1;
        }
        const certHash = Buffer.from(contentOf(expect(parts[k], 0x04, "ESSCertID.certHash")));
        const ess: EssCertId = { hash, certHash };
        const issuerSerial = parts[k + 1];
        if (issuerSerial?.tag === 0x30) {
          const ser = children(issuerSerial)[1];
          if (ser?.tag === 0x02) ess.serialHex = integerHex(ser, "signing-certificate attribute serialNumber");
        }
        out.essCertIds.push(ess);
      }
      break;
    }
    case OID.adbeRevocation: {
      for (const part of children(v)) {
        if (part.tag !== 0xa0) continue;
        const seq = children(part)[0];
        if (seq) for (const crl of children(seq)) out.archivedCrls.push(Buffer.from(bytesOf(crl)));
      }
      break;
    }
  }
}

export interface TstInfo {
  hash: DigestName | null;
  imprint: Buffer;
  genTime: Date;
}

export function parseTstInfo(der: Uint8Array): TstInfo {
  try {
    const seq = expect(readTlv(der, 0), 0x30, "TSTInfo");
    const f = children(seq);
    const mi = expect(f[2], 0x30, "messageImprint");
    const [alg, hashed] = children(mi);
    const h = DIGEST_OIDS[oid(children(alg!)[0]!)] ?? null;
    const genTime = time(f[4]!);
    return { hash: h, imprint: Buffer.from(contentOf(expect(hashed, 0x04, "hashedMessage"))), genTime };
  } catch (e) {
    throw new CmsError(`TSTInfo does not decode: ${(e as Error).message}`);
  }
}

export { Asn1Error };
