import { execFileSync, spawnSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import forge from "node-forge";
import { afterAll, describe, expect, it } from "vitest";
import { fitPadding, makeSignedPdf, testRootCertPem } from "./signed-pdf.ts";

const input = {
  title: "Về việc ban hành Quy chế hoạt động của Cổng Thông tin điện tử huyện",
  number: "152/QĐ-UBND",
  issuer: "UBND huyện Bình Sơn",
  date: "2026-11-20",
  body: ["Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;"],
};

interface SigInfo {
  byteRange: number[];
  contentsHex: string;
}

function signatures(pdf: Buffer): SigInfo[] {
  const text = pdf.toString("latin1");
  const out: SigInfo[] = [];
  const re = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]\s*\/Contents\s*<([0-9A-Fa-f]+)>/gu;
  for (const m of text.matchAll(re)) {
    out.push({ byteRange: [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])], contentsHex: m[5]! });
  }
  return out;
}

/** messageDigest attribute of the (single) SignerInfo, read with forge's ASN.1. */
function messageDigest(cmsDer: Buffer): { digest: string; certs: Buffer[] } {
  // /Contents is zero-padded: cut at the outer SEQUENCE's DER length.
  const first = cmsDer[1]!;
  const lengthBytes = first & 0x80 ? first & 0x7f : 0;
  let length = lengthBytes ? 0 : first;
  for (let i = 0; i < lengthBytes; i++) length = length * 256 + cmsDer[2 + i]!;
  const der = cmsDer.subarray(0, 2 + lengthBytes + length);
  const root = forge.asn1.fromDer(forge.util.createBuffer(der.toString("binary")));
  const signedData = ((root.value as forge.asn1.Asn1[])[1]!.value as forge.asn1.Asn1[])[0]!;
  const parts = signedData.value as forge.asn1.Asn1[];
  const certsNode = parts.find((p) => p.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && p.type === 0)!;
  const certs = (certsNode.value as forge.asn1.Asn1[]).map((c) => Buffer.from(forge.asn1.toDer(c).getBytes(), "binary"));
  const signerInfo = ((parts.at(-1)!.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[]);
  const attrs = signerInfo.find((p) => p.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && p.type === 0)!.value as forge.asn1.Asn1[];
  for (const attr of attrs) {
    const [oid, values] = attr.value as forge.asn1.Asn1[];
    if (forge.asn1.derToOid(forge.util.createBuffer(oid!.value as string)) === "1.2.840.113549.1.9.4") {
      const octets = (values!.value as forge.asn1.Asn1[])[0]!.value as string;
      return { digest: Buffer.from(octets, "binary").toString("hex"), certs };
    }
  }
  throw new Error("no messageDigest");
}

function checkStructure(pdf: Buffer, expectedSignatures: number): void {
  const sigs = signatures(pdf);
  expect(sigs).toHaveLength(expectedSignatures);
  for (const [i, sig] of sigs.entries()) {
    const [a, b, c, d] = sig.byteRange as [number, number, number, number];
    expect(a).toBe(0);
    // The gap is exactly the <hex> of /Contents.
    expect(pdf.toString("latin1", b, c)).toBe(`<${sig.contentsHex}>`);
    // The last signature covers the whole file; earlier ones their revision.
    if (i === sigs.length - 1) expect(c + d).toBe(pdf.length);
    else expect(pdf.toString("latin1", c + d - 6, c + d)).toBe("%%EOF\n");
    const hash = createHash("sha256").update(pdf.subarray(a, b)).update(pdf.subarray(c, c + d)).digest("hex");
    const cms = Buffer.from(sig.contentsHex.replace(/(00)+$/u, ""), "hex");
    const { digest, certs } = messageDigest(Buffer.from(sig.contentsHex, "hex"));
    expect(cms.length).toBeGreaterThan(1000);
    expect(digest).toBe(hash);
    // Chain: signer ← issuing CA ← the committed test root.
    const root = new X509Certificate(testRootCertPem());
    const [signer, issuing] = certs.map((der) => new X509Certificate(der));
    expect(issuing!.verify(root.publicKey)).toBe(true);
    expect(signer!.verify(issuing!.publicKey)).toBe(true);
    expect(issuing!.issuer).toContain("portalsync Test Root CA");
  }
}

const hasPdfsig = spawnSync("pdfsig", ["-v"]).error === undefined;
const hasCertutil = spawnSync("certutil", ["-H"]).error === undefined;
const tmp = mkdtempSync(join(tmpdir(), "simkit-pdf-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("makeSignedPdf", () => {
  it("signs with the leader (ETSI.CAdES.detached): ByteRange and messageDigest are right", async () => {
    const pdf = Buffer.from(await makeSignedPdf(input));
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    expect(pdf.toString("latin1")).toContain("/SubFilter /ETSI.CAdES.detached");
    checkStructure(pdf, 1);
  });

  it("adds the seal in an incremental update; both signatures check out", async () => {
    const pdf = Buffer.from(await makeSignedPdf({ ...input, signers: ["leader", "seal"] }));
    expect(pdf.toString("latin1").match(/%%EOF/gu)).toHaveLength(3);
    checkStructure(pdf, 2);
  });

  it("is deterministic, cached, hits targetBytes exactly and keeps NFC Vietnamese in the metadata", async () => {
    const a = await makeSignedPdf({ ...input, signers: ["leader", "seal"], targetBytes: 50_000 });
    const b = await makeSignedPdf({ ...input, signers: ["leader", "seal"], targetBytes: 50_000 });
    expect(b).toBe(a);
    expect(a.length).toBe(50_000);
    checkStructure(Buffer.from(a), 2);
    const unsigned = await makeSignedPdf({ ...input, signers: [], targetBytes: 9_000 });
    expect(unsigned.length).toBe(9_000);
    expect(signatures(Buffer.from(unsigned))).toHaveLength(0);
    // XMP carries the title as UTF-8 NFC.
    expect(Buffer.from(a).toString("utf8")).toContain("<rdf:li xml:lang=\"vi\">Về việc ban hành Quy chế");
    await expect(makeSignedPdf({ ...input, targetBytes: 1000 })).rejects.toThrow(/natural size/u);
  });

  it("signs fast enough for 10,000 documents", async () => {
    const started = performance.now();
    for (let i = 0; i < 40; i++) await makeSignedPdf({ ...input, number: `${1000 + i}/QĐ-UBND` });
    const msPerDoc = (performance.now() - started) / 40;
    console.info(`makeSignedPdf: ${msPerDoc.toFixed(2)} ms/doc (uncached, one signature)`);
    expect(msPerDoc).toBeLessThan(50);
  });

  it.skipIf(!hasPdfsig || !hasCertutil)("poppler pdfsig: valid, and trusted through the test root (skips without pdfsig/certutil)", async () => {
    const file = join(tmp, "two.pdf");
    writeFileSync(file, await makeSignedPdf({ ...input, signers: ["leader", "seal"] }));
    const nss = join(tmp, "nss");
    execFileSync("mkdir", ["-p", nss]);
    execFileSync("certutil", ["-N", "-d", `sql:${nss}`, "--empty-password"]);
    const rootFile = join(tmp, "root.pem");
    writeFileSync(rootFile, testRootCertPem());
    execFileSync("certutil", ["-A", "-d", `sql:${nss}`, "-n", "portalsync Test Root CA", "-t", "CT,C,C", "-i", rootFile]);
    const out = spawnSync("pdfsig", ["-nssdir", `sql:${nss}`, file], { encoding: "utf8" }).stdout;
    expect(out.match(/Signature is Valid\./gu)).toHaveLength(2);
    expect(out.match(/Certificate is Trusted\./gu)).toHaveLength(2);
    expect(out).toContain("ETSI.CAdES.detached");
    expect(out).toContain("adbe.pkcs7.detached");
    expect(out).toContain("Phạm Quang Sự");
    expect(out).toContain("Total document signed");
  });
});

describe("fitPadding", () => {
  // A file whose length jumps by 7 when the padding gains a digit: aiming
  // across the jump makes the Newton steps bounce between both sides.
  const jumpy = (pad: number, slack: number) => pad + 6 * String(pad).length + slack;

  it("reaches a length across a jump that the first steps bounce over", () => {
    for (let target = 16; target <= 21; target++) {
      const fit = fitPadding(target, 0, jumpy);
      expect(jumpy(fit.pad, fit.slack)).toBe(target);
    }
    // only reachable with more slack than the first steps try: the scan found it
    expect(fitPadding(20, 0, jumpy).slack).toBeGreaterThan(4);
  });

  it("says when the target is below the natural size, or out of reach", () => {
    expect(() => fitPadding(3, 0, jumpy)).toThrow(/natural size 6/u);
    expect(() => fitPadding(40, 0, (pad) => 100 + pad * 1000)).toThrow(/natural size 100/u);
    // slack fills what padding steps skip: 1,003 is no padding and 3 bytes of slack;
    // 1,016 would need 16 bytes of slack (more than the 8 allowed) between steps of 20
    expect(fitPadding(1003, 0, (pad, slack) => 1000 + pad * 7 + slack)).toEqual({ pad: 0, slack: 3 });
    expect(() => fitPadding(1016, 0, (pad, slack) => 1000 + pad * 20 + slack)).toThrow(/could not reach/u);
  });
});
