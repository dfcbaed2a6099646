// One pass over an edXML package's bytes that cuts every attachment's base64
// out into a file of decoded bytes, leaving a small XML (the envelope, with a
// marker in each ContentTransferEncoded) for the ordinary parser. Nothing here
// ever holds the whole package or a whole attachment: input chunks are
// scanned as they come, base64 is decoded in whole 4-character groups and
// written out, so memory stays at a chunk plus the envelope.
//
// The scan knows just enough XML to be safe: comments, CDATA sections and
// processing instructions are passed over, so a ContentTransferEncoded inside
// them is not cut (the parser does not see it as an element either). Markup
// inside an attachment (CDATA, child elements, entity references) is not
// base64 and marks the attachment broken, with a clear message.

import { open, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { EdxmlError } from "./model.ts";
import { tagEnd } from "./tree.ts";

/** Why a spooled attachment cannot be used; spooledAttachments (package-file.ts) turns it into an EdxmlError. */
export type SpoolProblem =
  | { kind: "empty" }
  | { kind: "not-base64"; sample: string }
  | { kind: "markup" }
  | { kind: "too-large"; limit: number };

export interface SpooledPart {
  /** Text left in the element in place of the base64. */
  marker: string;
  /** Decoded bytes (removed when the part has a problem). */
  path: string;
  /** Decoded size so far (what was written). */
  size: number;
  problem: SpoolProblem | null;
}

export interface Spooled {
  /** The package without its attachments' base64: small, parsed in memory. */
  xml: Buffer;
  parts: Map<string, SpooledPart>;
  /** Bytes read from the input. */
  inputBytes: number;
}

export interface SpoolLimits {
  /** Largest input (bytes of XML). */
  maxBytes: number;
  /** Largest decoded part; past it the part is marked too large and no longer written. */
  maxPartBytes: number;
  /** Most attachment elements. */
  maxParts: number;
}

export const SPOOL_MARKER_PREFIX = "#spool:";
export const SPOOL_MARKER = /^#spool:(\d+)$/u;

const ELEMENT = "ContentTransferEncoded";
// An open tag's name and attributes are held until its '>' arrives; past this
// the input is not an edXML package anyone sends.
const MAX_TAG = 1024 * 1024;
const NAME_CHAR = /[A-Za-z0-9_.:\-\u00b7\u00c0-\u00ff]/u;
const XML_SPACE = /[ \t\r\n]+/gu;
const NOT_BASE64 = /[^A-Za-z0-9+/=]/u;

function localName(qname: string): string {
  const colon = qname.indexOf(":");
  return colon < 0 ? qname : qname.slice(colon + 1);
}

/** base64 of one part, decoded in whole groups of 4 characters and written as it comes. */
class PartWriter {
  readonly part: SpooledPart;
  #file: FileHandle | null = null;
  #carry = "";
  #head = "";
  #padding = 0;
  #chars = 0;

  constructor(
    part: SpooledPart,
    private readonly maxBytes: number,
  ) {
    this.part = part;
  }

  async feed(text: string): Promise<void> {
    const problem = this.part.problem;
    if (problem && (problem.kind !== "not-base64" || this.#head.length >= 40)) return;
    const compact = text.replace(XML_SPACE, "");
    if (compact === "") return;
    // The error quotes the attachment's first 40 characters, as the in-memory parser does.
    if (this.#head.length < 40) this.#head += compact.slice(0, 40 - this.#head.length);
    if (problem?.kind === "not-base64") {
      problem.sample = this.#head;
      return;
    }
    this.#chars += compact.length;
    if (NOT_BASE64.test(compact) || (this.#padding > 0 && /[^=]/u.test(compact))) return this.#fail({ kind: "not-base64", sample: this.#head });
    const pad = compact.indexOf("=");
    if (pad >= 0) {
      this.#padding += compact.length - pad;
      if (/[^=]/u.test(compact.slice(pad)) || this.#padding > 2) return this.#fail({ kind: "not-base64", sample: this.#head });
    }
    const all = this.#carry + compact;
    const whole = all.length - (all.length % 4);
    this.#carry = all.slice(whole);
    if (whole > 0) await this.#write(Buffer.from(all.slice(0, whole), "base64"));
  }

  markup(): Promise<void> {
    return this.#fail({ kind: "markup" });
  }

  async finish(): Promise<void> {
    if (!this.part.problem) {
      if (this.#chars === 0) await this.#fail({ kind: "empty" });
      else if (this.#chars % 4 === 1) await this.#fail({ kind: "not-base64", sample: this.#head });
      else if (this.#carry.length > 0) await this.#write(Buffer.from(this.#carry, "base64"));
    }
    this.#carry = "";
    await this.#close();
  }

  async #write(bytes: Buffer): Promise<void> {
    if (bytes.length === 0 || this.part.problem) return;
    if (this.part.size + bytes.length > this.maxBytes) return this.#fail({ kind: "too-large", limit: this.maxBytes });
    this.#file ??= await open(this.part.path, "wx");
    await this.#file.write(bytes);
    this.part.size += bytes.length;
  }

  async #fail(problem: SpoolProblem): Promise<void> {
    this.part.problem = problem;
    this.#carry = "";
    await this.#close();
  }

  async #close(): Promise<void> {
    const file = this.#file;
    this.#file = null;
    await file?.close();
  }
}

/**
 * Cut the attachments of the package read from `input` into files in `dir`
 * (which must exist and belong to the caller, who removes it). Throws
 * EdxmlError "too-large" past limits.maxBytes and "attachment-limit" past
 * limits.maxParts; a broken attachment is recorded on its part, not thrown,
 * so the parser can report it with the attachment's name.
 */
export async function spoolEdxml(input: AsyncIterable<Uint8Array>, dir: string, limits: SpoolLimits): Promise<Spooled> {
  const xml: Buffer[] = [];
  const parts = new Map<string, SpooledPart>();
  let inputBytes = 0;
  // Scanner state. `carry` holds bytes not yet classified (an incomplete tag,
  // or the tail that could start a terminator) and is rescanned with the next chunk.
  let carry: Buffer = Buffer.alloc(0);
  let skipUntil: string | null = null; // inside a comment, CDATA section or PI
  let writer: PartWriter | null = null; // inside an attachment's text
  let closing = ""; // the end tag that ends it

  const newPart = (): PartWriter => {
    if (parts.size >= limits.maxParts) {
      throw new EdxmlError(`package carries more than ${limits.maxParts} attachments`, "attachment-limit");
    }
    const marker = `${SPOOL_MARKER_PREFIX}${parts.size}`;
    const part: SpooledPart = { marker, path: path.join(dir, `part-${parts.size}.raw`), size: 0, problem: null };
    parts.set(marker, part);
    return new PartWriter(part, limits.maxPartBytes);
  };

  const scan = async (buf: Buffer, final: boolean): Promise<Buffer> => {
    // latin1 maps every byte to one character, so string offsets are byte
    // offsets and markup (ASCII) is found without decoding UTF-8.
    const s = buf.toString("latin1");
    let pos = 0; // first byte not yet handled
    const emit = (end: number) => {
      if (end > pos) xml.push(buf.subarray(pos, end));
      pos = end;
    };
    while (pos < s.length) {
      if (writer) {
        const lt = s.indexOf("<", pos);
        await writer.feed(s.slice(pos, lt < 0 ? s.length : lt));
        if (lt < 0) {
          pos = s.length;
          break;
        }
        pos = lt;
        if (s.length - lt < closing.length + 1 && !final) break; // keep "<…" for the next chunk
        if (s.startsWith(closing, lt)) {
          const after = s.slice(lt + closing.length, lt + closing.length + 64);
          const gap = /^[ \t\r\n]*(>)?/u.exec(after)!;
          if (gap[1]) {
            await writer.finish();
            writer = null;
            continue; // the end tag is emitted as ordinary markup
          }
          if (gap[0].length === after.length && after.length < 64 && !final) break; // "</…ContentTransferEncoded  " then the next chunk
        }
        // Markup inside the attachment: not base64. Skip to its end tag.
        await writer.markup();
        const end = s.indexOf(closing, lt + 1);
        if (end < 0) {
          pos = Math.max(lt + 1, s.length - closing.length);
          break;
        }
        pos = end;
        continue;
      }
      if (skipUntil) {
        const end = s.indexOf(skipUntil, pos);
        if (end < 0) {
          emit(Math.max(pos, s.length - (skipUntil.length - 1)));
          break;
        }
        emit(end + skipUntil.length);
        skipUntil = null;
        continue;
      }
      const lt = s.indexOf("<", pos);
      if (lt < 0) {
        emit(s.length);
        break;
      }
      emit(lt);
      if (s.length - lt < 9 && !final) break; // too short to classify: wait for more
      if (s.startsWith("<!--", lt)) {
        emit(lt + 4);
        skipUntil = "-->";
        continue;
      }
      if (s.startsWith("<![CDATA[", lt)) {
        emit(lt + 9);
        skipUntil = "]]>";
        continue;
      }
      if (s.startsWith("<?", lt)) {
        emit(lt + 2);
        skipUntil = "?>";
        continue;
      }
      let nameEnd = lt + 1;
      while (nameEnd < s.length && NAME_CHAR.test(s[nameEnd]!)) nameEnd++;
      if (nameEnd === s.length && !final) {
        if (s.length - lt > MAX_TAG) throw new EdxmlError("an element name runs past 1 MB; not an edXML package", "malformed-xml");
        break;
      }
      const qname = s.slice(lt + 1, nameEnd);
      if (localName(qname) !== ELEMENT) {
        emit(nameEnd); // an ordinary tag (or "</", "<!DOCTYPE"): passed through
        continue;
      }
      const end = tagEnd(s, nameEnd - 1);
      if (end < 0) {
        if (s.length - lt > MAX_TAG) throw new EdxmlError(`the <${qname}> tag runs past 1 MB; not an edXML package`, "malformed-xml");
        if (final) {
          emit(s.length);
          break;
        }
        break;
      }
      emit(end + 1);
      if (s.charCodeAt(end - 1) === 0x2f /* "/>": empty */) continue;
      writer = newPart();
      closing = `</${qname}`;
      xml.push(Buffer.from(writer.part.marker, "latin1"));
    }
    return buf.subarray(pos);
  };

  for await (const chunk of input) {
    inputBytes += chunk.length;
    if (inputBytes > limits.maxBytes) {
      await (writer as PartWriter | null)?.finish();
      throw new EdxmlError(`package exceeds ${limits.maxBytes} bytes`, "too-large");
    }
    const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    // subarray() would pin the whole chunk until the next one: copy the (small) rest.
    carry = Buffer.from(await scan(buf, false));
  }
  if (carry.length > 0) carry = Buffer.from(await scan(carry, true));
  if (carry.length > 0) xml.push(carry);
  // Truncated inside an attachment: the XML is not well-formed (the parser says
  // so); the part is closed and kept as far as it went.
  await (writer as PartWriter | null)?.finish();
  return { xml: Buffer.concat(xml), parts, inputBytes };
}
