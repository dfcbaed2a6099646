// edXML (QCVN 102:2016/BTTTT) package parser: pure, no I/O. Shared with the
// iOffice connector's edXML endpoint; keep `parseEdxmlPackage`'s name and
// signature stable.
//
// Real packages (../shared/fixtures/edxml) mix prefixed `edXML:` elements with
// unprefixed ones that inherit the default namespace, carry an XMLDSig block
// with or without its namespace, and put `AttachmentEncoded` outside the
// envelope. Attachments are base64 of a ZIP holding one entry; some senders
// skip the ZIP. Everything untrusted is bounded: input size, nesting depth,
// attachment count and sizes, ZIP entries and ratios. DTDs are refused outright
// because entity expansion is the classic XML denial of service.

//
// Modules: model.ts (types, limits, errors), tree.ts (input checks, XML
// parsing, element tree), attachments.ts (base64, unzip, MIME), mapping.ts
// (header and CanonicalDocument). Large packages are not parsed from memory:
// package-file.ts spools them (spool.ts) and parses the small remainder with
// parseEdxmlPackageWith; offthread.ts runs that in a worker thread.

import { decodeAttachment, inlineAttachments, sha256Hex, sniffMime, type AttachmentSource } from "./attachments.ts";
import { edxmlToCanonical, parseEdxmlTimestamp, readHeader, readOrgan, readResponseFor, readSignature } from "./mapping.ts";
import {
  BUSINESS_DOC_TYPE_NAMES,
  DEFAULT_EDXML_LIMITS,
  EDXML_STATUS_CODES,
  EdxmlError,
  STATUS_MESSAGE_NOTE,
  type EdxmlAttachment,
  type EdxmlDocumentPackage,
  type EdxmlLimits,
  type EdxmlPackage,
  type EdxmlParseOptions,
} from "./model.ts";
import { checkDepth, checkProlog, child, childrenOf, decodeInput, parseTree, path, textOf } from "./tree.ts";

export * from "./model.ts";
export { edxmlToCanonical, parseEdxmlDate, parseEdxmlDocumentId, parseEdxmlTimestamp } from "./mapping.ts";
export { inlineAttachments, sniffMime, type AttachmentSource } from "./attachments.ts";

/**
 * Where decoded attachments go. Default: kept in memory (`bytes`). A spooled
 * parse writes each one to a file as soon as it is decoded, so only one
 * attachment is in memory at a time.
 */
export interface AttachmentSink {
  keep(bytes: Uint8Array, index: number): { bytes: Uint8Array | null; file: string | null };
}

const inMemory: AttachmentSink = { keep: (bytes) => ({ bytes, file: null }) };

/** The effective limits: defaults, overridden by every positive number in `options`. */
export function effectiveLimits(options: EdxmlParseOptions = {}): EdxmlLimits {
  const effective: EdxmlLimits = { ...DEFAULT_EDXML_LIMITS };
  for (const key of Object.keys(DEFAULT_EDXML_LIMITS) as (keyof EdxmlLimits)[]) {
    const value = options[key];
    if (typeof value === "number" && value > 0) effective[key] = value;
  }
  return effective;
}

/**
 * Parse one edXML package (QCVN 102:2016). Throws EdxmlError with a clear
 * message for anything unsafe or unusable. Status messages are returned as
 * `{kind: "status"}`, never mistaken for documents.
 */
export function parseEdxmlPackage(xml: string | Uint8Array, limits?: EdxmlParseOptions): EdxmlPackage {
  return parseEdxmlPackageWith(xml, limits, inlineAttachments, inMemory);
}

/**
 * parseEdxmlPackage with the attachments' bytes taken from `source` and handed
 * to `sink`: the spooled parse (package-file.ts) gives the XML with the base64
 * cut out and writes each decoded attachment to a file.
 */
export function parseEdxmlPackageWith(
  xml: string | Uint8Array,
  limits: EdxmlParseOptions | undefined,
  source: AttachmentSource,
  sink: AttachmentSink = inMemory,
): EdxmlPackage {
  const options = limits ?? {};
  const effective = effectiveLimits(options);
  const text = decodeInput(xml, effective);
  checkProlog(text);
  checkDepth(text, effective.maxDepth);
  const root = parseTree(text, effective);

  const envelope = child(root, "edXMLEnvelope");
  const header = child(envelope, "edXMLHeader");
  const messageHeader = child(header, "MessageHeader");
  if (!envelope || !header || !messageHeader) {
    throw new EdxmlError("edXMLEnvelope/edXMLHeader/MessageHeader is missing; not an edXML package", "not-edxml");
  }

  const statusCode = textOf(messageHeader, "StatusCode");
  if (statusCode !== null) {
    return {
      kind: "status",
      message: STATUS_MESSAGE_NOTE,
      from: readOrgan(child(messageHeader, "From")),
      statusCode,
      description: textOf(messageHeader, "Description"),
      timestamp: parseEdxmlTimestamp(textOf(messageHeader, "Timestamp")),
      responseFor: readResponseFor(child(messageHeader, "ResponseFor")),
    };
  }

  const warnings: string[] = [];
  const parsedHeader = readHeader(messageHeader, child(header, "TraceHeaderList"), warnings);

  // AttachmentEncoded sits beside the envelope in the real packages; accept it inside too.
  const encodedAttachments = [
    ...childrenOf(child(root, "AttachmentEncoded"), "Attachment"),
    ...childrenOf(child(envelope, "AttachmentEncoded"), "Attachment"),
  ];
  if (encodedAttachments.length > effective.maxAttachments) {
    throw new EdxmlError(
      `package carries ${encodedAttachments.length} attachments; at most ${effective.maxAttachments} are allowed`,
      "attachment-limit",
    );
  }
  const budget = { left: effective.maxTotalAttachmentBytes };
  const attachments: EdxmlAttachment[] = encodedAttachments.map((el, index) => {
    try {
      const { bytes, ...decoded } = decodeAttachment(el, index, effective, budget, source);
      return {
        ...decoded,
        mime: sniffMime(bytes, decoded.entryName, decoded.name),
        size: bytes.length,
        sha256: sha256Hex(bytes),
        ...sink.keep(bytes, index),
        error: null,
      };
    } catch (error) {
      const keep = options.onAttachmentError === "keep" && error instanceof EdxmlError && error.code === "bad-attachment";
      if (!keep) throw error;
      warnings.push(error.message);
      return {
        contentId: textOf(el, "ContentId"),
        name: textOf(el, "AttachmentName") ?? `attachment-${index + 1}`,
        description: textOf(el, "Description"),
        declaredContentType: textOf(el, "ContentType"),
        entryName: null,
        mime: "application/octet-stream",
        bytes: null,
        file: null,
        size: 0,
        sha256: null,
        error: error.message,
      };
    }
  });

  const manifestCount = childrenOf(path(envelope, "edXMLBody", "edXMLManifest"), "Reference").length;
  if (manifestCount !== attachments.length) {
    warnings.push(`manifest lists ${manifestCount} attachments, package carries ${attachments.length}`);
  }

  const usable = attachments.filter((a) => a.error === null);
  return {
    kind: "document",
    header: parsedHeader,
    signature: readSignature(header),
    attachments,
    document: edxmlToCanonical(parsedHeader, usable, { assumePublic: options.assumePublic ?? false }),
    warnings,
  };
}

/** Like parseEdxmlPackage, but a status message is an error (code "status-message"). */
export function parseEdxmlDocument(xml: string | Uint8Array, limits?: EdxmlParseOptions): EdxmlDocumentPackage {
  const parsed = parseEdxmlPackage(xml, limits);
  if (parsed.kind === "status") {
    const label = EDXML_STATUS_CODES[parsed.statusCode];
    throw new EdxmlError(
      `${STATUS_MESSAGE_NOTE} (StatusCode ${parsed.statusCode}${label ? ` ${label}` : ""}${parsed.description ? `: ${parsed.description}` : ""})`,
      "status-message",
    );
  }
  return parsed;
}

/** A short, JSON-friendly description of a package, for logs, API answers and .error.txt files. */
export function summarizeEdxml(pkg: EdxmlPackage): Record<string, unknown> {
  if (pkg.kind === "status") {
    return { kind: "status", message: pkg.message, statusCode: pkg.statusCode, from: pkg.from, description: pkg.description, responseFor: pkg.responseFor };
  }
  const doc = pkg.document;
  return {
    kind: "document",
    externalId: doc.externalId,
    number: doc.number,
    docType: doc.docType,
    title: doc.title,
    issuer: doc.issuer,
    issuedDate: doc.issuedDate,
    status: doc.status,
    replacesExternalId: doc.replacesExternalId,
    businessDocType: pkg.header.business ? BUSINESS_DOC_TYPE_NAMES[pkg.header.business.docType] : null,
    signed: pkg.signature !== null,
    attachments: pkg.attachments.map((a) => ({ name: a.name, entryName: a.entryName, mime: a.mime, size: a.size, sha256: a.sha256, error: a.error })),
    warnings: pkg.warnings,
  };
}
