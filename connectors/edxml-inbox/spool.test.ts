import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EdxmlError } from "./model.ts";
import { spoolEdxml, type Spooled, type SpoolLimits } from "./spool.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "edxml-spool-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const LIMITS: SpoolLimits = { maxBytes: 64 * 1024 * 1024, maxPartBytes: 48 * 1024 * 1024, maxParts: 20 };

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, Math.min(bytes.length, at + size));
}

function spool(xml: string | Uint8Array, size = 65536, limits: Partial<SpoolLimits> = {}, into = dir): Promise<Spooled> {
  const bytes = typeof xml === "string" ? Buffer.from(xml, "utf8") : xml;
  return spoolEdxml(chunked(bytes, size), into, { ...LIMITS, ...limits });
}

/** base64 wrapped in 76-character lines, as MIME senders write it. */
function wrapped(bytes: Uint8Array): string {
  return (Buffer.from(bytes).toString("base64").match(/.{1,76}/gu) ?? []).join("\r\n");
}

function pkg(...attachments: string[]): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<edXML xmlns="urn:x"><edXML:edXMLEnvelope xmlns:edXML="urn:x"><Subject>Quyết định số 152 – thử</Subject></edXML:edXMLEnvelope>` +
    `<AttachmentEncoded>${attachments.map((a, i) => `<Attachment><AttachmentName>tệp-${i}.pdf</AttachmentName><edXML:ContentTransferEncoded xmlns:edXML="urn:x">${a}</edXML:ContentTransferEncoded></Attachment>`).join("")}</AttachmentEncoded></edXML>`
  );
}

async function partBytes(spooled: Spooled, n: number): Promise<Buffer> {
  return readFile(spooled.parts.get(`#spool:${n}`)!.path);
}

describe("spoolEdxml", () => {
  it("cuts each attachment out byte-exact, whatever the chunk boundaries, and leaves the rest of the XML as it was", async () => {
    const a = randomBytes(10_001);
    const b = randomBytes(2); // "==" padding
    const c = randomBytes(3_000_001);
    const xml = pkg(`\n${wrapped(a)}\n`, wrapped(b), Buffer.from(c).toString("base64"));
    const expectedXml = pkg("#spool:0", "#spool:1", "#spool:2");
    for (const size of [1, 2, 3, 5, 7, 31, 64, 1000, 65536, 1 << 20]) {
      if (size < 1000) {
        // byte-by-byte over 4 MB is slow: the small sizes run on a shorter package
        const small = pkg(`\n${wrapped(a)}\n`, wrapped(b));
        const sub = await mkdtemp(path.join(dir, "s"));
        const spooled = await spool(small, size, {}, sub);
        expect(spooled.xml.toString("utf8")).toBe(pkg("#spool:0", "#spool:1"));
        expect((await partBytes(spooled, 0)).equals(a)).toBe(true);
        expect((await partBytes(spooled, 1)).equals(b)).toBe(true);
        continue;
      }
      const sub = await mkdtemp(path.join(dir, "s"));
      const spooled = await spool(xml, size, {}, sub);
      expect(spooled.xml.toString("utf8"), `chunks of ${size}`).toBe(expectedXml);
      expect(spooled.inputBytes).toBe(Buffer.byteLength(xml));
      expect((await partBytes(spooled, 0)).equals(a)).toBe(true);
      expect((await partBytes(spooled, 1)).equals(b)).toBe(true);
      expect((await partBytes(spooled, 2)).equals(c)).toBe(true);
      expect([...spooled.parts.values()].map((p) => [p.size, p.problem])).toEqual([[a.length, null], [b.length, null], [c.length, null]]);
    }
  });

  it("holds the envelope only: a 20 MB attachment leaves a few hundred bytes of XML", async () => {
    const big = randomBytes(20 * 1024 * 1024);
    const spooled = await spool(pkg(wrapped(big)));
    expect(spooled.xml.length).toBeLessThan(1000);
    expect((await partBytes(spooled, 0)).equals(big)).toBe(true);
  });

  it("does not cut inside comments, CDATA or processing instructions, nor empty elements", async () => {
    const hidden = `<!-- <ContentTransferEncoded>QUJD</ContentTransferEncoded> --><![CDATA[<ContentTransferEncoded>QUJD</ContentTransferEncoded>]]><?pi <ContentTransferEncoded>QUJD?><ContentTransferEncoded/><x:ContentTransferEncoded a="1>2" />`;
    const xml = `<edXML>${hidden}<ContentTransferEncoded a='x>y'>QUJD</ContentTransferEncoded ></edXML>`;
    for (const size of [1, 4, 1000]) {
      const sub = await mkdtemp(path.join(dir, "s"));
      const spooled = await spool(xml, size, {}, sub);
      expect(spooled.xml.toString()).toBe(`<edXML>${hidden}<ContentTransferEncoded a='x>y'>#spool:0</ContentTransferEncoded ></edXML>`);
      expect((await partBytes(spooled, 0)).toString()).toBe("ABC");
    }
  });

  it("marks malformed base64 on its part: bad characters, data after padding, a dangling character, nothing at all", async () => {
    const cases: [string, string, string | null][] = [
      ["this is *not* base64!!", "not-base64", "thisis*not*base64!!"],
      ["QUJD==QUJD", "not-base64", "QUJD==QUJD"],
      ["QUJD=", "not-base64", null], // 5 characters: one too many
      ["QUJDR", "not-base64", "QUJDR"],
      ["  \r\n ", "empty", null],
      ["QUJD&#13;QUJD", "not-base64", null],
    ];
    for (const [content, kind, sample] of cases) {
      const sub = await mkdtemp(path.join(dir, "s"));
      const spooled = await spool(pkg(content), 3, {}, sub);
      const part = spooled.parts.get("#spool:0")!;
      expect(part.problem?.kind, content).toBe(kind);
      if (sample !== null) expect(part.problem).toMatchObject({ sample });
      // The XML around it is intact, so the parser can still name the attachment.
      expect(spooled.xml.toString()).toBe(pkg("#spool:0"));
    }
  });

  it("marks markup inside an attachment (CDATA, elements) and finds the element's end", async () => {
    const spooled = await spool(pkg("<![CDATA[QUJD]]>", "QUJD", "QU<b>JD</b>"), 2);
    expect([...spooled.parts.values()].map((p) => p.problem?.kind ?? null)).toEqual(["markup", null, "markup"]);
    expect(spooled.xml.toString()).toBe(pkg("#spool:0", "#spool:1", "#spool:2"));
  });

  it("stops writing a part past its limit, refuses too many parts and too much input", async () => {
    const spooled = await spool(pkg(Buffer.from(randomBytes(300_000)).toString("base64")), 65536, { maxPartBytes: 100_000 });
    const part = spooled.parts.get("#spool:0")!;
    expect(part.problem).toEqual({ kind: "too-large", limit: 100_000 });
    expect(part.size).toBeLessThanOrEqual(100_000);
    const tooMany = spool(pkg("QUJD", "QUJD", "QUJD"), 65536, { maxParts: 2 }, await mkdtemp(path.join(dir, "s")));
    await expect(tooMany).rejects.toMatchObject({ code: "attachment-limit" });
    const tooBig = spool(pkg(Buffer.from(randomBytes(10_000)).toString("base64")), 1000, { maxBytes: 5000 }, await mkdtemp(path.join(dir, "s")));
    await expect(tooBig).rejects.toBeInstanceOf(EdxmlError);
    await expect(tooBig).rejects.toMatchObject({ code: "too-large" });
  });

  it("truncated input: the part keeps what arrived and the XML stays visibly unfinished", async () => {
    const full = pkg(Buffer.from(randomBytes(5000)).toString("base64"));
    const cut = full.slice(0, full.indexOf("</edXML:ContentTransferEncoded>") - 100);
    const spooled = await spool(cut, 512);
    expect(spooled.xml.toString().endsWith("#spool:0")).toBe(true);
    expect(spooled.parts.get("#spool:0")!.size).toBeGreaterThan(3000);
    // Cut inside a tag: passed on as it is, for the parser to refuse.
    const inTag = full.slice(0, full.indexOf("<edXML:ContentTransferEncoded") + 12);
    const sub = await mkdtemp(path.join(dir, "s"));
    const spooledTag = await spool(inTag, 5, {}, sub);
    expect(spooledTag.xml.toString()).toBe(inTag);
    expect(spooledTag.parts.size).toBe(0);
    expect(await readdir(sub)).toEqual([]);
  });
});
