// edXML (QCVN 102:2016) packages: the XMLDSig enveloped signature of the
// message, then every PDF inside it (attachments are base64 of a one-entry ZIP).
// The Signature element is often written without the xmldsig namespace in the
// wild; both forms are accepted.
import { DOMParser, type Document, type Element, type Node } from "@xmldom/xmldom";
import { C14nCanonicalization, C14nCanonicalizationWithComments, ExclusiveCanonicalization, ExclusiveCanonicalizationWithComments } from "xml-crypto";
import { unzipSync } from "fflate";
import { createHash, verify as cryptoVerify, constants } from "node:crypto";
import { validateChain } from "./chain.ts";
import { parseCrl, type Crl } from "./crl.ts";
import { digestBelowPolicy, makePolicy } from "./policy.ts";
import type { DigestName } from "./algorithms.ts";
import { type FileReport, type FileStatus, type Indication, type SignerReport, type SubIndication } from "./report.ts";
import { verifyPdfBytes, type VerifyOptions } from "./verify-pdf.ts";
import { parseCertificate, type Cert } from "./x509.ts";

const DSIG = "http://www.w3.org/2000/09/xmldsig#";
const MAX_XML = 256 * 1024 * 1024;
const MAX_ENTRY = 200 * 1024 * 1024;
const MAX_TOTAL = 512 * 1024 * 1024;
const MAX_ENTRIES = 16;
const MAX_RATIO = 200;

export interface XmlSignatureReport {
  /** "xmldsig" when the Signature element carries the XMLDSig namespace, "none" when it does not */
  namespace: "xmldsig" | "none";
  signatureAlgorithm: string | null;
  digestAlgorithm: string | null;
  signer: SignerReport | null;
  /** whether the signed references cover the whole message (URI="") */
  coversWholeMessage: boolean;
  indication: Indication;
  subIndication: SubIndication;
  messages: string[];
}

export interface EdxmlAttachmentReport {
  name: string | null;
  contentId: string | null;
  /** file name inside the ZIP, when zipped */
  entry: string | null;
  /** PDF verification; null for attachments that are not PDFs */
  report: FileReport | null;
  error?: string;
}

export interface EdxmlReport {
  status: FileStatus;
  error?: string;
  signature: XmlSignatureReport | null;
  attachments: EdxmlAttachmentReport[];
}

const SIG_METHODS: Record<string, { scheme: "rsa" | "rsa-pss" | "ecdsa"; hash: DigestName }> = {
  "http://www.w3.org/2000/09/xmldsig#rsa-sha1": { scheme: "rsa", hash: "sha1" },
  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": { scheme: "rsa", hash: "sha256" },
  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": { scheme: "rsa", hash: "sha384" },
  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": { scheme: "rsa", hash: "sha512" },
  "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256": { scheme: "ecdsa", hash: "sha256" },
  "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384": { scheme: "ecdsa", hash: "sha384" },
  "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512": { scheme: "ecdsa", hash: "sha512" },
  "http://www.w3.org/2001/04/xmldsig-more#sha256-rsa-MGF1": { scheme: "rsa-pss", hash: "sha256" },
};
const DIGESTS: Record<string, DigestName> = {
  "http://www.w3.org/2000/09/xmldsig#sha1": "sha1",
  "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
  "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
  "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
};
const C14N: Record<string, () => { process(node: Node, options: object): unknown }> = {
  "http://www.w3.org/TR/2001/REC-xml-c14n-20010315": () => new C14nCanonicalization(),
  "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments": () => new C14nCanonicalizationWithComments(),
  "http://www.w3.org/2001/10/xml-exc-c14n#": () => new ExclusiveCanonicalization(),
  "http://www.w3.org/2001/10/xml-exc-c14n#WithComments": () => new ExclusiveCanonicalizationWithComments(),
};
const ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

export async function verifyEdxml(xml: string | Uint8Array, opts: VerifyOptions): Promise<EdxmlReport> {
  const text = typeof xml === "string" ? xml : Buffer.from(xml.buffer, xml.byteOffset, xml.byteLength).toString("utf8");
  if (text.length > MAX_XML) return fail("edXML message exceeds the size limit");
  // no DTDs: entity expansion and external entities are refused outright
  if (/<!DOCTYPE|<!ENTITY/i.test(text.slice(0, 64 * 1024)) || /<!ENTITY/i.test(text)) return fail("edXML with a DTD or entity declarations is refused");
  const errors: string[] = [];
  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (level: string, msg: string) => {
        if (level !== "warning") errors.push(msg);
      },
    }).parseFromString(text.replace(/^\uFEFF/, ""), "text/xml");
  } catch (e) {
    return fail(`not well-formed XML: ${(e as Error).message}`);
  }
  if (errors.length > 0 || !doc.documentElement) return fail(`not well-formed XML: ${errors[0] ?? "no root element"}`);
  if (doc.documentElement.localName !== "edXML") return fail(`not an edXML message (root element <${doc.documentElement.nodeName}>)`);

  let signature: XmlSignatureReport | null = null;
  const sigEl = findSignature(doc);
  if (sigEl) {
    try {
      signature = verifyXmlSignature(doc, sigEl, text, opts);
    } catch (e) {
      signature = {
        namespace: sigEl.namespaceURI === DSIG ? "xmldsig" : "none",
        signatureAlgorithm: null,
        digestAlgorithm: null,
        signer: null,
        coversWholeMessage: false,
        indication: "TOTAL_FAILED",
        subIndication: "FORMAT_FAILURE",
        messages: [`XML signature unreadable: ${(e as Error).message}`],
      };
    }
  }
  const attachments = await verifyAttachments(doc, opts);
  return { status: packageStatus(signature, attachments), signature, attachments };

  function fail(error: string): EdxmlReport {
    return { status: "error", error, signature: null, attachments: [] };
  }
}

function packageStatus(sig: XmlSignatureReport | null, atts: EdxmlAttachmentReport[]): FileStatus {
  const statuses: FileStatus[] = [];
  if (sig) statuses.push(sig.indication === "TOTAL_PASSED" ? "valid" : sig.indication === "INDETERMINATE" ? "indeterminate" : "invalid");
  for (const a of atts) if (a.report && a.report.status !== "unsigned") statuses.push(a.report.status);
  if (statuses.length === 0) return "unsigned";
  for (const s of ["error", "invalid", "indeterminate"] as const) if (statuses.includes(s)) return s;
  return "valid";
}

function elements(parent: Node): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
}

function child(parent: Node, local: string): Element | undefined {
  return elements(parent).find((e) => e.localName === local);
}

function findSignature(doc: Document): Element | undefined {
  const walk = (e: Element, depth: number): Element | undefined => {
    if (depth > 64) return undefined;
    if (e.localName === "AttachmentEncoded") return undefined;
    if (e.localName === "Signature" && child(e, "SignedInfo")) return e;
    for (const c of elements(e)) {
      const r = walk(c, depth + 1);
      if (r) return r;
    }
    return undefined;
  };
  return walk(doc.documentElement!, 0);
}

/** Namespace declarations in scope at `el` from its ancestors (what inclusive c14n must render). */
function ancestorNamespaces(el: Element): { prefix: string; namespaceURI: string }[] {
  const seen = new Map<string, string>();
  for (let p = el.parentNode; p && p.nodeType === 1; p = p.parentNode) {
    const attrs = (p as Element).attributes;
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs.item(i)!;
      if (a.name === "xmlns" || a.name.startsWith("xmlns:")) {
        const prefix = a.name === "xmlns" ? "" : a.name.slice(6);
        if (!seen.has(prefix)) seen.set(prefix, a.value);
      }
    }
  }
  return [...seen].filter(([prefix]) => prefix !== "").map(([prefix, namespaceURI]) => ({ prefix, namespaceURI }));
}

function canonicalize(alg: string, node: Node, withAncestors: boolean): string {
  const make = C14N[alg];
  if (!make) throw new Error(`unsupported canonicalization ${alg}`);
  const options = withAncestors && alg.includes("xml-c14n-2001") ? { ancestorNamespaces: ancestorNamespaces(node as Element) } : {};
  return String(make().process(node, options));
}

function stripWhitespace(n: Node): void {
  for (let c = n.firstChild; c; ) {
    const next = c.nextSibling;
    if (c.nodeType === 3 && !(c.nodeValue ?? "").trim()) n.removeChild(c);
    else if (c.nodeType === 1) stripWhitespace(c);
    c = next;
  }
}

function findById(doc: Document, id: string): Element | undefined {
  const walk = (e: Element): Element | undefined => {
    for (const a of ["Id", "ID", "id"]) if (e.getAttribute(a) === id) return e;
    for (const c of elements(e)) {
      const r = walk(c);
      if (r) return r;
    }
    return undefined;
  };
  return walk(doc.documentElement!);
}

interface RefCheck {
  ok: boolean;
  digest: DigestName | null;
  wholeMessage: boolean;
  message?: string;
}

/** Digest of one Reference, computed on a fresh parse so transforms never touch `doc`. */
function checkReference(ref: Element, source: string, normalise: boolean): RefCheck {
  const uri = ref.getAttribute("URI") ?? "";
  const dm = child(ref, "DigestMethod")?.getAttribute("Algorithm") ?? "";
  const digest = DIGESTS[dm] ?? null;
  if (!digest) return { ok: false, digest, wholeMessage: false, message: `unsupported digest method ${dm}` };
  const expected = (child(ref, "DigestValue")?.textContent ?? "").replace(/\s+/g, "");
  const transforms = elements(child(ref, "Transforms") ?? ref).filter((t) => t.localName === "Transform").map((t) => t.getAttribute("Algorithm") ?? "");
  const copy = new DOMParser().parseFromString(source.replace(/^\uFEFF/, ""), "text/xml");
  if (normalise) stripWhitespace(copy.documentElement!);
  let target: Element | undefined;
  if (uri === "") target = copy.documentElement!;
  else if (uri.startsWith("#")) target = findById(copy, uri.slice(1));
  if (!target) return { ok: false, digest, wholeMessage: false, message: `reference ${uri} not found` };
  let c14n = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
  for (const t of transforms) {
    if (t === ENVELOPED) {
      const s = findSignature(copy);
      s?.parentNode?.removeChild(s);
    } else if (C14N[t]) c14n = t;
    else return { ok: false, digest, wholeMessage: uri === "", message: `unsupported transform ${t}` };
  }
  const data = canonicalize(c14n, target, uri !== "");
  const got = createHash(digest).update(data, "utf8").digest("base64");
  return { ok: got === expected, digest, wholeMessage: uri === "" };
}

function verifyXmlSignature(doc: Document, sigEl: Element, source: string, opts: VerifyOptions): XmlSignatureReport {
  const messages: string[] = [];
  const report: XmlSignatureReport = {
    namespace: sigEl.namespaceURI === DSIG ? "xmldsig" : "none",
    signatureAlgorithm: null,
    digestAlgorithm: null,
    signer: null,
    coversWholeMessage: false,
    indication: "TOTAL_FAILED",
    subIndication: "FORMAT_FAILURE",
    messages,
  };
  if (report.namespace === "none") messages.push("Signature element without the XMLDSig namespace (accepted)");
  const si = child(sigEl, "SignedInfo")!;
  const c14nAlg = child(si, "CanonicalizationMethod")?.getAttribute("Algorithm") ?? "";
  const smAlg = child(si, "SignatureMethod")?.getAttribute("Algorithm") ?? "";
  const method = SIG_METHODS[smAlg];
  if (!method) {
    messages.push(`unsupported signature method ${smAlg || "(none)"}`);
    return report;
  }
  report.signatureAlgorithm = method.scheme;
  const refs = elements(si).filter((e) => e.localName === "Reference");
  if (refs.length === 0) {
    messages.push("SignedInfo has no Reference");
    return report;
  }
  const certs: Cert[] = [];
  const keyInfo = child(sigEl, "KeyInfo");
  const collect = (n: Node) => {
    for (const e of elements(n)) {
      if (e.localName === "X509Certificate") {
        try {
          certs.push(parseCertificate(Buffer.from((e.textContent ?? "").replace(/\s+/g, ""), "base64")));
        } catch {
          messages.push("a KeyInfo certificate does not parse");
        }
      } else collect(e);
    }
  };
  if (keyInfo) collect(keyInfo);
  const sigValue = Buffer.from((child(sigEl, "SignatureValue")?.textContent ?? "").replace(/\s+/g, ""), "base64");

  const v = { failed: null as SubIndication | null, indet: null as SubIndication | null };
  // signature value over SignedInfo
  const verifyWith = (cert: Cert, data: string) => {
    try {
      const key = cert.publicKey;
      if (method.scheme === "rsa-pss") return cryptoVerify(method.hash, Buffer.from(data, "utf8"), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, sigValue);
      if (method.scheme === "ecdsa") return cryptoVerify(method.hash, Buffer.from(data, "utf8"), { key, dsaEncoding: "ieee-p1363" }, sigValue);
      return cryptoVerify(method.hash, Buffer.from(data, "utf8"), key, sigValue);
    } catch {
      return false;
    }
  };
  const strict = canonicalize(c14nAlg, si, true);
  let signer = certs.find((c) => verifyWith(c, strict)) ?? null;
  let normalised = false;
  if (!signer) {
    // Re-formatted in transit (indentation added, xmldsig namespace dropped): rebuild SignedInfo as signed
    const copy = new DOMParser().parseFromString(source.replace(/^\uFEFF/, ""), "text/xml");
    const s = findSignature(copy)!;
    const si2 = child(s, "SignedInfo")!;
    stripWhitespace(si2);
    const alone = new DOMParser().parseFromString(new XmlSerializerLite().serialize(si2, DSIG), "text/xml");
    const form = canonicalize(c14nAlg, alone.documentElement!, false);
    signer = certs.find((c) => verifyWith(c, form)) ?? null;
    if (signer) {
      normalised = true;
      messages.push("SignatureValue verifies over SignedInfo only as originally signed (XMLDSig namespace, no indentation): the message was re-formatted after signing");
    }
  }
  if (!signer) {
    if (certs.length === 0) {
      v.indet = "NO_SIGNING_CERTIFICATE_FOUND";
      messages.push("no X509Certificate in KeyInfo: signer not identified");
    } else {
      v.failed = "SIG_CRYPTO_FAILURE";
      messages.push("SignatureValue does not verify with the certificate in KeyInfo");
    }
  }
  const shown = signer ?? certs[0];
  if (shown) report.signer = { commonName: shown.subject.commonName, organization: shown.subject.organization, serialNumber: shown.serialHex, issuer: shown.issuer.text };

  // references
  let whole = false;
  for (const ref of refs) {
    let r = checkReference(ref, source, false);
    if (!r.ok && !r.message) {
      const again = checkReference(ref, source, true);
      if (again.ok) {
        r = again;
        messages.push("reference digest matches only after removing indentation: the message was re-formatted after signing");
      }
    }
    report.digestAlgorithm = r.digest;
    if (r.wholeMessage) whole = true;
    if (!r.ok) {
      if (r.message) {
        v.failed ??= "FORMAT_FAILURE";
        messages.push(r.message);
      } else {
        v.failed = v.failed === "SIG_CRYPTO_FAILURE" ? v.failed : "HASH_FAILURE";
        messages.push(`Nội dung đã bị thay đổi: the digest of reference "${ref.getAttribute("URI") ?? ""}" does not match (message changed after signing)`);
      }
    }
  }
  report.coversWholeMessage = whole;
  if (!whole) messages.push("the signature does not cover the whole message (attachments may be unsigned)");
  void normalised;

  // trust and policy (only meaningful when the value verified)
  if (signer && !v.failed) {
    const crls: Crl[] = (opts.crls ?? []).map((c) => (Buffer.isBuffer(c) ? parseCrl(c, "option") : c));
    const chain = validateChain(signer, certs, opts.trust, crls, opts.at ?? new Date(), null);
    messages.push(...chain.messages);
    if (chain.indication === "TOTAL_FAILED") v.failed = chain.subIndication;
    else if (chain.indication === "INDETERMINATE") v.indet = chain.subIndication;
    const policy = makePolicy({ allowSha1: opts.allowSha1 ?? false });
    for (const h of new Set<DigestName>([method.hash, (report.digestAlgorithm as DigestName | null) ?? method.hash])) {
      const r = digestBelowPolicy(h, policy);
      if (r) {
        v.indet ??= "CRYPTO_CONSTRAINTS_FAILURE";
        messages.push(r);
      }
    }
  }
  report.indication = v.failed ? "TOTAL_FAILED" : v.indet ? "INDETERMINATE" : "TOTAL_PASSED";
  report.subIndication = v.failed ?? v.indet ?? null;
  if (report.indication === "TOTAL_PASSED") messages.unshift("Chữ ký hợp lệ / signature valid");
  void doc;
  return report;
}

/** Serialise an element tree, putting unqualified-default elements into `defaultNs`. */
class XmlSerializerLite {
  serialize(el: Element, defaultNs: string): string {
    const esc = (s: string, attr: boolean) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, attr ? "&quot;" : '"');
    const walk = (e: Element, top: boolean): string => {
      let s = `<${e.localName}`;
      if (top) s += ` xmlns="${defaultNs}"`;
      for (let i = 0; i < e.attributes.length; i++) {
        const a = e.attributes.item(i)!;
        if (a.name === "xmlns" || a.name.startsWith("xmlns:")) continue;
        s += ` ${a.name}="${esc(a.value, true)}"`;
      }
      s += ">";
      for (let c = e.firstChild; c; c = c.nextSibling) {
        if (c.nodeType === 1) s += walk(c as Element, false);
        else if (c.nodeType === 3) s += esc(c.nodeValue ?? "", false);
      }
      return `${s}</${e.localName}>`;
    };
    return walk(el, true);
  }
}

async function verifyAttachments(doc: Document, opts: VerifyOptions): Promise<EdxmlAttachmentReport[]> {
  const out: EdxmlAttachmentReport[] = [];
  const container = child(doc.documentElement!, "AttachmentEncoded");
  if (!container) return out;
  let total = 0;
  for (const att of elements(container).filter((e) => e.localName === "Attachment")) {
    const name = child(att, "AttachmentName")?.textContent?.trim() ?? null;
    const contentId = child(att, "ContentId")?.textContent?.trim() ?? null;
    const enc = child(att, "ContentTransferEncoded");
    const item: EdxmlAttachmentReport = { name, contentId, entry: null, report: null };
    out.push(item);
    if (!enc) {
      item.error = "attachment without ContentTransferEncoded";
      continue;
    }
    const raw = Buffer.from((enc.textContent ?? "").replace(/\s+/g, ""), "base64");
    try {
      const files: { entry: string | null; data: Uint8Array }[] = [];
      if (raw[0] === 0x50 && raw[1] === 0x4b) {
        let count = 0;
        const entries = unzipSync(raw, {
          filter: (f) => {
            if (++count > MAX_ENTRIES) throw new Error("ZIP holds too many entries");
            if (f.originalSize > MAX_ENTRY) throw new Error(`ZIP entry ${f.name} is too large`);
            if (f.size > 0 && f.originalSize / f.size > MAX_RATIO) throw new Error(`ZIP entry ${f.name} has a suspicious compression ratio`);
            total += f.originalSize;
            if (total > MAX_TOTAL) throw new Error("attachments exceed the total size limit");
            return true;
          },
        });
        for (const [entry, data] of Object.entries(entries)) files.push({ entry, data });
        if (files.length !== 1) item.error = `ZIP holds ${files.length} entries instead of one`;
      } else files.push({ entry: null, data: raw });
      for (const f of files) {
        if (f.data.length > MAX_ENTRY) throw new Error("attachment is too large");
        const isPdf = Buffer.from(f.data.subarray(0, 1024)).includes("%PDF-");
        if (!isPdf) continue;
        item.entry = f.entry;
        item.report = await verifyPdfBytes(f.data, opts);
        break;
      }
    } catch (e) {
      item.error = `attachment unreadable: ${(e as Error).message}`;
    }
  }
  return out;
}
