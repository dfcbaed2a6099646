// Cryptographic acceptance policy. SHA-1 and MD5 are below policy: a
// signature using them is INDETERMINATE / CRYPTO_CONSTRAINTS_FAILURE, never
// valid, unless the operator explicitly allows SHA-1 (old archives).
import type { KeyObject } from "node:crypto";
import type { DigestName } from "./algorithms.ts";

export interface Policy {
  allowSha1: boolean;
  minRsaBits: number;
  minEcBits: number;
}

export function makePolicy(o: { allowSha1?: boolean } = {}): Policy {
  return { allowSha1: o.allowSha1 ?? false, minRsaBits: 1024, minEcBits: 224 };
}

/** A reason when the digest is below policy, else null. */
export function digestBelowPolicy(d: DigestName, p: Policy): string | null {
  if (d === "md5") return "MD5 is not acceptable";
  if (d === "sha1" && !p.allowSha1) return "SHA-1 is below the signature policy (not collision resistant)";
  return null;
}

export function keyBelowPolicy(key: KeyObject, p: Policy): string | null {
  const d = key.asymmetricKeyDetails;
  if (!d) return null;
  if ((key.asymmetricKeyType === "rsa" || key.asymmetricKeyType === "rsa-pss") && d.modulusLength && d.modulusLength < p.minRsaBits) {
    return `RSA key of ${d.modulusLength} bits is below the policy minimum of ${p.minRsaBits}`;
  }
  if (key.asymmetricKeyType === "ec" && d.namedCurve) {
    const bits = Number(/(\d{3})/.exec(d.namedCurve)?.[1] ?? "256");
    if (bits < p.minEcBits) return `EC curve ${d.namedCurve} is below the policy minimum`;
  }
  return null;
}
