// Certification paths that reach a trusted root but break RFC 5280 rules
// (INDETERMINATE / CERTIFICATE_CHAIN_GENERAL_FAILURE) versus paths that reach
// no root at all (NO_CERTIFICATE_CHAIN_FOUND). Certificates are issued and
// documents signed with OpenSSL while the test runs.
import { afterAll, describe, expect, it } from "vitest";
import { join, resolve } from "node:path";
import { basePdf, issue, leader, opensslAvailable, pki, scratch, sign } from "../../tests/fixtures/pki/test-time-pdf.ts";
import { loadTrustStore } from "./trust-store.ts";
import { testTrust } from "./test-support.ts";
import { verifyPdfBytes } from "./verify-pdf.ts";

const tmp = scratch();
afterAll(() => tmp.done());

const root = { cert: join(pki, "certs/root.pem"), key: join(pki, "keys/root.key") };
const inter = { cert: join(pki, "certs/inter.pem"), key: join(pki, "keys/inter.key") };
const EE = ["basicConstraints=critical,CA:false", "keyUsage=critical,digitalSignature,nonRepudiation"];
const CA = ["basicConstraints=critical,CA:true", "keyUsage=critical,keyCertSign,cRLSign"];

async function signedBy(signer: { cert: string; key: string }, chain: string[]) {
  const bytes = sign(basePdf({ docMdp: "none" }), { ...signer, chain }, tmp.dir);
  return (await verifyPdfBytes(bytes, { trust: await testTrust() })).signatures[0]!;
}

describe.skipIf(!opensslAvailable())("certificate chains: no chain versus an invalid chain", () => {
  it("a signer certified by an end-entity certificate (self-issued from a personal certificate)", async () => {
    const self = issue(tmp.dir, "Tu cap tu chung thu ca nhan", leader, EE);
    const s = await signedBy(self, [leader.cert, inter.cert]);
    expect([s.indication, s.subIndication]).toEqual(["INDETERMINATE", "CERTIFICATE_CHAIN_GENERAL_FAILURE"]);
    const m = s.messages.join(" ");
    expect(m).toMatch(/"CN=Nguyễn Văn An.*" issued "CN=Tu cap tu chung thu ca nhan.*" but is not a CA certificate/);
    expect(m).toMatch(/may not sign certificates \(its key usage lacks keyCertSign\)/);
    // the signature itself is intact
    expect(m).not.toMatch(/does not verify/);

    // without the root the same signature has no chain at all
    const rootless = await loadTrustStore([resolve(pki, "trust-root-only")]);
    rootless.anchors = [];
    const bytes = sign(basePdf({ docMdp: "none" }), { ...self, chain: [leader.cert, inter.cert] }, tmp.dir);
    const none = (await verifyPdfBytes(bytes, { trust: rootless })).signatures[0]!;
    expect([none.indication, none.subIndication]).toEqual(["INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND"]);
    expect(none.messages.join(" ")).toMatch(/not a CA certificate/);
  });

  it("a CA whose key usage does not allow certificate signing", async () => {
    const ca = issue(tmp.dir, "CA khong ky chung thu", root, ["basicConstraints=critical,CA:true", "keyUsage=critical,digitalSignature"]);
    const leaf = issue(tmp.dir, "Nguoi ky A", ca, EE);
    const s = await signedBy(leaf, [ca.cert]);
    expect(s.subIndication).toBe("CERTIFICATE_CHAIN_GENERAL_FAILURE");
    expect(s.messages.join(" ")).toMatch(/CA khong ky chung thu.*lacks keyCertSign/);
  });

  it("a sub-CA under an issuing CA limited to path length 0", async () => {
    const sub = issue(tmp.dir, "CA cap duoi", inter, CA);
    const leaf = issue(tmp.dir, "Nguoi ky B", sub, EE);
    const s = await signedBy(leaf, [sub.cert, inter.cert]);
    expect(s.subIndication).toBe("CERTIFICATE_CHAIN_GENERAL_FAILURE");
    expect(s.messages.join(" ")).toMatch(/path length constraint of "CN=PortalSync Test Issuing CA.*" \(0\) exceeded/);
  });

  it("a proper sub-CA under the root is valid (the checks do not over-reject)", async () => {
    const sub = issue(tmp.dir, "CA hop le", root, CA);
    const leaf = issue(tmp.dir, "Nguoi ky C", sub, EE);
    const s = await signedBy(leaf, [sub.cert]);
    expect([s.indication, s.subIndication]).toEqual(["TOTAL_PASSED", null]);
  });
});
