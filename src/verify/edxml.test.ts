import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { verifyEdxml } from "./index.ts";
import { edxmlCorpusDir, edxmlDir, testTrust } from "./test-support.ts";

describe("edXML", () => {
  it("package signed with xmlsec1 (enveloped, RSA-SHA256): valid, and its PDF verified", async () => {
    const r = await verifyEdxml(readFileSync(resolve(edxmlDir, "signed-rsa-sha256.edxml")), { trust: await testTrust() });
    expect(r.status).toBe("valid");
    expect(r.signature).toMatchObject({ namespace: "xmldsig", signatureAlgorithm: "rsa", digestAlgorithm: "sha256", indication: "TOTAL_PASSED", coversWholeMessage: true });
    expect(r.signature?.signer?.commonName).toBe("UBND Tỉnh Thử Nghiệm");
    expect(r.attachments).toHaveLength(1);
    expect(r.attachments[0]!.entry).toMatch(/\.pdf$/);
    expect(r.attachments[0]!.report?.status).toBe("valid");
    expect(r.attachments[0]!.report?.signatures).toHaveLength(2);
  });

  it("tampered package (document number changed): HASH_FAILURE", async () => {
    const r = await verifyEdxml(readFileSync(resolve(edxmlDir, "signed-rsa-sha256-tampered.edxml"), "utf8"), { trust: await testTrust() });
    expect(r.status).toBe("invalid");
    expect(r.signature?.subIndication).toBe("HASH_FAILURE");
  });

  it("real VNPT-CA sample (rsa-sha1, namespace-less Signature): reported clearly", async () => {
    const r = await verifyEdxml(readFileSync(resolve(edxmlCorpusDir, "pvn_2019_signed_vnptca.edxml")), { trust: await testTrust() });
    expect(r.signature?.namespace).toBe("none");
    expect(r.signature?.signatureAlgorithm).toBe("rsa");
    expect(r.signature?.digestAlgorithm).toBe("sha1");
    expect(r.signature?.signer?.commonName).toBe("TRẦN ANH TUẤN");
    // the SignatureValue is genuine over SignedInfo as signed, but the message was edited afterwards
    expect(r.signature?.messages.join(" ")).toMatch(/SignatureValue verifies over SignedInfo only as originally signed/);
    expect(r.signature?.subIndication).toBe("HASH_FAILURE");
    expect(r.status).toBe("invalid");
  });

  it("unsigned status message is unsigned; DTDs and garbage are errors", async () => {
    const trust = await testTrust();
    expect((await verifyEdxml(readFileSync(resolve(edxmlCorpusDir, "status.edxml")), { trust })).status).toBe("unsigned");
    const dtd = '<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY a "aaaa">]><edXML>&a;</edXML>';
    expect(await verifyEdxml(dtd, { trust })).toMatchObject({ status: "error", error: expect.stringMatching(/DTD/) });
    expect((await verifyEdxml("<edXML><unclosed></edXML>", { trust })).status).toBe("error");
    expect((await verifyEdxml("<html/>", { trust })).status).toBe("error");
  });
});
