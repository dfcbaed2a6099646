// Certification path building and validation at a reference time.
// Intermediates may come from anywhere (CMS, DSS, trust store); a path ends
// only at a trust-store anchor, matched by certificate bytes or by subject +
// public key, so a look-alike root carrying the same names never qualifies.
import { findRevocation, type CrlSet } from "./crl.ts";
import { anchorFor, type TrustStore } from "./trust-store.ts";
import { couldIssue, isSelfSigned, signedBy, type Cert } from "./x509.ts";

export type ChainSubIndication = "NO_CERTIFICATE_CHAIN_FOUND" | "CERTIFICATE_CHAIN_GENERAL_FAILURE" | "OUT_OF_BOUNDS_NO_POE" | "NOT_YET_VALID" | "REVOKED" | null;

export interface ChainResult {
  /** signer first; ends with the anchor when trusted */
  chain: Cert[];
  anchor: Cert | null;
  indication: "TOTAL_PASSED" | "TOTAL_FAILED" | "INDETERMINATE";
  subIndication: ChainSubIndication;
  messages: string[];
}

const MAX_PATH = 10;

export function findPath(leaf: Cert, pool: Cert[], trust: TrustStore): { path: Cert[]; anchor: Cert | null; deadEnds: string[] } {
  const deadEnds: string[] = [];
  let best: Cert[] = [leaf];
  const seen = new Set<string>();
  const dfs = (path: Cert[]): Cert[] | null => {
    const cur = path[path.length - 1]!;
    const a = anchorFor(trust, cur);
    if (a) return path;
    if (path.length > best.length) best = path;
    if (path.length >= MAX_PATH) return null;
    if (isSelfSigned(cur)) {
      deadEnds.push(`self-signed certificate "${cur.subject.text}" is not in the trust store`);
      return null;
    }
    // anchors first, then other candidates; issuers must be CAs unless they are anchors
    const candidates = [...trust.anchors, ...pool, ...trust.intermediates].filter(
      (c) => !seen.has(c.fingerprint) && c.fingerprint !== cur.fingerprint && couldIssue(c, cur),
    );
    for (const c of candidates) {
      const isAnchor = !!anchorFor(trust, c);
      if (!isAnchor && !c.isCA) continue;
      if (!signedBy(cur, c)) continue;
      seen.add(c.fingerprint);
      const r = dfs([...path, c]);
      if (r) return r;
    }
    return null;
  };
  const found = dfs([leaf]);
  if (found) return { path: found, anchor: anchorFor(trust, found[found.length - 1]!) ?? null, deadEnds };
  return { path: best, anchor: null, deadEnds };
}

/**
 * Validate the signer's chain at `at`. `revocationAt` is the time after which a
 * revocation does not invalidate the signature (a trusted timestamp proves the
 * signature existed before); null means any revocation counts.
 */
export function validateChain(leaf: Cert, pool: Cert[], trust: TrustStore, crls: CrlSet, at: Date, revocationAt: Date | null): ChainResult {
  const messages: string[] = [];
  const { path, anchor, deadEnds } = findPath(leaf, pool, trust);
  // revocation is checked along whatever path exists: a revoked signer is invalid even if untrusted
  for (let i = 0; i + 1 < path.length; i++) {
    const c = path[i]!;
    const hit = findRevocation(c, path[i + 1]!, crls);
    if (hit) {
      if (revocationAt && hit.date > revocationAt) {
        messages.push(`certificate "${c.subject.text}" was revoked on ${hit.date.toISOString()}, after the timestamped signing time`);
        continue;
      }
      messages.push(`certificate "${c.subject.text}" (serial ${c.serialHex}) is revoked since ${hit.date.toISOString()} (CRL: ${hit.crl.source})`);
      return { chain: path, anchor, indication: "TOTAL_FAILED", subIndication: "REVOKED", messages };
    }
  }
  if (!anchor) {
    const last = path[path.length - 1]!;
    messages.push(...deadEnds);
    messages.push(`no certificate chain to a trusted root: chain stops at "${last.subject.text}" (issuer "${last.issuer.text}")`);
    return { chain: path, anchor: null, indication: "INDETERMINATE", subIndication: "NO_CERTIFICATE_CHAIN_FOUND", messages };
  }
  for (const c of path) {
    if (at < c.notBefore) {
      messages.push(`certificate "${c.subject.text}" is not yet valid at ${at.toISOString()} (valid from ${c.notBefore.toISOString()})`);
      return { chain: path, anchor, indication: "INDETERMINATE", subIndication: "NOT_YET_VALID", messages };
    }
    if (at > c.notAfter) {
      messages.push(`certificate "${c.subject.text}" expired on ${c.notAfter.toISOString()}, before ${at.toISOString()}`);
      return { chain: path, anchor, indication: "INDETERMINATE", subIndication: "OUT_OF_BOUNDS_NO_POE", messages };
    }
  }
  return { chain: path, anchor, indication: "TOTAL_PASSED", subIndication: null, messages };
}
