// Algorithm identifiers → node:crypto parameters, and signature-value checks.
import { constants, createHash, verify as cryptoVerify, type KeyObject } from "node:crypto";
import { children, contentOf, oid, readTlv, integerNumber, type Tlv } from "./der.ts";

export type DigestName = "sha1" | "sha224" | "sha256" | "sha384" | "sha512" | "sha3-256" | "sha3-384" | "sha3-512" | "md5" | "shake256";

export const DIGEST_OIDS: Record<string, DigestName> = {
  "1.3.14.3.2.26": "sha1",
  "2.16.840.1.101.3.4.2.4": "sha224",
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
  "2.16.840.1.101.3.4.2.8": "sha3-256",
  "2.16.840.1.101.3.4.2.9": "sha3-384",
  "2.16.840.1.101.3.4.2.10": "sha3-512",
  "2.16.840.1.101.3.4.2.12": "shake256",
  "1.2.840.113549.2.5": "md5",
};

export type SigScheme = "rsa" | "rsa-pss" | "ecdsa" | "ecdsa-plain" | "ed25519" | "ed448" | "dsa";

export interface SigAlgorithm {
  oid: string;
  scheme: SigScheme;
  /** hash bound into the algorithm identifier; undefined = use the digestAlgorithm */
  hash?: DigestName;
  pssSaltLength?: number;
}

const SIG_OIDS: Record<string, { scheme: SigScheme; hash?: DigestName }> = {
  "1.2.840.113549.1.1.1": { scheme: "rsa" },
  "1.2.840.113549.1.1.4": { scheme: "rsa", hash: "md5" },
  "1.2.840.113549.1.1.5": { scheme: "rsa", hash: "sha1" },
  "1.2.840.113549.1.1.14": { scheme: "rsa", hash: "sha224" },
  "1.2.840.113549.1.1.11": { scheme: "rsa", hash: "sha256" },
  "1.2.840.113549.1.1.12": { scheme: "rsa", hash: "sha384" },
  "1.2.840.113549.1.1.13": { scheme: "rsa", hash: "sha512" },
  "2.16.840.1.101.3.4.3.14": { scheme: "rsa", hash: "sha3-256" },
  "2.16.840.1.101.3.4.3.15": { scheme: "rsa", hash: "sha3-384" },
  "2.16.840.1.101.3.4.3.16": { scheme: "rsa", hash: "sha3-512" },
  "1.2.840.113549.1.1.10": { scheme: "rsa-pss" },
  // ecPublicKey in the signature slot is common in the wild: ECDSA with the digestAlgorithm
  "1.2.840.10045.2.1": { scheme: "ecdsa" },
  "1.2.840.10045.4.1": { scheme: "ecdsa", hash: "sha1" },
  "1.2.840.10045.4.3.1": { scheme: "ecdsa", hash: "sha224" },
  "1.2.840.10045.4.3.2": { scheme: "ecdsa", hash: "sha256" },
  "1.2.840.10045.4.3.3": { scheme: "ecdsa", hash: "sha384" },
  "1.2.840.10045.4.3.4": { scheme: "ecdsa", hash: "sha512" },
  "2.16.840.1.101.3.4.3.10": { scheme: "ecdsa", hash: "sha3-256" },
  "2.16.840.1.101.3.4.3.11": { scheme: "ecdsa", hash: "sha3-384" },
  "2.16.840.1.101.3.4.3.12": { scheme: "ecdsa", hash: "sha3-512" },
  // BSI TR-03111 plain (r||s) ECDSA
  "0.4.0.127.0.7.1.1.4.1.1": { scheme: "ecdsa-plain", hash: "sha1" },
  "0.4.0.127.0.7.1.1.4.1.2": { scheme: "ecdsa-plain", hash: "sha224" },
  "0.4.0.127.0.7.1.1.4.1.3": { scheme: "ecdsa-plain", hash: "sha256" },
  "0.4.0.127.0.7.1.1.4.1.4": { scheme: "ecdsa-plain", hash: "sha384" },
  "0.4.0.127.0.7.1.1.4.1.5": { scheme: "ecdsa-plain", hash: "sha512" },
  "1.3.101.112": { scheme: "ed25519" },
  "1.3.101.113": { scheme: "ed448" },
  "1.2.840.10040.4.3": { scheme: "dsa", hash: "sha1" },
  "2.16.840.1.101.3.4.3.2": { scheme: "dsa", hash: "sha256" },
};

export class UnsupportedAlgorithm extends Error {}

/** Parse an AlgorithmIdentifier carrying a signature algorithm. */
export function parseSigAlgorithm(algId: Tlv): SigAlgorithm {
  const [o, params] = children(algId);
  if (!o) throw new UnsupportedAlgorithm("empty signature algorithm identifier");
  const id = oid(o);
  const known = SIG_OIDS[id];
  if (!known) throw new UnsupportedAlgorithm(`signature algorithm ${id} is not a supported signature algorithm`);
  const alg: SigAlgorithm = { oid: id, scheme: known.scheme };
  if (known.hash) alg.hash = known.hash;
  if (known.scheme === "rsa-pss") {
    // RSASSA-PSS-params: [0] hash, [1] mgf, [2] saltLength, [3] trailerField; defaults SHA-1 / 20
    alg.hash = "sha1";
    alg.pssSaltLength = 20;
    let mgfHash: DigestName | undefined = "sha1";
    if (params && params.tag === 0x30) {
      for (const p of children(params)) {
        const inner = readTlv(p.buf, p.contentStart, p.contentEnd);
        if (p.tag === 0xa0) {
          const h = children(inner)[0];
          const hn = h ? DIGEST_OIDS[oid(h)] : undefined;
          if (!hn) throw new UnsupportedAlgorithm("RSA-PSS with an unknown hash");
          alg.hash = hn;
        } else if (p.tag === 0xa1) {
          const [mgfOid, mgfParams] = children(inner);
          if (!mgfOid || oid(mgfOid) !== "1.2.840.113549.1.1.8") throw new UnsupportedAlgorithm("RSA-PSS with an unknown MGF");
          const mh = mgfParams ? children(mgfParams)[0] : undefined;
          mgfHash = mh ? DIGEST_OIDS[oid(mh)] : undefined;
        } else if (p.tag === 0xa2) {
          alg.pssSaltLength = integerNumber(inner);
        }
      }
    }
    // node:crypto uses the message hash for MGF1 too, the only profile seen in practice
    if (mgfHash !== alg.hash) throw new UnsupportedAlgorithm("RSA-PSS with an MGF1 hash different from the message hash");
  }
  return alg;
}

export function digestOf(algId: Tlv): DigestName {
  const o = children(algId)[0];
  if (!o) throw new UnsupportedAlgorithm("empty digest algorithm identifier");
  const id = oid(o);
  const d = DIGEST_OIDS[id];
  if (!d) throw new UnsupportedAlgorithm(`digest algorithm ${id} is not supported`);
  return d;
}

/** The label used in reports: "rsa" | "rsa-pss" | "ecdsa" | "ed25519" | ... */
export function schemeLabel(s: SigScheme): string {
  return s === "ecdsa-plain" ? "ecdsa" : s;
}

export function newHash(d: DigestName) {
  // SHAKE256 in CMS (RFC 8419, Ed448) uses a 512-bit output
  return d === "shake256" ? createHash("shake256", { outputLength: 64 }) : createHash(d);
}

export function hashBytes(d: DigestName, data: Uint8Array): Buffer {
  return newHash(d).update(data).digest();
}

const KEY_TYPES: Record<SigScheme, string[]> = {
  rsa: ["rsa"],
  "rsa-pss": ["rsa", "rsa-pss"],
  ecdsa: ["ec"],
  "ecdsa-plain": ["ec"],
  ed25519: ["ed25519"],
  ed448: ["ed448"],
  dsa: ["dsa"],
};

/**
 * Verify a signature value over `data`. `fallbackHash` is the CMS digestAlgorithm,
 * used when the algorithm identifier does not name a hash (rsaEncryption, ecPublicKey).
 */
export function verifySignature(alg: SigAlgorithm, fallbackHash: DigestName, key: KeyObject, data: Uint8Array, sig: Uint8Array): boolean {
  const keyType = key.asymmetricKeyType ?? "";
  if (!KEY_TYPES[alg.scheme].includes(keyType)) {
    throw new UnsupportedAlgorithm(`signature algorithm ${alg.scheme} does not match the certificate's ${keyType || "unknown"} key`);
  }
  if (alg.scheme === "ed25519" || alg.scheme === "ed448") return cryptoVerify(null, data, key, sig);
  const hash = alg.hash ?? fallbackHash;
  if (hash === "shake256") throw new UnsupportedAlgorithm("SHAKE256 with a non-EdDSA signature is not supported");
  switch (alg.scheme) {
    case "rsa":
      return cryptoVerify(hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, sig);
    case "rsa-pss":
      return cryptoVerify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.pssSaltLength ?? 20 }, sig);
    case "ecdsa":
      return cryptoVerify(hash, data, { key, dsaEncoding: "der" }, sig);
    case "ecdsa-plain":
      return cryptoVerify(hash, data, { key, dsaEncoding: "ieee-p1363" }, sig);
    case "dsa":
      return cryptoVerify(hash, data, key, sig);
  }
}

/** Effective hash of a signature (what policy judges). */
export function effectiveHash(alg: SigAlgorithm, fallbackHash: DigestName): DigestName {
  if (alg.scheme === "ed25519") return "sha512";
  if (alg.scheme === "ed448") return "shake256";
  return alg.hash ?? fallbackHash;
}

export function bitStringBytes(t: Tlv): Uint8Array {
  const c = contentOf(t);
  return c.subarray(1);
}
