// Own test PKI and signed PDFs (tests/fixtures/pki/make.sh: OpenSSL CMS, poppler pdfsig).
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { loadCrlFiles } from "./crl.ts";
import { loadTrustStore } from "./trust-store.ts";
import { pdf, pkiDir, testTrust } from "./test-support.ts";
import { ArrivalHasher } from "./hashing.ts";
import { verifyPdfBytes, verifyPdfFile } from "./verify-pdf.ts";

describe("algorithms and sub-filters", () => {
  it.each([
    ["rsa-sha256-cades.pdf", "ETSI.CAdES.detached", "rsa", "sha256"],
    ["rsa-sha384-pkcs7.pdf", "adbe.pkcs7.detached", "rsa", "sha384"],
    ["rsa-sha512-cades.pdf", "ETSI.CAdES.detached", "rsa", "sha512"],
    ["rsa-pss-sha256.pdf", "ETSI.CAdES.detached", "rsa-pss", "sha256"],
    ["ecdsa-sha256.pdf", "ETSI.CAdES.detached", "ecdsa", "sha256"],
    ["ecdsa-sha384.pdf", "adbe.pkcs7.detached", "ecdsa", "sha384"],
    ["pdfsig-two-signatures.pdf", "adbe.pkcs7.detached", "rsa", "sha256"],
  ])("%s is valid (%s, %s, %s)", async (file, subFilter, alg, digest) => {
    const r = await verifyPdfFile(pdf(file), { trust: await testTrust() });
    expect(r.status).toBe("valid");
    const s = r.signatures[0]!;
    expect([s.subFilter, s.signatureAlgorithm, s.digestAlgorithm]).toEqual([subFilter, alg, digest]);
    expect([s.indication, s.subIndication]).toEqual(["TOTAL_PASSED", null]);
    expect(s.signer?.commonName).toBe(file.startsWith("ecdsa") ? "Trần Thị Bình" : "Nguyễn Văn An");
    expect(s.signer?.issuer).toBe("CN=PortalSync Test Issuing CA, O=PortalSync Test PKI, C=VN");
    expect(s.signingTime).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it("SHA-1 is INDETERMINATE / CRYPTO_CONSTRAINTS_FAILURE by default, valid when allowed", async () => {
    const trust = await testTrust();
    const r = await verifyPdfFile(pdf("rsa-sha1.pdf"), { trust });
    expect(r.status).toBe("indeterminate");
    expect([r.signatures[0]!.indication, r.signatures[0]!.subIndication]).toEqual(["INDETERMINATE", "CRYPTO_CONSTRAINTS_FAILURE"]);
    const ok = await verifyPdfFile(pdf("rsa-sha1.pdf"), { trust, allowSha1: true });
    expect(ok.status).toBe("valid");
  });

  it("signer identified by SubjectKeyIdentifier", async () => {
    const r = await verifyPdfFile(pdf("ski-signer-id.pdf"), { trust: await testTrust() });
    expect(r.status).toBe("valid");
    expect(r.signatures[0]!.signer?.serialNumber).toMatch(/^[0-9a-f]+$/);
  });

  it("no signed attributes: RSA signature over the document digest", async () => {
    const r = await verifyPdfFile(pdf("no-signed-attrs.pdf"), { trust: await testTrust() });
    expect(r.status).toBe("valid");
  });

  it("verifyPdfBytes gives the same answer as verifyPdfFile", async () => {
    const trust = await testTrust();
    const a = await verifyPdfBytes(readFileSync(pdf("two-signatures.pdf")), { trust });
    const b = await verifyPdfFile(pdf("two-signatures.pdf"), { trust });
    expect(a).toEqual(b);
  });

  it("bytes in pieces (an upload as received) are read in place, with the same answer", async () => {
    const trust = await testTrust();
    for (const name of ["two-signatures.pdf", "rsa-sha256-cades.pdf"]) {
      const bytes = readFileSync(pdf(name));
      const whole = await verifyPdfBytes(bytes, { trust });
      // Odd sizes, so windows and signed ranges straddle pieces; an empty piece too.
      for (const size of [1, 7, 4093, 65536]) {
        const pieces = [bytes.subarray(0, 0)];
        for (let o = 0; o < bytes.length; o += size) pieces.push(bytes.subarray(o, o + size));
        expect(await verifyPdfBytes(pieces, { trust })).toEqual(whole);
      }
    }
    const flipped = Buffer.from(readFileSync(pdf("rsa-sha256-cades.pdf")));
    const i = flipped.indexOf("stream\n") + 20;
    flipped[i] = flipped[i]! ^ 0x01;
    const r = await verifyPdfBytes([flipped.subarray(0, i), flipped.subarray(i)], { trust });
    expect(r.signatures[0]!.subIndication).toBe("HASH_FAILURE");
  });

  it("pieces with their hash states taken on arrival: the same report, whatever the file and wherever the states lie", async () => {
    const trust = await testTrust();
    const flipped = Buffer.from(readFileSync(pdf("rsa-sha256-cades.pdf")));
    flipped[flipped.indexOf("stream\n") + 20]! ^= 0x01;
    const files: [string, Buffer][] = [
      ["two signatures", readFileSync(pdf("two-signatures.pdf"))],
      ["one signature", readFileSync(pdf("rsa-sha256-cades.pdf"))],
      ["sha512 signature (states of sha256: not used)", readFileSync(pdf("rsa-sha512-cades.pdf"))],
      ["content after signing", readFileSync(pdf("content-after-signing.pdf"))],
      ["a changed byte", flipped],
      ["unsigned", readFileSync(pdf("unsigned.pdf"))],
      ["not a PDF", Buffer.from("hello, this is not a PDF")],
      ["cut short", readFileSync(pdf("rsa-sha256-cades.pdf")).subarray(0, 5_000)],
    ];
    for (const [what, bytes] of files) {
      const expected = await verifyPdfBytes(bytes, { trust });
      for (const every of [1, 1000, 4093, 64 * 1024]) {
        const arrival = new ArrivalHasher(every);
        const pieces: Buffer[] = [];
        for (let o = 0; o < bytes.length; o += 3001) {
          pieces.push(bytes.subarray(o, o + 3001));
          arrival.update(pieces.at(-1)!);
        }
        const { sha256, prefixes } = arrival.finish();
        expect(sha256, what).toBe(createHash("sha256").update(bytes).digest("hex"));
        expect(await verifyPdfBytes(pieces, { trust }, prefixes), `${what}, a state every ${every} bytes`).toEqual(expected);
      }
    }
  });

  it("a flipped byte inside the signed range is a HASH_FAILURE", async () => {
    const bytes = readFileSync(pdf("rsa-sha256-cades.pdf"));
    const i = bytes.indexOf("stream\n") + 20; // inside the (compressed) page content
    expect(i).toBeGreaterThan(20);
    bytes[i] = bytes[i]! ^ 0x01;
    const r = await verifyPdfBytes(bytes, { trust: await testTrust() });
    expect(r.status).toBe("invalid");
    expect(r.signatures[0]!.subIndication).toBe("HASH_FAILURE");
  });
});

describe("several signatures and later changes", () => {
  it("leader then agency seal: both valid, each against its own revision", async () => {
    for (const file of ["two-signatures.pdf", "pdfsig-two-signatures.pdf"]) {
      const r = await verifyPdfFile(pdf(file), { trust: await testTrust() });
      expect(r.status).toBe("valid");
      expect(r.signatures).toHaveLength(2);
      const [leader, seal] = r.signatures as [typeof r.signatures[0] & object, typeof r.signatures[0] & object];
      expect(leader.coversWholeDocument).toBe(false);
      expect(leader.laterChanges).toBe("signatures-only");
      expect(seal.coversWholeDocument).toBe(true);
      expect(seal.laterChanges).toBe("none");
      expect(seal.signer?.commonName).toBe("UBND Tỉnh Thử Nghiệm");
    }
  });

  it("annotation added after signing is allowed", async () => {
    const r = await verifyPdfFile(pdf("annotation-after-signing.pdf"), { trust: await testTrust() });
    expect(r.status).toBe("valid");
    expect(r.signatures[0]!.laterChanges).toBe("annotations-or-forms");
    expect(r.signatures[0]!.modifiedAfterSigning).toBe(true);
  });

  it.each(["content-after-signing.pdf", "page-added-after-signing.pdf", "two-signatures-content-changed.pdf", "pdfsig-content-after.pdf"])(
    "%s: content changed after signing is invalid",
    async (file) => {
      const r = await verifyPdfFile(pdf(file), { trust: await testTrust() });
      expect(r.status).toBe("invalid");
      for (const s of r.signatures) {
        expect(s.modifiedAfterSigning).toBe(true);
        expect(s.laterChanges).toBe("content");
        expect([s.indication, s.subIndication]).toEqual(["TOTAL_FAILED", "FORMAT_FAILURE"]);
      }
    },
  );

  it("an unsigned PDF is unsigned", async () => {
    const r = await verifyPdfFile(pdf("unsigned.pdf"), { trust: await testTrust() });
    expect(r).toEqual({ status: "unsigned", signatures: [] });
  });
});

describe("certificates: chains, validity, revocation", () => {
  it("revoked signer via a CRL file (DER and PEM) is REVOKED / invalid", async () => {
    const trust = await testTrust();
    expect((await verifyPdfFile(pdf("revoked-signer.pdf"), { trust })).status).toBe("valid");
    for (const f of ["inter.crl.der", "inter.crl.pem"]) {
      const crls = await loadCrlFiles([resolve(pkiDir, "crl", f)]);
      const r = await verifyPdfFile(pdf("revoked-signer.pdf"), { trust, crls });
      expect(r.status).toBe("invalid");
      expect([r.signatures[0]!.indication, r.signatures[0]!.subIndication]).toEqual(["TOTAL_FAILED", "REVOKED"]);
    }
    // raw buffers are accepted too, and the CRL does not touch other signers
    const raw = [readFileSync(resolve(pkiDir, "crl/inter.crl.der"))];
    expect((await verifyPdfFile(pdf("rsa-sha256-cades.pdf"), { trust, crls: raw })).status).toBe("valid");
  });

  it("a CRL not signed by the issuer is ignored", async () => {
    const trust = await testTrust();
    const der = readFileSync(resolve(pkiDir, "crl/inter.crl.der"));
    der[der.length - 5]! ^= 0xff; // break the CRL signature
    const r = await verifyPdfFile(pdf("revoked-signer.pdf"), { trust, crls: [der] });
    expect(r.status).toBe("valid");
  });

  it("expired signer at signing time is INDETERMINATE / OUT_OF_BOUNDS_NO_POE", async () => {
    const r = await verifyPdfFile(pdf("expired-signer.pdf"), { trust: await testTrust() });
    expect(r.status).toBe("indeterminate");
    expect(r.signatures[0]!.subIndication).toBe("OUT_OF_BOUNDS_NO_POE");
    // --at moves the validation time for the whole chain: in 2020 the signer was valid but its CAs did not exist yet
    const then = await verifyPdfFile(pdf("expired-signer.pdf"), { trust: await testTrust(), at: new Date("2020-06-01T00:00:00Z") });
    expect(then.signatures[0]!.subIndication).toBe("NOT_YET_VALID");
    expect(then.signatures[0]!.messages.join(" ")).toMatch(/PortalSync Test Issuing CA.*not yet valid/);
  });

  it("look-alike root with the same names does not pass", async () => {
    const r = await verifyPdfFile(pdf("lookalike-root.pdf"), { trust: await testTrust() });
    expect(r.status).toBe("indeterminate");
    expect(r.signatures[0]!.subIndication).toBe("NO_CERTIFICATE_CHAIN_FOUND");
    // its signature itself is intact: the refusal is about trust
    expect(r.signatures[0]!.messages.join(" ")).not.toMatch(/does not verify/);
  });

  it("intermediate from the trust store only", async () => {
    const withInter = await verifyPdfFile(pdf("leaf-only-chain.pdf"), { trust: await testTrust() });
    expect(withInter.status).toBe("valid");
    const rootOnly = await loadTrustStore([resolve(pkiDir, "trust-root-only")]);
    expect(rootOnly.intermediates).toHaveLength(0);
    const r = await verifyPdfFile(pdf("leaf-only-chain.pdf"), { trust: rootOnly });
    expect(r.signatures[0]!.subIndication).toBe("NO_CERTIFICATE_CHAIN_FOUND");
    // the same signer with the intermediate carried in the CMS needs only the root
    expect((await verifyPdfFile(pdf("rsa-sha256-cades.pdf"), { trust: rootOnly })).status).toBe("valid");
  });

  it("trust store: self-signed are anchors, others intermediates", async () => {
    const t = await testTrust();
    expect(t.anchors.map((c) => c.subject.commonName)).toEqual(["PortalSync Test Root CA"]);
    expect(t.intermediates.map((c) => c.subject.commonName)).toEqual(["PortalSync Test Issuing CA"]);
  });
});
