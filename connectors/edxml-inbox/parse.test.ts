import { X509Certificate } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import {
  EdxmlError,
  parseEdxmlDate,
  parseEdxmlDocument,
  parseEdxmlDocumentId,
  parseEdxmlPackage,
  parseEdxmlTimestamp,
  type EdxmlDocumentPackage,
  type EdxmlPackage,
} from "./parse.ts";
import { buildEdxmlPackage, type EdxmlPackageInput } from "./simulator.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const FIXTURES = path.resolve(repoRoot, "../shared/fixtures/edxml");

function fixture(name: string): Buffer {
  return readFileSync(path.join(FIXTURES, name));
}

function doc(name: string): EdxmlDocumentPackage {
  const parsed = parseEdxmlPackage(fixture(name));
  if (parsed.kind !== "document") throw new Error(`${name} is not a document`);
  return parsed;
}

function head(bytes: Uint8Array | null, n = 5): string {
  return Buffer.from(bytes ?? new Uint8Array(0)).subarray(0, n).toString("latin1");
}

function expectEdxmlError(fn: () => unknown, code: EdxmlError["code"], message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(EdxmlError);
  expect((caught as EdxmlError).code).toBe(code);
  expect((caught as EdxmlError).message).toMatch(message);
}

const PDF = new Uint8Array(Buffer.from("%PDF-1.7\n1 0 obj\n<< >>\nendobj\ntrailer\n<< >>\n%%EOF\n", "latin1"));

function sample(overrides: Partial<EdxmlPackageInput> = {}): EdxmlPackageInput {
  return {
    from: { organId: "000.00.21.H55", name: "UBND huyện Bình Sơn" },
    to: [{ organId: "000.00.00.H55", name: "UBND tỉnh Quảng Ngãi" }],
    number: "152/QĐ-UBND",
    date: "2026-11-20",
    typeName: "Quyết định",
    subject: "Về việc ban hành Quy chế hoạt động của Cổng Thông tin điện tử huyện",
    signer: { competence: "KT. CHỦ TỊCH", position: "Phó Chủ tịch", fullName: "Phạm Quang Sự" },
    attachments: [{ name: "152-QD-UBND.signed.pdf", bytes: PDF }],
    ...overrides,
  };
}

describe("edXML parser on the real fixtures", () => {
  it("covers every fixture file", () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith(".edxml")).sort();
    expect(files.length).toBe(17);
    const outcomes = files.map((f) => {
      try {
        return parseEdxmlPackage(fixture(f)).kind;
      } catch (error) {
        return (error as EdxmlError).code;
      }
    });
    // 6 documents, 10 status messages, 1 broken sample (edoc.edxml).
    expect(outcomes.filter((o) => o === "document").length).toBe(6);
    expect(outcomes.filter((o) => o === "status").length).toBe(10);
    expect(outcomes.filter((o) => o === "malformed-xml").length).toBe(1);
  });

  it("edoc_new: a new Công văn; the attachment is an inner edXML carrying the PDF", () => {
    const p = doc("edoc_new.edxml");
    expect(p.document).toMatchObject({
      externalId: "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT",
      number: "74fass22/VPCP-TTĐT",
      docType: null,
      title: "V/v kết nối, liên thông phần mềm quản lý văn bản",
      issuer: { code: "000.00.00.A80", name: "UBND xã Hòa Tiến - UBND huyện Hòa Vang - Thành phố Đà Nẵng" },
      issuedDate: "2019-01-16",
      signer: { name: "Nguyen Thanh Phuc", position: "Cuc truong cuc ung dung cong nghe thong tin" },
      urgency: "Thường",
      status: "issued",
      replacesExternalId: null,
      updatedAt: "2018-09-28T00:00:00+07:00",
      isPublic: false,
    });
    expect(p.header.business).toMatchObject({ docType: 0, reason: "Văn bản điện tử mới" });
    expect(p.header.documentIdParts).toEqual({ organId: "000.00.00.G22", date: "2015-09-30", number: "7816/VPCP-TTĐT" });
    expect(p.header.signer?.competence).toBe("TL. BO TRUONG");
    expect(p.header.promulgation.place).toBe("Hà Nội");
    expect(p.header.to.map((t) => t.organId)).toEqual(["28.22.H17"]);
    expect(p.signature).toMatchObject({ namespaced: false, subjectName: "CN=user05", signatureMethod: "http://www.w3.org/2000/09/xmldsig#rsa-sha1" });
    expect(p.attachments).toHaveLength(1);
    const [a] = p.attachments;
    expect(a).toMatchObject({
      contentId: "cid:209",
      name: "1896_QD-TTg_m_294779.doc",
      declaredContentType: "application/zip",
      entryName: "32da2890-1a55-4ccd-9ac9-cd0d98559e67.edxml",
      mime: "application/xml",
      size: 388_347,
    });
    expect(head(a!.bytes)).toBe("<?xml");
    expect(p.document.files).toEqual([
      { id: "1", name: "1896_QD-TTg_m_294779.doc", role: "main", size: 388_347, sha256: a!.sha256, mime: "application/xml" },
    ]);
    // The inner package sends its PDF as plain base64 (no ZIP).
    const inner = parseEdxmlDocument(a!.bytes!);
    expect(inner.attachments[0]).toMatchObject({ entryName: null, mime: "application/pdf", size: 284_937 });
    expect(head(inner.attachments[0]!.bytes, 8)).toBe("%PDF-1.5");
  });

  it("edoc_update: business type 2 is a new version of the same document", () => {
    const p = doc("edoc_update.edxml");
    expect(p.header.business?.docType).toBe(2);
    expect(p.document).toMatchObject({
      externalId: "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT",
      number: "7816/VPCP-TTĐT",
      issuer: { code: "000.00.00.G22", name: "Văn phòng Chính phủ" },
      issuedDate: "2018-09-28",
      status: "issued",
    });
    expect(p.header.to.map((t) => t.name)).toEqual(["UBND Tỉnh Nghệ An", "UBND Tỉnh Cao Bằng", "Sở Thông tin truyền thông Hải Phòng"]);
    expect(p.attachments[0]?.size).toBe(388_347);
  });

  it("edoc_replacement: business type 3 names the replaced document", () => {
    const p = doc("edoc_replacement.edxml");
    expect(p.header.business?.docType).toBe(3);
    expect(p.header.business?.replaces).toEqual(["000.00.00.G22,2014/01/30,7806/VPCP-TTĐT"]);
    expect(p.document.status).toBe("issued");
    expect(p.document.replacesExternalId).toBe("000.00.00.G22,2014/01/30,7806/VPCP-TTĐT");
  });

  it("edoc_revocation: business type 1 is a withdrawal", () => {
    const p = doc("edoc_revocation.edxml");
    expect(p.header.business?.docType).toBe(1);
    expect(p.header.business?.reason).toBe("Thu hồi văn bản điện tử");
    expect(p.document.status).toBe("withdrawn");
    expect(p.header.responseFor).toEqual({
      organId: "000.00.00.H14",
      code: "267/VPCP-TTĐT",
      documentId: "000.00.04.G14,2012/08/06,267/VPCP-TTĐT",
      promulgationDate: "2018-09-28",
    });
  });

  it("dc0bdef0: several recipients, attachment is the zipped edoc message", () => {
    const p = doc("dc0bdef0-c7a3-4aaf-b717-777303442973.edxml");
    expect(p.document).toMatchObject({ number: "7816/VPCP-TTĐT", issuedDate: "2019-04-11", issuer: { code: "000.00.00.G22" } });
    expect(p.header.to).toHaveLength(3);
    expect(p.attachments[0]).toMatchObject({ entryName: "7a71a0ee-2f35-400d-aca9-811d478eb158.edxml", size: 8381 });
    // That inner message is edoc.edxml itself, byte for byte.
    expect(Buffer.from(p.attachments[0]!.bytes!).equals(fixture("edoc.edxml"))).toBe(true);
  });

  it("pvn_2019: XMLDSig block with a VNPT-CA certificate; the '.PDF' entry is not a PDF", () => {
    const p = doc("pvn_2019_signed_vnptca.edxml");
    expect(p.document).toMatchObject({
      externalId: "9fbfbad2-f1f8-4256-a2eb-50fb1061cddb",
      number: "1223412/PRO-TEST-CASE1",
      docType: "Thông tư",
      issuedDate: "2019-01-17",
      signer: { name: "Trương Minh Tuấn", position: "Bộ trưởng" },
      updatedAt: "2019-05-17T18:16:33+07:00",
    });
    expect(p.header.business).toBeNull();
    expect(p.signature?.certificates).toHaveLength(1);
    const cert = new X509Certificate(Buffer.from(p.signature!.certificates[0]!, "base64"));
    expect(cert.issuer).toMatch(/VNPT/u);
    expect(p.attachments[0]).toMatchObject({ name: "GUIDE_INSTALL OPENVPN.SIGNED.PDF", entryName: "5c7082fe-4ac3-4b46-961e-e2439bfae484.PDF", size: 17 });
    expect(head(p.attachments[0]!.bytes, 4)).not.toBe("%PDF");
    expect(p.attachments[0]!.mime).toBe("application/octet-stream");
  });

  it("edoc.edxml is a broken sample (unclosed From, JMeter placeholder): clear errors", () => {
    expectEdxmlError(() => parseEdxmlPackage(fixture("edoc.edxml")), "malformed-xml", /line 74.*edXML:From/u);
    // With the nesting repaired, the placeholder is reported as what it is.
    const repaired = fixture("edoc.edxml").toString("utf8").replace(/<edXML:From>\s*<edXML:From>/u, "<edXML:From>");
    expectEdxmlError(() => parseEdxmlPackage(repaired), "bad-attachment", /not base64 \(starts with "\$\{__StringFromFile/u);
    const kept = parseEdxmlPackage(repaired, { onAttachmentError: "keep" }) as EdxmlDocumentPackage;
    expect(kept.document).toMatchObject({ number: "3232sss/PRO-TEST-CASE1", docType: "Thông tư", issuedDate: "2019-01-17", files: [] });
    expect(kept.attachments[0]).toMatchObject({ bytes: null, error: expect.stringMatching(/not base64/u) });
  });

  it("status messages are recognised, not mistaken for documents", () => {
    const expected: Record<string, string> = {
      "status.edxml": "01",
      "status_inbox__01.edxml": "01",
      "status_rejection_02.edxml": "02",
      "status_acceptance_03.edxml": "03",
      "status_assignment_04.edxml": "04",
      "status_processing_05.edxml": "05",
      "status_finish_06.edxml": "06",
      "status_cancellation_13.edxml": "13",
      "status_change-acceptance_15.edxml": "15",
      "status_change-rejection_16.edxml": "16",
    };
    for (const [file, code] of Object.entries(expected)) {
      const p: EdxmlPackage = parseEdxmlPackage(fixture(file));
      expect(p.kind, file).toBe("status");
      if (p.kind !== "status") continue;
      expect(p.statusCode).toBe(code);
      expect(p.message).toBe("status message, not a document");
      expect(p.responseFor?.documentId).toBe("000.00.00.G22,2015/09/30,7816/VPCP-TTĐT");
    }
    expectEdxmlError(() => parseEdxmlDocument(fixture("status_finish_06.edxml")), "status-message", /status message, not a document \(StatusCode 06 Hoàn thành/u);
  });
});

describe("edXML field helpers", () => {
  it("dates, timestamps and DocumentId", () => {
    expect(parseEdxmlDate("2015/09/30")).toBe("2015-09-30");
    expect(parseEdxmlDate("2014/02/30")).toBeNull();
    expect(parseEdxmlTimestamp("2018/06/20 16:35:56")).toBe("2018-06-20T16:35:56+07:00");
    expect(parseEdxmlDocumentId("000.00.00.G22,2015/09/30,7816/VPCP-TTĐT")).toEqual({ organId: "000.00.00.G22", date: "2015-09-30", number: "7816/VPCP-TTĐT" });
    expect(parseEdxmlDocumentId("000.00.00.G22,2014/02/30,7806/VPCP-TTĐT")?.date).toBe("2014/02/30");
    expect(parseEdxmlDocumentId("9fbfbad2-f1f8-4256-a2eb-50fb1061cddb")).toBeNull();
  });
});

describe("edXML parser on generated packages", () => {
  it("round-trips a generated package (zip + base64), NFC, restricted sphere never public", () => {
    const xml = buildEdxmlPackage(sample({ number: "05/2026/QĐ-UBND" }));
    const p = parseEdxmlDocument(xml, { assumePublic: true });
    expect(p.document).toMatchObject({
      externalId: "000.00.21.H55,2026/11/20,05/2026/QĐ-UBND",
      number: "05/2026/QĐ-UBND",
      docType: "Quyết định",
      isPublic: true,
      issuer: { code: "000.00.21.H55", name: "UBND huyện Bình Sơn" },
    });
    expect(p.attachments[0]?.entryName).toMatch(/^[0-9a-f-]{36}\.pdf$/u);
    expect(head(p.attachments[0]!.bytes)).toBe("%PDF-");
    expect(parseEdxmlDocument(buildEdxmlPackage(sample({ sphere: "Lưu hành nội bộ" })), { assumePublic: true }).document.isPublic).toBe(false);
    const nfd = buildEdxmlPackage(sample()).replace("Về việc ban hành", "Về việc ban hành".normalize("NFD"));
    expect(parseEdxmlDocument(nfd).document.title.startsWith("Về việc ban hành")).toBe(true);
  });

  it("accepts the whole package with the edXML prefix everywhere, or none", () => {
    const xml = buildEdxmlPackage(sample());
    const unprefixed = xml.replace(/edXML:/gu, "").replace(/ xmlns:edXML="[^"]+"/gu, "");
    expect(parseEdxmlDocument(unprefixed).document.number).toBe("152/QĐ-UBND");
    const wrongNs = xml.replace('<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">', '<edXML xmlns="urn:other">');
    expectEdxmlError(() => parseEdxmlPackage(wrongNs), "not-edxml", /namespace "urn:other"/u);
    expectEdxmlError(() => parseEdxmlPackage("<html><body/></html>"), "not-edxml", /root element is <html>/u);
  });
});

describe("edXML parser against hostile input", () => {
  it("refuses DTDs and entity bombs", () => {
    const bomb = `<?xml version="1.0"?>
<!DOCTYPE edXML [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&lol3;</edXML>`;
    expectEdxmlError(() => parseEdxmlPackage(bomb), "dtd-forbidden", /DTDs are not allowed/u);
    const external = `<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><edXML/>`;
    expectEdxmlError(() => parseEdxmlPackage(external), "dtd-forbidden", /DOCTYPE/u);
  });

  it("refuses deep nesting and oversized input", () => {
    const deep = `<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">${"<a>".repeat(5000)}${"</a>".repeat(5000)}</edXML>`;
    expectEdxmlError(() => parseEdxmlPackage(deep), "too-deep", /deeper than 32/u);
    expectEdxmlError(() => parseEdxmlPackage(new Uint8Array(2048), { maxBytes: 1024 }), "too-large", /limit is 1024/u);
    expectEdxmlError(() => parseEdxmlPackage(new Uint8Array([0x3c, 0xff, 0xfe])), "not-utf8", /UTF-8/u);
  });

  it("refuses a zip bomb, by its declared sizes and when the sizes lie", () => {
    const zeros = new Uint8Array(20 * 1024 * 1024);
    const honest = zipSync({ "bomb.pdf": zeros }, { level: 9 });
    const honestXml = buildEdxmlPackage(sample({ attachments: [{ name: "bomb.pdf", bytes: honest, zip: false }] }));
    expectEdxmlError(() => parseEdxmlPackage(honestXml), "attachment-limit", /compression ratio above 100:1/u);

    // The same archive claiming 1000 bytes in both headers: only the streamed count catches it.
    const liar = honest.slice();
    const view = new DataView(liar.buffer);
    for (let at = 0; at < liar.length - 4; at++) {
      const sig = view.getUint32(at, true);
      if (sig === 0x04034b50) view.setUint32(at + 22, 1000, true);
      if (sig === 0x02014b50) view.setUint32(at + 24, 1000, true);
    }
    const liarXml = buildEdxmlPackage(sample({ attachments: [{ name: "bomb.pdf", bytes: liar, zip: false }] }));
    expectEdxmlError(() => parseEdxmlPackage(liarXml), "attachment-limit", /compression ratio above 100:1|size limit/u);

    const big = zipSync({ "big.pdf": new Uint8Array(3000).fill(7) }, { level: 0 });
    const bigXml = buildEdxmlPackage(sample({ attachments: [{ name: "big.pdf", bytes: big, zip: false }] }));
    expectEdxmlError(() => parseEdxmlPackage(bigXml, { maxAttachmentBytes: 2000 }), "attachment-limit", /limit is 2000/u);
  });

  it("refuses ZIP entries that escape the folder, and archives with several files", () => {
    for (const name of ["../../etc/evil.pdf", "/abs/evil.pdf", "..\\win\\evil.pdf", "C:/evil.pdf"]) {
      const zip = zipSync({ [name]: PDF });
      const xml = buildEdxmlPackage(sample({ attachments: [{ name: "x.pdf", bytes: zip, zip: false }] }));
      expectEdxmlError(() => parseEdxmlPackage(xml), "bad-attachment", /unsafe/u);
    }
    const two = zipSync({ "a.pdf": PDF, "b.pdf": PDF });
    const xml = buildEdxmlPackage(sample({ attachments: [{ name: "x.pdf", bytes: two, zip: false }] }));
    expectEdxmlError(() => parseEdxmlPackage(xml), "bad-attachment", /holds 2 files/u);
    const many = zipSync(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}.pdf`, PDF])));
    const manyXml = buildEdxmlPackage(sample({ attachments: [{ name: "x.pdf", bytes: many, zip: false }] }));
    expectEdxmlError(() => parseEdxmlPackage(manyXml), "attachment-limit", /10 entries; at most 4/u);
  });

  it("reports garbage base64 and corrupt ZIPs clearly", () => {
    const xml = buildEdxmlPackage(sample());
    const garbage = xml.replace(/(<edXML:ContentTransferEncoded[^>]*>)[^<]+/u, "$1this is *not* base64!!");
    expectEdxmlError(() => parseEdxmlPackage(garbage), "bad-attachment", /attachment 1 \("152-QD-UBND.signed.pdf"\) is not base64/u);
    const empty = xml.replace(/(<edXML:ContentTransferEncoded[^>]*>)[^<]+/u, "$1");
    expectEdxmlError(() => parseEdxmlPackage(empty), "bad-attachment", /has no content/u);
    const zip = zipSync({ "a.pdf": PDF });
    const truncated = buildEdxmlPackage(sample({ attachments: [{ name: "a.pdf", bytes: zip.subarray(0, zip.length - 30), zip: false }] }));
    expectEdxmlError(() => parseEdxmlPackage(truncated), "bad-attachment", /ZIP/u);
    const flipped = zip.slice();
    flipped[40] = (flipped[40] ?? 0) ^ 0xff;
    const corrupt = buildEdxmlPackage(sample({ attachments: [{ name: "a.pdf", bytes: flipped, zip: false }] }));
    expectEdxmlError(() => parseEdxmlPackage(corrupt), "bad-attachment", /DEFLATE|CRC|bytes but declares/u);
  });

  it("refuses a package without số ký hiệu or date", () => {
    const xml = buildEdxmlPackage(sample()).replace(/<edXML:Code>.*?<\/edXML:Code>/u, "").replace(/<edXML:DocumentId>[^<]*<\/edXML:DocumentId>/u, "");
    expectEdxmlError(() => parseEdxmlPackage(xml), "missing-field", /số ký hiệu/u);
  });
});

describe("số ký hiệu from Code", () => {
  it("does not double the serial when CodeNotation already carries it", () => {
    const xml = readFileSync(path.resolve(repoRoot, "tests/fixtures/edxml/signed-rsa-sha256.edxml"), "utf8");
    expect(xml).toContain("<edXML:CodeNotation>152/QĐ-UBND</edXML:CodeNotation>");
    const parsed = parseEdxmlPackage(xml);
    expect(parsed.kind).toBe("document");
    expect((parsed as EdxmlDocumentPackage).document.number).toBe("152/QĐ-UBND");
  });

  it("joins CodeNumber and a bare CodeNotation", () => {
    // The real sample's CodeNumber is "74fass22" (test data from its authors).
    expect(doc("edoc_new.edxml").document.number).toBe("74fass22/VPCP-TTĐT");
  });
});
