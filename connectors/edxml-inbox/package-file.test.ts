import { createHash, randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { zipSync } from "fflate";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseEdxmlFileOffThread, stopParseWorker } from "./offthread.ts";
import { parseEdxmlFile } from "./package-file.ts";
import { EdxmlError, parseEdxmlPackage, type EdxmlDocumentPackage, type EdxmlPackage } from "./parse.ts";
import { buildEdxmlPackage, type EdxmlPackageInput } from "./simulator.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE_DIRS = [path.resolve(here, "../../../shared/fixtures/edxml"), path.resolve(here, "../../tests/fixtures/edxml")];

let dir: string;
let tmp: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "edxml-pkgfile-"));
  tmp = path.join(dir, "tmp");
  await mkdir(tmp);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const PDF = Buffer.from("%PDF-1.7\n1 0 obj\n<< >>\nendobj\ntrailer\n<< >>\n%%EOF\n", "latin1");

function sample(overrides: Partial<EdxmlPackageInput> = {}): EdxmlPackageInput {
  return {
    from: { organId: "000.00.21.H55", name: "UBND huyện Bình Sơn" },
    number: "152/QĐ-UBND",
    date: "2026-11-20",
    typeName: "Quyết định",
    subject: "Về việc ban hành Quy chế",
    attachments: [{ name: "152-QD-UBND.pdf", bytes: PDF }],
    ...overrides,
  };
}

async function write(name: string, content: string | Uint8Array): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}

/** The package without where its bytes are, for comparing the two parsers. */
function comparable(pkg: EdxmlPackage): unknown {
  if (pkg.kind === "status") return pkg;
  return { ...pkg, attachments: pkg.attachments.map(({ bytes: _b, file: _f, ...rest }) => rest) };
}

async function caught(promise: Promise<unknown>): Promise<EdxmlError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(EdxmlError);
  return error as EdxmlError;
}

describe("parseEdxmlFile", () => {
  it("agrees with the in-memory parser on every real fixture, attachments byte for byte", async () => {
    const files = FIXTURE_DIRS.flatMap((d) => readdirSync(d).filter((n) => n.endsWith(".edxml")).map((n) => path.join(d, n)));
    expect(files.length).toBeGreaterThanOrEqual(19);
    for (const file of files) {
      const bytes = await readFile(file);
      let expected: EdxmlPackage | EdxmlError;
      try {
        expected = parseEdxmlPackage(bytes, { onAttachmentError: "keep" });
      } catch (error) {
        expected = error as EdxmlError;
      }
      const result = await parseEdxmlFile(file, { onAttachmentError: "keep", tmpDir: tmp }).catch((e: unknown) => e as EdxmlError);
      if (expected instanceof Error) {
        expect(result, path.basename(file)).toBeInstanceOf(EdxmlError);
        expect((result as EdxmlError).code, path.basename(file)).toBe(expected.code);
        continue;
      }
      expect(result, path.basename(file)).not.toBeInstanceOf(Error);
      const got = result as Exclude<typeof result, EdxmlError>;
      expect(comparable(got.pkg), path.basename(file)).toEqual(comparable(expected));
      if (expected.kind === "document" && got.pkg.kind === "document") {
        for (const [i, a] of expected.attachments.entries()) {
          const b = got.pkg.attachments[i]!;
          if (a.bytes) expect((await readFile(b.file!)).equals(Buffer.from(a.bytes)), `${path.basename(file)} #${i + 1}`).toBe(true);
          else expect(b.file).toBeNull();
        }
      }
      await got.dispose();
    }
    expect(await readdir(tmp)).toEqual([]);
  });

  it("writes exact bytes of zipped and raw attachments, one file each, and removes them on dispose", async () => {
    const contents = [randomBytes(1), randomBytes(2), randomBytes(3), randomBytes(1_000_003)];
    const file = await write(
      "p.edxml",
      buildEdxmlPackage(sample({ attachments: contents.map((bytes, i) => ({ name: `tệp-${i}.bin`, bytes, zip: i % 2 === 0 })) })),
    );
    const result = await parseEdxmlFile(file, { tmpDir: tmp });
    const pkg = result.pkg as EdxmlDocumentPackage;
    expect(pkg.attachments).toHaveLength(4);
    for (const [i, a] of pkg.attachments.entries()) {
      expect(a.bytes).toBeNull();
      expect(path.dirname(a.file!)).toBe(result.dir);
      const onDisk = await readFile(a.file!);
      expect(onDisk.equals(contents[i]!)).toBe(true);
      expect(a.sha256).toBe(createHash("sha256").update(contents[i]!).digest("hex"));
      expect(a.size).toBe(contents[i]!.length);
    }
    // Only the decoded attachments are left (no raw parts).
    expect((await readdir(result.dir)).sort()).toEqual(["attachment-1", "attachment-2", "attachment-3", "attachment-4"]);
    await result.dispose();
    await expect(stat(result.dir)).rejects.toThrow();
  });

  it("streams an attachment and removes the package's files once it is read", async () => {
    const content = randomBytes(700_001);
    const file = await write("p.edxml", buildEdxmlPackage(sample({ attachments: [{ name: "a.bin", bytes: content }] })));
    const result = await parseEdxmlFile(file, { tmpDir: tmp });
    const attachment = (result.pkg as EdxmlDocumentPackage).attachments[0]!;
    const read = Buffer.from(await new Response(result.streamAttachment(attachment, { dispose: true })).arrayBuffer());
    expect(read.equals(content)).toBe(true);
    expect(await readdir(tmp)).toEqual([]);
  });

  it("reports malformed base64 as the in-memory parser does, and keeps the package with onAttachmentError keep", async () => {
    const xml = buildEdxmlPackage(sample());
    const garbage = xml.replace(/(<edXML:ContentTransferEncoded[^>]*>)[^<]+/u, "$1this is *not* base64!!");
    const file = await write("bad.edxml", garbage);
    const error = await caught(parseEdxmlFile(file, { tmpDir: tmp }));
    expect(error.code).toBe("bad-attachment");
    expect(error.message).toBe('attachment 1 ("152-QD-UBND.pdf") is not base64 (starts with "thisis*not*base64!!")');
    const kept = await parseEdxmlFile(file, { tmpDir: tmp, onAttachmentError: "keep" });
    expect((kept.pkg as EdxmlDocumentPackage).attachments[0]).toMatchObject({ file: null, bytes: null, error: expect.stringMatching(/not base64/u) });
    await kept.dispose();
    const empty = await write("empty.edxml", xml.replace(/(<edXML:ContentTransferEncoded[^>]*>)[^<]+/u, "$1\n  "));
    expect((await caught(parseEdxmlFile(empty, { tmpDir: tmp }))).message).toMatch(/has no content/u);
    expect(await readdir(tmp)).toEqual([]);
  });

  it("refuses truncated XML, cut in the attachment or in the envelope, and leaves nothing behind", async () => {
    const xml = buildEdxmlPackage(sample({ attachments: [{ name: "a.bin", bytes: randomBytes(200_000) }] }));
    const inAttachment = xml.slice(0, xml.indexOf("</edXML:ContentTransferEncoded>") - 1000);
    const inEnvelope = xml.slice(0, xml.indexOf("<edXML:Subject>") + 20);
    for (const cut of [inAttachment, inEnvelope]) {
      const error = await caught(parseEdxmlFile(await write("cut.edxml", cut), { tmpDir: tmp }));
      expect(error.code).toBe("malformed-xml");
    }
    expect(await readdir(tmp)).toEqual([]);
  });

  it("never writes where an attachment's name points: ZIP entries with ../ are refused, attachment names are not paths", async () => {
    const outside = path.join(dir, "evil.pdf");
    const zip = zipSync({ "../evil.pdf": PDF });
    const xml = buildEdxmlPackage(sample({ attachments: [{ name: "../evil.pdf", bytes: zip, zip: false }] }));
    const error = await caught(parseEdxmlFile(await write("zip.edxml", xml), { tmpDir: tmp }));
    expect(error.message).toMatch(/unsafe/u);
    const named = buildEdxmlPackage(sample({ attachments: [{ name: `../../${path.relative("/", outside)}`, bytes: PDF }] }));
    const result = await parseEdxmlFile(await write("named.edxml", named), { tmpDir: tmp });
    const attachment = (result.pkg as EdxmlDocumentPackage).attachments[0]!;
    expect(attachment.name).toContain("evil.pdf");
    expect(path.dirname(attachment.file!)).toBe(result.dir);
    await expect(stat(outside)).rejects.toThrow();
    await result.dispose();
  });

  it("enforces the package and attachment limits while spooling", async () => {
    const xml = buildEdxmlPackage(sample({ attachments: [{ name: "a.bin", bytes: randomBytes(300_000), zip: false }] }));
    const file = await write("big.edxml", xml);
    expect((await caught(parseEdxmlFile(file, { tmpDir: tmp, maxBytes: 100_000 }))).code).toBe("too-large");
    const limited = await caught(parseEdxmlFile(file, { tmpDir: tmp, maxAttachmentBytes: 100_000 }));
    expect(limited.code).toBe("attachment-limit");
    expect(await readdir(tmp)).toEqual([]);
  });
});

describe("parseEdxmlFileOffThread", () => {
  afterEach(stopParseWorker);

  it("parses in the worker thread with the same result, and carries EdxmlError codes back", async () => {
    const content = randomBytes(300_000);
    const file = await write("p.edxml", buildEdxmlPackage(sample({ attachments: [{ name: "a.bin", bytes: content }] })));
    const inThread = await parseEdxmlFile(file, { tmpDir: tmp });
    const offThread = await parseEdxmlFileOffThread(file, { tmpDir: tmp }, { inThreadMaxBytes: 0 });
    expect(comparable(offThread.pkg)).toEqual(comparable(inThread.pkg));
    const attachment = (offThread.pkg as EdxmlDocumentPackage).attachments[0]!;
    expect((await readFile(attachment.file!)).equals(content)).toBe(true);
    await inThread.dispose();
    await offThread.dispose();
    const bad = await write("bad.edxml", "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><edXML/>");
    const error = await caught(parseEdxmlFileOffThread(bad, { tmpDir: tmp }, { inThreadMaxBytes: 0 }));
    expect(error.code).toBe("dtd-forbidden");
    expect(await readdir(tmp)).toEqual([]);
  }, 60_000);
});
