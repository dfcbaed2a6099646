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
/** KeyUsage bit 5 (RFC 5280 4.2.1.3) */
const KEY_CERT_SIGN = 1 << 5;

export interface PathResult {
  /** signer first; ends with the anchor when one was reached */
  path: Cert[];
  anchor: Cert | null;
  /** self-signed certificates met on the way that are not anchors */
  deadEnds: string[];
  /** RFC 5280 6.1.4 failures along `path` (issuer not a CA, keyCertSign missing, path length exceeded) */
  problems: string[];
}

/**
 * Build a path from `leaf` to a trust anchor. Building and validating are kept
 * apart, as RFC 4158 and ETSI EN 319 102-1 5.2.6 do: issuers are linked by name
 * and by their key verifying the child's signature (a look-alike with the same
 * names but another key links nothing), and only then is the path checked
 * against the CA constraints. A path that reaches an anchor only through a
 * certificate that may not issue certificates is therefore reported as such
 * (CERTIFICATE_CHAIN_GENERAL_FAILURE) instead of as "no chain" — which is what
 * a document signed with a certificate its holder issued to itself from an
 * end-entity (e.g. qualified) certificate looks like.
 */
export function findPath(leaf: Cert, pool: Cert[], trust: TrustStore): PathResult {
  const deadEnds: string[] = [];
  const strict = search(leaf, pool, trust, true, deadEnds);
  if (strict.found) return { path: strict.found, anchor: anchorFor(trust, strict.found[strict.found.length - 1]!) ?? null, deadEnds, problems: [] };
  // only when no valid path exists: is there one through certificates that may not issue?
  const lenient = search(leaf, pool, trust, false, []);
  const path = lenient.found ?? lenient.best;
  const anchor = lenient.found ? (anchorFor(trust, path[path.length - 1]!) ?? null) : null;
  return { path, anchor, deadEnds, problems: pathProblems(path, anchor !== null) };
}

function search(leaf: Cert, pool: Cert[], trust: TrustStore, strict: boolean, deadEnds: string[]): { found: Cert[] | null; best: Cert[] } {
  let best: Cert[] = [leaf];
  const seen = new Set<string>();
  const dfs = (path: Cert[]): Cert[] | null => {
    const cur = path[path.length - 1]!;
    if (anchorFor(trust, cur)) return path;
    if (path.length > best.length) best = path;
    if (path.length >= MAX_PATH) return null;
    if (isSelfSigned(cur)) {
      const msg = `self-signed certificate "${cur.subject.text}" is not in the trust store`;
      if (!deadEnds.includes(msg)) deadEnds.push(msg);
      return null;
    }
    // anchors first, then other candidates
    const candidates = [...trust.anchors, ...pool, ...trust.intermediates].filter(
      (c) => !seen.has(c.fingerprint) && c.fingerprint !== cur.fingerprint && couldIssue(c, cur),
    );
    for (const c of candidates) {
      if (strict && issuerProblems(c, !!anchorFor(trust, c), path).length > 0) continue;
      if (!signedBy(cur, c)) continue;
      seen.add(c.fingerprint);
      const r = dfs([...path, c]);
      if (r) return r;
    }
    return null;
  };
  return { found: dfs([leaf]), best };
}

/**
 * RFC 5280 6.1.4 (k), (l), (m), (n) for `issuer` placed above `below` (signer
 * first). Anchors are trusted as CAs by configuration, so (k) and (n) do not
 * apply to them; their path length constraint does (as OpenSSL enforces it).
 */
function issuerProblems(issuer: Cert, isAnchor: boolean, below: Cert[]): string[] {
  const out: string[] = [];
  const child = below[below.length - 1]!;
  if (!isAnchor) {
    if (!issuer.isCA) out.push(`certificate "${issuer.subject.text}" issued "${child.subject.text}" but is not a CA certificate (basicConstraints cA not set)`);
    if (issuer.keyUsage !== null && (issuer.keyUsage & KEY_CERT_SIGN) === 0) out.push(`certificate "${issuer.subject.text}" may not sign certificates (its key usage lacks keyCertSign)`);
  }
  if (issuer.pathLen !== null) {
    // intermediates between the signer and this issuer; self-issued ones (key rollover) do not count
    let n = 0;
    for (let i = 1; i < below.length; i++) if (!below[i]!.selfIssued) n++;
    if (n > issuer.pathLen) out.push(`path length constraint of "${issuer.subject.text}" (${issuer.pathLen}) exceeded: ${n} intermediate certificate(s) below it`);
  }
  return out;
}

function pathProblems(path: Cert[], endsAtAnchor: boolean): string[] {
  const out: string[] = [];
  for (let i = 1; i < path.length; i++) out.push(...issuerProblems(path[i]!, endsAtAnchor && i === path.length - 1, path.slice(0, i)));
  return out;
}

/**
 * Validate the signer's chain at `at`. `revocationAt` is the time after which a
 * revocation does not invalidate the signature (a trusted timestamp proves the
 * signature existed before); null means any revocation counts.
 */
export function validateChain(leaf: Cert, pool: Cert[], trust: TrustStore, crls: CrlSet, at: Date, revocationAt: Date | null): ChainResult {
  const messages: string[] = [];
  const { path, anchor, deadEnds, problems } = findPath(leaf, pool, trust);
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
    messages.push(...deadEnds, ...problems);
    messages.push(`no certificate chain to a trusted root: chain stops at "${last.subject.text}" (issuer "${last.issuer.text}")`);
    return { chain: path, anchor: null, indication: "INDETERMINATE", subIndication: "NO_CERTIFICATE_CHAIN_FOUND", messages };
  }
  if (problems.length > 0) {
    // a chain to a trusted root exists, but not a valid one (ETSI EN 319 102-1 5.2.6: any
    // certificate path validation failure other than revocation)
    messages.push(...problems);
    messages.push(`the certificate chain to the trust anchor "${anchor.subject.text}" is not valid (RFC 5280 path validation)`);
    return { chain: path, anchor, indication: "INDETERMINATE", subIndication: "CERTIFICATE_CHAIN_GENERAL_FAILURE", messages };
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
