// Verification of every signature of one PDF, producing a contract report.
import { effectiveHash, hashBytes, schemeLabel, UnsupportedAlgorithm, type DigestName } from "./algorithms.ts";
import { BufferSource, ChunkSource, FileSource, type ByteSource } from "./byte-source.ts";
import { analyseLaterChanges, forbiddenByDocMdp, PERMISSION_TEXT } from "./changes.ts";
import { validateChain } from "./chain.ts";
import { CmsError, OID, parseSignedData, parseTstInfo, type SignedData, type SignerInfo } from "./cms.ts";
import { parseCrl, type Crl, type CrlSet } from "./crl.ts";
import { contentOf, readTlv } from "./der.ts";
import { localHasher, type HashJob, type PrefixHashes, type RangeHasher } from "./hashing.ts";
import { checkByteRange, docMdpPermission, findSignatureFields, pdfDate, readDss, type SigField } from "./pdf-signatures.ts";
import { PdfFile, PdfStructureError } from "./pdf-revisions.ts";
import { truncation } from "./pdf-tail.ts";
import { PdfString } from "./pdf-objects.ts";
import { digestBelowPolicy, keyBelowPolicy, makePolicy } from "./policy.ts";
import { fileStatus, type FileReport, type Indication, type LaterChanges, type SignatureReport, type SubIndication } from "./report.ts";
import { checkSignatureValue, checkTimestamp, essMismatch, findSignerCert, parseCerts } from "./signer.ts";
import type { TrustStore } from "./trust-store.ts";
import type { Cert } from "./x509.ts";

export interface VerifyOptions {
  trust: TrustStore;
  /** CRLs from files (parsed) or raw DER/PEM buffers */
  crls?: CrlSet | Buffer[];
  /** validation time: certificates are checked at this time instead of the signing time */
  at?: Date;
  /** accept SHA-1 (old archives); default false */
  allowSha1?: boolean;
  /** where range digests are computed (the CLI passes a worker pool) */
  hasher?: RangeHasher;
}

export async function verifyPdfFile(path: string, opts: VerifyOptions): Promise<FileReport> {
  let src: FileSource;
  try {
    src = new FileSource(path);
  } catch (e) {
    return { status: "error", error: `cannot open file: ${(e as Error).message}`, signatures: [] };
  }
  try {
    return await verifySource(src, path, opts);
  } finally {
    src.close();
  }
}

/**
 * A PDF in memory, in one buffer or in pieces as received (read in place).
 * `arrived`: hash states of the pieces' first bytes, taken as they arrived;
 * the signed ranges resume from them (they must be states of these bytes).
 */
export async function verifyPdfBytes(bytes: Uint8Array | readonly Uint8Array[], opts: VerifyOptions, arrived?: PrefixHashes): Promise<FileReport> {
  return verifySource(bytes instanceof Uint8Array ? new BufferSource(bytes) : new ChunkSource(bytes, arrived), undefined, opts);
}

function normaliseCrls(crls: VerifyOptions["crls"]): Crl[] {
  if (!crls) return [];
  return crls.map((c) => (Buffer.isBuffer(c) ? parseCrl(c, "option") : c));
}

interface Work {
  field: SigField;
  report: SignatureReport;
  failed: boolean;
  sd?: SignedData;
  si?: SignerInfo;
  signer?: Cert | null;
  ranges?: [number, number][];
  signedEnd?: number;
  docHashAlg?: DigestName;
  /** what the document digest must equal, when known up front (pkcs7.sha1, RFC 3161) */
  expectedDocDigest?: Buffer;
}

class Verdict {
  failed: { sub: SubIndication; prio: number } | null = null;
  indeterminate: { sub: SubIndication; prio: number } | null = null;
  fail(sub: SubIndication, prio: number) {
    if (!this.failed || prio < this.failed.prio) this.failed = { sub, prio };
  }
  indet(sub: SubIndication, prio: number) {
    if (!this.indeterminate || prio < this.indeterminate.prio) this.indeterminate = { sub, prio };
  }
  get indication(): Indication {
    return this.failed ? "TOTAL_FAILED" : this.indeterminate ? "INDETERMINATE" : "TOTAL_PASSED";
  }
  get sub(): SubIndication {
    return this.failed?.sub ?? this.indeterminate?.sub ?? null;
  }
}

function blankReport(field: SigField): SignatureReport {
  return {
    field: field.name,
    subFilter: field.sigDict.nameOf("SubFilter") ?? null,
    digestAlgorithm: null,
    signatureAlgorithm: null,
    signer: null,
    signingTime: null,
    coversWholeDocument: false,
    modifiedAfterSigning: false,
    laterChanges: "none",
    indication: "TOTAL_FAILED",
    subIndication: "FORMAT_FAILURE",
    messages: [],
  };
}

async function verifySource(src: ByteSource, path: string | undefined, opts: VerifyOptions): Promise<FileReport> {
  const cut = truncation(src);
  let file: PdfFile;
  try {
    file = PdfFile.open(src);
  } catch (e) {
    return { status: "error", error: cut ? `${cut}; ${describe(e)}` : describe(e), signatures: [] };
  }
  let fields: SigField[];
  const problems: string[] = [];
  try {
    fields = findSignatureFields(file, problems);
  } catch (e) {
    return { status: "error", error: `cannot read the form fields: ${describe(e)}`, signatures: [] };
  }
  if (fields.length === 0) {
    // never "unsigned" when the signature may be in what could not be read
    if (cut) return { status: "error", error: cut, signatures: [] };
    const tail = incompleteSignedTail(file);
    if (tail) return { status: "error", error: tail, signatures: [] };
    if (problems.length > 0) return { status: "error", error: `no signature found, but part of the document could not be read: ${problems.slice(0, 3).join("; ")}`, signatures: [] };
    return { status: "unsigned", signatures: [] };
  }

  const policy = makePolicy({ allowSha1: opts.allowSha1 ?? false });
  const finalView = file.view(file.lastEnd);
  const dss = readDss(finalView);
  const dssCerts = parseCerts(dss.certs);
  const crls: Crl[] = [...normaliseCrls(opts.crls)];
  for (const c of dss.crls) {
    try {
      crls.push(parseCrl(c, "PDF DSS"));
    } catch {
      /* unusable embedded CRL */
    }
  }

  // 1. structure, CMS, signer: everything that needs no hashing
  const works: Work[] = fields.map((field) => prepare(file, field));
  // 2. digests of the signed ranges, streamed
  const hasher = opts.hasher ?? localHasher;
  const jobs: HashJob[] = [];
  const jobOf = new Map<Work, number>();
  for (const w of works) {
    if (w.failed || !w.ranges || !w.docHashAlg) continue;
    jobOf.set(w, jobs.length);
    jobs.push({ ranges: w.ranges, alg: w.docHashAlg });
  }
  let digests: Buffer[] = [];
  if (jobs.length > 0) {
    try {
      digests = await hasher.hash(src, path, jobs);
    } catch (e) {
      return { status: "error", error: `cannot read the file: ${describe(e)}`, signatures: [] };
    }
  }
  // 3. the rest
  for (const w of works) {
    const j = jobOf.get(w);
    if (j === undefined) continue;
    try {
      finish(file, w, digests[j]!, dssCerts, crls, opts, policy);
    } catch (e) {
      w.report.indication = "TOTAL_FAILED";
      w.report.subIndication = "FORMAT_FAILURE";
      w.report.messages.push(`verification aborted: ${describe(e)}`);
    }
  }
  // signing order: by the end of the signed revision
  works.sort((a, b) => (a.signedEnd ?? Number.MAX_SAFE_INTEGER) - (b.signedEnd ?? Number.MAX_SAFE_INTEGER));
  const signatures = works.map((w) => w.report);
  // structural repairs (rebuilt xref, skipped deep nesting) bear on every verdict
  for (const s of signatures) for (const wn of file.warnings) if (!s.messages.includes(wn)) s.messages.push(wn);
  // a cut file is unreadable as a whole, even where an earlier revision's signature still checks out
  if (cut) return { status: "error", error: cut, signatures };
  const report: FileReport = { status: fileStatus(signatures), signatures };
  return report;
}

function describe(e: unknown): string {
  if (e instanceof PdfStructureError) return e.message;
  return e instanceof Error ? e.message : String(e);
}

function prepare(file: PdfFile, field: SigField): Work {
  const report = blankReport(field);
  const w: Work = { field, report, failed: true };
  const fail = (msg: string) => {
    report.indication = "TOTAL_FAILED";
    report.subIndication = "FORMAT_FAILURE";
    report.messages.push(msg);
    return w;
  };
  if (field.error) return fail(field.error);
  const m = pdfDate(field.view.resolve(field.sigDict.get("M")));
  if (m) report.signingTime = m.toISOString();
  const br = checkByteRange(field, file.src.size);
  if (!br.ok) {
    fail(br.reason);
    return describeCmsBestEffort(w, br.contents);
  }
  w.ranges = br.ranges;
  const revEnd = file.revisionEndFor(br.signedEnd);
  w.signedEnd = revEnd ?? br.signedEnd;
  report.coversWholeDocument = br.signedEnd === file.src.size || (revEnd === file.src.size && file.lastEnd === revEnd);
  if (revEnd === null) {
    fail(`the signed bytes end at ${br.signedEnd}, inside a revision: the rest of that revision is not covered by the signature`);
    return describeCmsBestEffort(w, br.contents);
  }
  if (field.sigRef) {
    const signedView = file.view(revEnd);
    if (signedView.location(field.sigRef.num) === undefined) return fail("the signature dictionary is not part of the revision it signs");
  }
  let sd: SignedData;
  try {
    sd = parseSignedData(br.contents);
  } catch (e) {
    // ETSI EN 319 102-1 has no signature to validate then; the contract calls it invalid
    return fail(`Không đọc được chữ ký / ${e instanceof CmsError ? e.message : `CMS does not decode: ${describe(e)}`}: no usable signature`);
  }
  w.sd = sd;
  const junk = nonZeroAfter(br.contents, sd.length);
  if (junk > 0) {
    // the gap is never signed; zeros pad it, anything else is data smuggled past the signature
    report.coversWholeDocument = false;
    report.messages.push(`Có dữ liệu lạ sau chữ ký trong /Contents / ${junk} non-zero bytes follow the CMS inside /Contents: they are not covered by any signature`);
  }
  const si = sd.signerInfos[0];
  if (!si) return fail("CMS has no SignerInfo");
  if (sd.signerInfos.length > 1) report.messages.push(`CMS has ${sd.signerInfos.length} signers; the first is verified`);
  w.si = si;
  report.digestAlgorithm = si.digestAlgorithm ?? si.digestAlgorithmOid;
  if (si.signatureAlgorithm) report.signatureAlgorithm = schemeLabel(si.signatureAlgorithm.scheme);
  if (si.signingTime) report.signingTime = si.signingTime.toISOString();
  if (!si.digestAlgorithm) return fail(`digest algorithm ${si.digestAlgorithmOid} is not supported`);
  if (!si.signatureAlgorithm) return fail(si.signatureAlgorithmError ?? "unsupported signature algorithm");

  const subFilter = report.subFilter;
  if (subFilter === "adbe.pkcs7.sha1") {
    // eContent carries the SHA-1 digest of the signed ranges
    if (!sd.eContent) return fail("adbe.pkcs7.sha1 signature without the document digest in eContent");
    let d = sd.eContent;
    if (d.length !== 20) {
      try {
        const t = readTlv(d, 0);
        if (t.tag === 0x04) d = Buffer.from(contentOf(t));
      } catch {
        /* keep as is */
      }
    }
    w.docHashAlg = "sha1";
    w.expectedDocDigest = d;
  } else if (subFilter === "ETSI.RFC3161") {
    if (sd.eContentType !== OID.tstInfo || !sd.eContent) return fail("document timestamp without TSTInfo");
    let tst;
    try {
      tst = parseTstInfo(sd.eContent);
    } catch (e) {
      return fail(describe(e));
    }
    if (!tst.hash) return fail("document timestamp uses an unsupported hash");
    w.docHashAlg = tst.hash;
    w.expectedDocDigest = tst.imprint;
    report.signingTime = tst.genTime.toISOString();
  } else if (subFilter === "adbe.pkcs7.detached" || subFilter === "ETSI.CAdES.detached" || subFilter === null) {
    if (sd.eContent) return fail(`${subFilter ?? "detached"} signature carries encapsulated content: it does not sign the document bytes`);
    w.docHashAlg = si.digestAlgorithm;
  } else {
    return fail(`unsupported /SubFilter ${subFilter}`);
  }
  w.failed = false;
  return w;
}

/** Fill algorithm fields of a report for a signature already failed on structure. */
function describeCmsBestEffort(w: Work, contents: Uint8Array | undefined): Work {
  if (!contents) return w;
  try {
    const sd = parseSignedData(contents);
    const si = sd.signerInfos[0];
    if (si) {
      w.report.digestAlgorithm = si.digestAlgorithm ?? si.digestAlgorithmOid;
      if (si.signatureAlgorithm) w.report.signatureAlgorithm = schemeLabel(si.signatureAlgorithm.scheme);
      if (si.signingTime) w.report.signingTime = si.signingTime.toISOString();
      const c = findSignerCert(si, parseCerts(sd.certificates));
      if (c) w.report.signer = signerOf(c);
    }
  } catch {
    /* nothing more to say */
  }
  return w;
}

function signerOf(c: Cert) {
  return { commonName: c.subject.commonName, organization: c.subject.organization, serialNumber: c.serialHex, issuer: c.issuer.text };
}

function finish(file: PdfFile, w: Work, docDigest: Buffer, dssCerts: Cert[], fileCrls: CrlSet, opts: VerifyOptions, policy: ReturnType<typeof makePolicy>): void {
  const { report } = w;
  const sd = w.sd!;
  const si = w.si!;
  const v = new Verdict();
  const msgs = report.messages;

  // integrity of the document digest
  let contentBytes: Uint8Array | null = null;
  let contentDigest: Buffer | null = null;
  if (w.expectedDocDigest) {
    if (!docDigest.equals(w.expectedDocDigest)) {
      v.fail("HASH_FAILURE", 1);
      msgs.push("Nội dung đã bị thay đổi: the document digest does not match the signed digest");
    }
    contentBytes = sd.eContent;
    contentDigest = hashBytes(si.digestAlgorithm!, sd.eContent!);
  } else contentDigest = docDigest;

  if (si.signedAttrs) {
    if (!si.messageDigest) {
      v.fail("FORMAT_FAILURE", 0);
      msgs.push("signed attributes lack the message-digest attribute");
    } else if (!si.messageDigest.equals(contentDigest)) {
      v.fail("HASH_FAILURE", 1);
      msgs.push(w.expectedDocDigest ? "the signed attributes do not match the encapsulated content" : "Nội dung đã bị thay đổi: the document digest does not match the signed message digest");
    }
    if (!si.contentType) msgs.push("signed attributes lack the content-type attribute");
    else if (si.contentType !== sd.eContentType) {
      v.fail("FORMAT_FAILURE", 0);
      msgs.push("content-type attribute differs from the encapsulated content type");
    }
  }

  // signer certificate: CMS, then DSS, then the trust store
  const certErrors: string[] = [];
  const cmsCerts = parseCerts(sd.certificates, certErrors);
  const pool = [...cmsCerts, ...dssCerts];
  const signer = findSignerCert(si, [...pool, ...opts.trust.intermediates, ...opts.trust.anchors]);
  w.signer = signer;
  if (signer) report.signer = signerOf(signer);
  else if (si.sid.issuer) report.signer = { commonName: null, organization: null, serialNumber: si.sid.serialHex ?? null, issuer: si.sid.issuer.text };

  if (!signer) {
    v.indet("NO_SIGNING_CERTIFICATE_FOUND", 0);
    msgs.push("the signer's certificate is not in the signature, the PDF or the trust store: signer not identified");
    // the signer's own certificate may be among them
    for (const e of certErrors) msgs.push(`a certificate in the signature does not decode: ${e}`);
  } else {
    let ok = false;
    try {
      ok = checkSignatureValue(si, signer, contentDigest, contentBytes && !si.signedAttrs ? contentBytes : null);
      if (!ok) {
        v.fail("SIG_CRYPTO_FAILURE", 2);
        msgs.push("the signature value does not verify with the signer's public key");
      }
    } catch (e) {
      if (e instanceof UnsupportedAlgorithm) {
        v.fail("FORMAT_FAILURE", 2);
        msgs.push(`unsupported: ${e.message}`);
      } else throw e;
    }
    const ess = essMismatch(si, signer);
    if (ess) {
      v.indet("NO_SIGNING_CERTIFICATE_FOUND", 0);
      msgs.push(ess);
    }
  }

  // signing time and its proof
  const cmsCrls: Crl[] = [];
  for (const c of [...sd.crls, ...si.archivedCrls]) {
    try {
      cmsCrls.push(parseCrl(c, "CMS"));
    } catch {
      /* unusable */
    }
  }
  const crls = [...fileCrls, ...cmsCrls];
  let poe: Date | null = null;
  for (const tok of w.sd ? si.timestampTokens : []) {
    const ts = checkTimestamp(tok, si.signature, pool, opts.trust, crls);
    if (!ts) continue;
    msgs.push(...ts.messages);
    if (ts.trusted) {
      poe = ts.time;
      if (!report.signingTime || report.subFilter !== "ETSI.RFC3161") msgs.push(`signature timestamp ${ts.time.toISOString()}`);
    }
  }
  const claimed = report.signingTime ? new Date(report.signingTime) : null;
  const refTime = opts.at ?? poe ?? claimed ?? new Date();

  if (signer && v.indication !== "TOTAL_FAILED") {
    const chain = validateChain(signer, pool, opts.trust, crls, refTime, poe);
    msgs.push(...chain.messages);
    if (chain.indication === "TOTAL_FAILED") v.fail(chain.subIndication, 3);
    // no chain, or no valid chain, outranks the time checks made along a chain
    else if (chain.indication === "INDETERMINATE") v.indet(chain.subIndication, chain.subIndication === "NO_CERTIFICATE_CHAIN_FOUND" || chain.subIndication === "CERTIFICATE_CHAIN_GENERAL_FAILURE" ? 1 : 3);
    // policy
    const hashes = new Set<DigestName>([w.docHashAlg!, si.digestAlgorithm!]);
    if (si.signatureAlgorithm) hashes.add(effectiveHash(si.signatureAlgorithm, si.digestAlgorithm!));
    for (const h of hashes) {
      const r = digestBelowPolicy(h, policy);
      if (r) {
        v.indet("CRYPTO_CONSTRAINTS_FAILURE", 2);
        msgs.push(r);
      }
    }
    const kr = keyBelowPolicy(signer.publicKey, policy);
    if (kr) {
      v.indet("CRYPTO_CONSTRAINTS_FAILURE", 2);
      msgs.push(kr);
    }
  }

  // what happened after this signature
  const ch = analyseLaterChanges(file, w.signedEnd!);
  let later: LaterChanges = ch.level;
  const trailing = trailingGarbage(file, w.signedEnd!);
  if (trailing) {
    later = "content";
    ch.messages.push(trailing);
  }
  report.laterChanges = later;
  // metadata-only updates keep the level at "none" but still modify the file
  report.modifiedAfterSigning = later !== "none" || ch.kinds.has("metadata");
  if (later === "none" && ch.kinds.has("metadata")) {
    msgs.push(`Siêu dữ liệu của văn bản đã thay đổi sau khi ký, nội dung không đổi / document metadata changed after signing, content unchanged: ${ch.messages.join("; ")}`);
  }
  if (later === "content") {
    v.fail("FORMAT_FAILURE", 4);
    msgs.push("Văn bản bị sửa nội dung sau khi ký / content changed after signing:", ...ch.messages);
  } else if (later !== "none") {
    msgs.push(`later revisions: ${ch.messages.join("; ")}`);
    const mdp = docMdpPermission(w.field.view, w.field.sigDict, w.field.sigRef);
    if (mdp) {
      if (mdp.note) msgs.push(mdp.note);
      const forbidden = forbiddenByDocMdp(mdp.p, ch.kinds);
      if (forbidden.length > 0) {
        v.fail("FORMAT_FAILURE", 4);
        msgs.push(
          `Văn bản đã được chứng thực, không cho phép thay đổi này / certification signature (DocMDP P=${mdp.p}: ${PERMISSION_TEXT[mdp.p]} allowed) does not permit the later changes: ` +
            forbidden.map(([, m]) => m).join("; "),
        );
      }
    }
  }

  report.indication = v.indication;
  report.subIndication = v.sub;
  if (report.indication === "TOTAL_PASSED") msgs.unshift("Chữ ký hợp lệ / signature valid");
}

/** Non-zero bytes in `b` from `from` on (what follows the CMS in /Contents). */
function nonZeroAfter(b: Uint8Array, from: number): number {
  let n = 0;
  for (let i = from; i < b.length; i++) if (b[i] !== 0) n++;
  return n;
}

/** A truncated update: signature data after the last complete revision. */
function incompleteSignedTail(file: PdfFile): string | null {
  const from = file.lastEnd;
  if (from >= file.src.size) return null;
  for (let pos = from; pos < file.src.size && pos < from + 64 * 1024 * 1024; pos += 1024 * 1024 - 16) {
    const chunk = Buffer.from(file.src.read(pos, 1024 * 1024));
    if (chunk.includes("/ByteRange") || chunk.includes("/Type /Sig") || chunk.includes("/Type/Sig")) {
      return "file truncated or damaged: signature data follows the last complete revision";
    }
  }
  return null;
}

/** Bytes after the last revision that are not whitespace: uncovered and unexplained. */
function trailingGarbage(file: PdfFile, signedEnd: number): string | null {
  const end = Math.max(file.lastEnd, signedEnd);
  if (end >= file.src.size) return null;
  const rest = file.src.read(end, Math.min(file.src.size - end, 64 * 1024));
  for (const c of rest) if (c !== 0 && c !== 9 && c !== 10 && c !== 12 && c !== 13 && c !== 32) return `${file.src.size - end} bytes after the last revision are not covered by any signature`;
  return null;
}

export { PdfString };
