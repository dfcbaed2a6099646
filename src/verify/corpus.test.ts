// Public signed-PDF corpus (../shared/fixtures/public-signed-pdfs): the oracle is
// integrity and structure from the originating projects' own tests. Trust is
// not the point here (their roots are not ours), so an untrusted but intact
// signature shows as INDETERMINATE, never as TOTAL_FAILED.
import { describe, expect, it } from "vitest";
import { resolve } from "node:path";
import { readFileSync } from "node:fs";
import { corpusDir, pkiDir } from "./test-support.ts";
import { parseCertificates } from "./x509.ts";
import { emptyTrustStore } from "./trust-store.ts";
import { verifyPdfFile } from "./verify-pdf.ts";
import type { FileReport, SignatureReport } from "./report.ts";

const INTACT_FAILURES = new Set(["HASH_FAILURE", "SIG_CRYPTO_FAILURE", "FORMAT_FAILURE"]);
/** intact: the bytes and the signature value check out, whatever trust says */
const intact = (s: SignatureReport) => s.indication !== "TOTAL_FAILED" && !INTACT_FAILURES.has(s.subIndication ?? "");
const notValid = (r: FileReport) => expect(r.status).not.toBe("valid");

type Check = (r: FileReport) => void;
const table: [string, string, Check][] = [
  ["dss__pdf-signed-original.pdf", "intact, covers whole file", (r) => {
    expect(r.signatures).toHaveLength(1);
    expect(intact(r.signatures[0]!)).toBe(true);
    expect(r.signatures[0]!.coversWholeDocument).toBe(true);
    expect(r.signatures[0]!.laterChanges).toBe("none");
  }],
  ["dss__pdf-signed-corrupted.pdf", "ByteRange invalid, not intact", (r) => {
    expect(r.status).toBe("invalid");
    expect(r.signatures[0]!.subIndication).toBe("FORMAT_FAILURE");
  }],
  ["dss__pdf-signed-out-of-byteRange.pdf", "ByteRange past end of file", (r) => {
    expect(r.status).toBe("invalid");
    expect(r.signatures[0]!.messages.join(" ")).toMatch(/past the end of the file/);
  }],
  ["dss__pdf-eof.pdf", "ByteRange invalid", (r) => {
    expect(r.status).toBe("invalid");
    expect(r.signatures[0]!.subIndication).toBe("FORMAT_FAILURE");
  }],
  ["dss__siwa.pdf", "signature wrapping: 0 valid signatures", (r) => {
    expect(r.status).toBe("invalid");
    expect(r.signatures.filter(intact)).toHaveLength(0);
    expect(r.signatures[0]!.messages.join(" ")).toMatch(/not exactly this signature's \/Contents/);
  }],
  ["dss__pdf-byterange-overlap.pdf", "1 intact, 1 TOTAL_FAILED/FORMAT_FAILURE", (r) => {
    expect(r.signatures).toHaveLength(2);
    expect(r.signatures.filter(intact)).toHaveLength(1);
    const bad = r.signatures.filter((s) => !intact(s));
    expect(bad.map((s) => [s.indication, s.subIndication])).toEqual([["TOTAL_FAILED", "FORMAT_FAILURE"]]);
  }],
  ["dss__hello_signed_INCSAVE_signed.pdf", "2 intact signatures", (r) => {
    expect(r.signatures).toHaveLength(2);
    expect(r.signatures.every(intact)).toBe(true);
    expect(r.signatures[0]!.laterChanges).toBe("signatures-only");
    expect(r.signatures[1]!.coversWholeDocument).toBe(true);
  }],
  ["dss__hello_signed_INCSAVE_signed_EDITED.pdf", "2nd reuses the 1st ByteRange: invalid", (r) => {
    expect(r.status).toBe("invalid");
    expect(r.signatures.filter((s) => s.indication === "TOTAL_FAILED")).toHaveLength(1);
  }],
  ["dss__pdf-spoofing-attack.pdf", "signature dictionary altered after signing", (r) => {
    expect(r.status).toBe("invalid");
    expect(r.signatures.some((s) => s.laterChanges === "content" && s.modifiedAfterSigning)).toBe(true);
  }],
  ["dss__pades-spoofing-replaced-reason.pdf", "/Reason changed after signing", (r) => {
    expect(r.status).toBe("invalid");
    expect(r.signatures[0]!.indication).toBe("TOTAL_FAILED");
  }],
  ["dss__pdf-signed-added-page.pdf", "page added: TOTAL_FAILED/FORMAT_FAILURE", (r) => {
    expect(r.status).toBe("invalid");
    expect([r.signatures[0]!.indication, r.signatures[0]!.subIndication]).toEqual(["TOTAL_FAILED", "FORMAT_FAILURE"]);
    expect(r.signatures[0]!.laterChanges).toBe("content");
  }],
  ["dss__pdf-removed-pages.pdf", "pages removed: TOTAL_FAILED/FORMAT_FAILURE", (r) => {
    expect([r.signatures[0]!.indication, r.signatures[0]!.subIndication]).toEqual(["TOTAL_FAILED", "FORMAT_FAILURE"]);
    expect(r.signatures[0]!.laterChanges).toBe("content");
  }],
  ["dss__dss-2236_hide.pdf", "shadow attack (hide)", (r) => {
    expect(r.status).toBe("invalid");
    expect(r.signatures[0]!.laterChanges).toBe("content");
  }],
  ["dss__dss-2236_replace.pdf", "shadow attack (replace)", (r) => {
    expect(r.status).toBe("invalid");
    expect(r.signatures[0]!.laterChanges).toBe("content");
    expect(r.signatures[0]!.messages.join(" ")).toMatch(/appearance replaced/);
  }],
  ["dss__pades-signed-annot-added.pdf", "only annotations added: allowed", (r) => {
    expect(r.signatures).toHaveLength(1);
    expect(intact(r.signatures[0]!)).toBe(true);
    expect(r.signatures[0]!.laterChanges).toBe("annotations-or-forms");
    expect(r.signatures[0]!.modifiedAfterSigning).toBe(true);
  }],
  ["dss__pkcs7.pdf", "adbe.pkcs7.detached without signing-certificate: intact", (r) => {
    expect(r.signatures[0]!.subFilter).toBe("adbe.pkcs7.detached");
    expect(intact(r.signatures[0]!)).toBe(true);
  }],
  ["dss__pkcs7_sha1.pdf", "adbe.pkcs7.sha1 + detached", (r) => {
    expect(r.signatures.map((s) => s.subFilter)).toEqual(["adbe.pkcs7.sha1", "adbe.pkcs7.detached"]);
    expect(r.signatures.every(intact)).toBe(true);
    expect(r.status).not.toBe("valid");
  }],
  ["dss__pkcs7-no-message-digest.pdf", "no signed attributes: signature over the digest", (r) => {
    expect(intact(r.signatures[0]!)).toBe(true);
  }],
  ["dss__pades-bes-no-certificates.pdf", "signing certificate absent: not identified", (r) => {
    expect(r.signatures[0]!.subIndication).toBe("NO_SIGNING_CERTIFICATE_FOUND");
    notValid(r);
  }],
  ["dss__pades-unsupported-signature-algorithm.pdf", "curve OID as signature algorithm", (r) => {
    expect(r.status).toBe("invalid");
    expect(r.signatures[0]!.messages.join(" ")).toMatch(/1\.2\.840\.10045\.3\.1\.7/);
  }],
  ["dss__dss-1420_PAdES-BpB-att-SHA256-SHA3_256withRSA.pdf", "SHA3-256withRSA declared must not pass", (r) => {
    expect(r.status).toBe("invalid");
    expect(r.signatures[0]!.subIndication).toBe("SIG_CRYPTO_FAILURE");
  }],
  ["dss__self-issued-qesig.pdf", "issued by an end-entity certificate; without its root: no chain", (r) => {
    // DSS's CERTIFICATE_CHAIN_GENERAL_FAILURE needs the LuxTrust CA as trust anchor: see below
    expect([r.signatures[0]!.indication, r.signatures[0]!.subIndication]).toEqual(["INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND"]);
    expect(r.signatures[0]!.messages.join(" ")).toMatch(/CN=Aleksandr Beliakov.*" issued ".*CN=Tester.*" but is not a CA certificate/);
    expect(r.status).toBe("indeterminate");
  }],
  ["dss__BadEncodedCMS.pdf", "CMS not decodable: no usable signature", (r) => {
    // the signer's serial number is an INTEGER with a superfluous leading zero octet, in
    // the SignerInfo as in the certificate: no ASN.1 decoder accepts it (DSS finds no signature)
    expect(r.status).toBe("invalid");
    expect([r.signatures[0]!.indication, r.signatures[0]!.subIndication]).toEqual(["TOTAL_FAILED", "FORMAT_FAILURE"]);
    expect(r.signatures[0]!.messages.join(" ")).toMatch(/sid\.serialNumber: INTEGER is not minimally encoded.*no usable signature/);
  }],
  ["dss__dss-PLAIN-ECDSA_TeleSec_PKS_eIDAS_QES_CA_1-baseline-b.pdf", "plain ECDSA verifies", (r) => {
    expect(r.signatures[0]!.signatureAlgorithm).toBe("ecdsa");
    expect(intact(r.signatures[0]!)).toBe(true);
  }],
  ["dss__PAdES-LT.pdf", "PAdES with DSS", (r) => {
    expect(r.signatures.length).toBeGreaterThanOrEqual(2);
    expect(r.signatures.every(intact)).toBe(true);
    expect(r.signatures.some((s) => s.subFilter === "ETSI.RFC3161")).toBe(true);
  }],
  ["dss__wrong-digest-algo.pdf", "digest algorithm mismatch: not intact", (r) => {
    expect(r.status).toBe("invalid");
    expect(intact(r.signatures[0]!)).toBe(false);
  }],
  ["pyhanko__coverage-anomalies_tail-uncovered.pdf", "tail of its revision not covered", (r) => {
    expect(r.status).toBe("invalid");
    expect(r.signatures[0]!.messages.join(" ")).toMatch(/inside a revision/);
  }],
  ["pyhanko__coverage-anomalies_one-byterange.pdf", "unclear coverage", (r) => expect(r.status).toBe("invalid")],
  ["pyhanko__coverage-anomalies_signature-gap-too-big.pdf", "unclear coverage", (r) => expect(r.status).toBe("invalid")],
  ["pyhanko__coverage-anomalies_weird-byterange.pdf", "unclear coverage", (r) => expect(r.status).toBe("invalid")],
  ["pyhanko__sig-with-ski-sid.pdf", "SKI signer id: intact", (r) => {
    expect(intact(r.signatures[0]!)).toBe(true);
    expect(r.signatures[0]!.signer?.commonName).toBeTruthy();
  }],
  ["pyhanko__sig-no-signed-attrs.pdf", "no signed attributes: intact", (r) => expect(intact(r.signatures[0]!)).toBe(true)],
  ["pyhanko__pades-with-old-style-signing-cert-attr.pdf", "signing-certificate v1: intact", (r) => expect(intact(r.signatures[0]!)).toBe(true)],
  ["pyhanko__form-update-override-appearance-stream-sneaky.pdf", "disguised change not allowed", (r) => {
    expect(r.status).toBe("invalid");
    expect(r.signatures[0]!.laterChanges).toBe("content");
    expect(intact(r.signatures[1]!)).toBe(true);
  }],
  ["pyhanko__minimal-two-fields-signed-twice.pdf", "form fill + 2nd signature: both intact", (r) => {
    expect(r.signatures).toHaveLength(2);
    expect(r.signatures.every(intact)).toBe(true);
    expect(r.signatures[0]!.laterChanges).not.toBe("content");
  }],
  ["pyhanko__ed448-shake256-nolen.pdf", "Ed448: intact", (r) => {
    expect(r.signatures[0]!.signatureAlgorithm).toBe("ed448");
    expect(intact(r.signatures[0]!)).toBe(true);
  }],
  ["pyhanko__certified-with-indirect-refs-in-dir.pdf", "certification signature: intact", (r) => expect(intact(r.signatures[0]!)).toBe(true)],
  ["pyhanko__pades-lta-dss-indirect-arrs-test.pdf", "PAdES-LTA with DSS and document timestamp", (r) => {
    expect(r.signatures.map((s) => s.subFilter)).toEqual(["ETSI.CAdES.detached", "ETSI.RFC3161"]);
    expect(r.signatures.every(intact)).toBe(true);
    expect(r.signatures[0]!.laterChanges).toBe("signatures-only");
  }],
  ["pyhanko__pdf-sig-with-econtent.pdf", "detached signature with eContent is rejected", (r) => {
    expect(r.status).toBe("invalid");
    expect(r.signatures[0]!.messages.join(" ")).toMatch(/encapsulated content/);
  }],
  ["signpdf__signed-once.pdf", "intact, self-signed", (r) => {
    expect(intact(r.signatures[0]!)).toBe(true);
    expect(r.signatures[0]!.subIndication).toBe("NO_CERTIFICATE_CHAIN_FOUND");
  }],
  ["signpdf__signed-twice.pdf", "1st does not cover the whole file; the change is a signature", (r) => {
    expect(r.signatures).toHaveLength(2);
    expect(r.signatures.every(intact)).toBe(true);
    expect(r.signatures[0]!.coversWholeDocument).toBe(false);
    expect(r.signatures[0]!.laterChanges).toBe("signatures-only");
  }],
  ["signpdf__incrementally_signed.pdf", "intact, self-signed", (r) => expect(intact(r.signatures[0]!)).toBe(true)],
  ["signpdf__signed.pdf", "intact, self-signed", (r) => expect(intact(r.signatures[0]!)).toBe(true)],
];

describe("public signed-PDF corpus: with the trust anchors of the originating project's test", () => {
  it("dss__self-issued-qesig.pdf: a chain to the anchor through a certificate that is not a CA is INDETERMINATE / CERTIFICATE_CHAIN_GENERAL_FAILURE", async () => {
    // DSS's test trusts LuxTrust Global Qualified CA 3 directly (it is not self-signed, so a
    // --trust folder would take it as an intermediate): build the store the same way
    const qca3 = parseCertificates(readFileSync(resolve(pkiDir, "external/luxtrust-global-qualified-ca-3.pem")));
    const r = await verifyPdfFile(resolve(corpusDir, "dss__self-issued-qesig.pdf"), { trust: { anchors: qca3, intermediates: [], skipped: [] } });
    const s = r.signatures[0]!;
    expect([s.indication, s.subIndication]).toEqual(["INDETERMINATE", "CERTIFICATE_CHAIN_GENERAL_FAILURE"]);
    const m = s.messages.join(" ");
    expect(m).toMatch(/CN=Aleksandr Beliakov.*but is not a CA certificate/);
    expect(m).toMatch(/lacks keyCertSign/);
    expect(m).toMatch(/chain to the trust anchor "CN=LuxTrust Global Qualified CA 3.*" is not valid/);
    expect(r.status).toBe("indeterminate");
  });
});

describe("public signed-PDF corpus", () => {
  it.each(table)("%s: %s", async (file, _what, check) => {
    const r = await verifyPdfFile(resolve(corpusDir, file), { trust: emptyTrustStore() });
    expect(r.status).not.toBe("error");
    expect(r.signatures.length).toBeGreaterThan(0);
    check(r);
    // without trusted roots nothing in this corpus may come out valid
    expect(r.status).not.toBe("valid");
  });
});
