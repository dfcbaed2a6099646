// The XML side of the parser: input checks (size, UTF-8, DTDs, depth), the
// fast-xml-parser call, and a small namespace-aware element tree with lookup
// helpers. Nothing here knows edXML fields.

import { XMLParser, XMLValidator } from "fast-xml-parser";
import { cleanText } from "../../src/core/index.ts";
import { EDXML_NAMESPACE, EdxmlError, type EdxmlLimits } from "./model.ts";

export interface El {
  local: string;
  ns: string | null;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}

type OrderedNode = Record<string, unknown>;

const ENTITY = /&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/gu;
function decodeEntities(value: string): string {
  // processEntities is off (no DTD entities ever), so the five predefined
  // entities and character references are decoded here by hand.
  if (!value.includes("&")) return value;
  return value.replace(ENTITY, (whole, name: string) => {
    switch (name) {
      case "amp": return "&";
      case "lt": return "<";
      case "gt": return ">";
      case "quot": return '"';
      case "apos": return "'";
      default: {
        const code = name.startsWith("#x") ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      }
    }
  });
}

function splitName(qname: string): { prefix: string | null; local: string } {
  const colon = qname.indexOf(":");
  return colon < 0 ? { prefix: null, local: qname } : { prefix: qname.slice(0, colon), local: qname.slice(colon + 1) };
}

function buildTree(nodes: OrderedNode[], scope: Map<string | null, string>): El[] {
  const out: El[] = [];
  for (const node of nodes) {
    const qname = Object.keys(node).find((key) => key !== ":@");
    if (!qname || qname === "#text" || qname.startsWith("?")) continue;
    const rawAttrs = (node[":@"] ?? {}) as Record<string, unknown>;
    const attrs: Record<string, string> = {};
    let localScope = scope;
    for (const [key, value] of Object.entries(rawAttrs)) {
      const name = key.startsWith("@_") ? key.slice(2) : key;
      const text = decodeEntities(String(value));
      if (name === "xmlns" || name.startsWith("xmlns:")) {
        if (localScope === scope) localScope = new Map(scope);
        localScope.set(name === "xmlns" ? null : name.slice(6), text);
      } else {
        attrs[name] = text;
      }
    }
    const { prefix, local } = splitName(qname);
    const rawChildren = (node[qname] ?? []) as OrderedNode[];
    let text = "";
    for (const child of rawChildren) {
      if (typeof child["#text"] !== "undefined") text += String(child["#text"]);
    }
    out.push({
      local,
      ns: localScope.get(prefix) ?? null,
      attrs,
      children: buildTree(rawChildren, localScope),
      text: decodeEntities(text),
    });
  }
  return out;
}

export function child(el: El | null | undefined, local: string): El | null {
  return el?.children.find((c) => c.local === local) ?? null;
}
export function childrenOf(el: El | null | undefined, local: string): El[] {
  return el ? el.children.filter((c) => c.local === local) : [];
}
export function path(el: El | null | undefined, ...locals: string[]): El | null {
  let at: El | null | undefined = el;
  for (const local of locals) at = child(at, local);
  return at ?? null;
}
/** Cleaned text of a child, or null when absent or empty. */
export function textOf(el: El | null | undefined, ...locals: string[]): string | null {
  const target = locals.length ? path(el, ...locals) : el;
  if (!target) return null;
  const value = cleanText(target.text);
  return value === "" ? null : value;
}
export function findDeep(el: El, local: string, maxDepth = 6): El | null {
  if (maxDepth < 0) return null;
  for (const c of el.children) {
    if (c.local === local) return c;
    const found = findDeep(c, local, maxDepth - 1);
    if (found) return found;
  }
  return null;
}

// ─── Input checks ────────────────────────────────────────────────────────────

export function decodeInput(xml: string | Uint8Array, limits: EdxmlLimits): string {
  if (typeof xml === "string") {
    // UTF-16 length is a lower bound of the UTF-8 size; good enough to refuse early.
    if (xml.length > limits.maxBytes) throw new EdxmlError(`package exceeds ${limits.maxBytes} bytes`, "too-large");
    return xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml;
  }
  if (xml.byteLength > limits.maxBytes) {
    throw new EdxmlError(`package is ${xml.byteLength} bytes; the limit is ${limits.maxBytes}`, "too-large");
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(xml);
  } catch {
    throw new EdxmlError("package is not valid UTF-8 (edXML is UTF-8)", "not-utf8");
  }
}

export function checkProlog(text: string): void {
  if (/<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST)/iu.test(text)) {
    throw new EdxmlError("DTDs are not allowed in edXML packages (<!DOCTYPE/<!ENTITY found); refusing to parse", "dtd-forbidden");
  }
  const declared = /^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/iu.exec(text)?.[1];
  if (declared && !/^utf-?8$/iu.test(declared)) {
    throw new EdxmlError(`package declares encoding "${declared}"; edXML must be UTF-8`, "not-utf8");
  }
}

/**
 * Depth pre-scan: cheap, linear, and independent of the XML library, so the
 * limit holds however the parser treats odd input.
 */
export function checkDepth(text: string, maxDepth: number): void {
  let depth = 0;
  let i = text.indexOf("<");
  while (i >= 0 && i < text.length) {
    const next = text.charCodeAt(i + 1);
    if (next === 0x21 /* ! */) {
      if (text.startsWith("<!--", i)) {
        const end = text.indexOf("-->", i + 4);
        i = end < 0 ? -1 : text.indexOf("<", end + 3);
        continue;
      }
      if (text.startsWith("<![CDATA[", i)) {
        const end = text.indexOf("]]>", i + 9);
        i = end < 0 ? -1 : text.indexOf("<", end + 3);
        continue;
      }
    } else if (next === 0x3f /* ? */) {
      const end = text.indexOf("?>", i + 2);
      i = end < 0 ? -1 : text.indexOf("<", end + 2);
      continue;
    }
    const end = tagEnd(text, i);
    const j = end < 0 ? text.length : end;
    if (next === 0x2f /* / */) {
      depth--;
    } else if (text.charCodeAt(j - 1) !== 0x2f) {
      depth++;
      if (depth > maxDepth) {
        throw new EdxmlError(`elements nest deeper than ${maxDepth} levels; refusing to parse`, "too-deep");
      }
    }
    i = text.indexOf("<", j + 1);
  }
}

/** Index of the '>' closing the tag that starts at `from`, skipping quoted attribute values; -1 when not in `s` yet. */
export function tagEnd(s: string, from: number): number {
  let quote = 0;
  for (let j = from + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (quote) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) {
      quote = c;
    } else if (c === 0x3e) {
      return j;
    }
  }
  return -1;
}

// ─── Parsing ─────────────────────────────────────────────────────────────────

let parser: XMLParser | null = null;
function xmlParser(maxDepth: number): XMLParser {
  // Options are fixed except depth, which checkDepth already enforces; the
  // parser's own limit is a second line set generously above it.
  parser ??= new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    removeNSPrefix: false,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    processEntities: false,
    htmlEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    maxNestedTags: Math.max(256, maxDepth * 2),
  });
  return parser;
}

export function parseTree(text: string, limits: EdxmlLimits): El {
  // The parser itself is lenient (it accepts mismatched tags, which occur in
  // the wild: edoc.edxml), so well-formedness is checked separately first.
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new EdxmlError(`not well-formed XML at line ${line}, column ${col}: ${msg}`, "malformed-xml");
  }
  let ordered: OrderedNode[];
  try {
    ordered = xmlParser(limits.maxDepth).parse(text) as OrderedNode[];
  } catch (error) {
    throw new EdxmlError(`not well-formed XML: ${(error as Error).message}`, "malformed-xml");
  }
  const roots = buildTree(ordered, new Map());
  const root = roots[0];
  if (!root) throw new EdxmlError("no XML element found; not an edXML package", "not-edxml");
  if (roots.length > 1) throw new EdxmlError("more than one root element; not well-formed XML", "malformed-xml");
  if (root.local !== "edXML") throw new EdxmlError(`root element is <${root.local}>, expected <edXML>`, "not-edxml");
  if (root.ns !== null && root.ns !== EDXML_NAMESPACE) {
    throw new EdxmlError(`root element is in namespace "${root.ns}", expected ${EDXML_NAMESPACE}`, "not-edxml");
  }
  return root;
}
