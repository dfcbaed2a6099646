// Issue #12, items 8, 9 and 11: truncated files, deep nesting, broken /Prev
// chains, data after the CMS and metadata-only updates. The attack files are
// in tests/fixtures/pdf-attacks (README.md says how each was made); the
// truncated ones are cut here from committed signed fixtures.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pdf, repoRoot, testTrust } from "./test-support.ts";
import { verifyPdfBytes, verifyPdfFile } from "./verify-pdf.ts";

const attack = (name: string) => resolve(repoRoot, "tests/fixtures/pdf-attacks", name);

/** Named cut points of a signed file: where a download that stopped early would leave it. */
function cutPoints(b: Buffer): [string, number][] {
  const s = b.toString("latin1");
  const contents = [...s.matchAll(/\/Contents <30/g)].map((m) => m.index!);
  const lastXref = s.lastIndexOf("\nxref") + 1;
  const lastEof = s.lastIndexOf("%%EOF");
  const points: [string, number][] = [
    ["at 14,000 bytes", 14_000],
    ["at 300,000 bytes", 300_000],
    ["inside the first /Contents hex", contents[0]! + 200],
    ["inside the last /Contents hex", contents[contents.length - 1]! + 2000],
    ["right after the last /Contents", s.indexOf(">", contents[contents.length - 1]!) + 1],
    ["inside the last xref", lastXref + 30],
    ["inside the last trailer", s.lastIndexOf("trailer") + 12],
    ["between startxref and its offset", s.lastIndexOf("startxref") + 10],
    ["just before %%EOF", lastEof],
    ["inside %%EOF", lastEof + 3],
  ];
  return points.filter(([, at]) => at > 0 && at < b.length);
}

describe("truncated signed PDFs (item 8)", () => {
  for (const name of ["pdfsig-two-signatures.pdf", "rsa-sha256-cades.pdf", "two-signatures.pdf"]) {
    it(`${name}: every cut is error with a reason, never unsigned`, async () => {
      const full = readFileSync(pdf(name));
      const trust = await testTrust();
      expect((await verifyPdfBytes(full, { trust })).status).toBe("valid");
      const cuts = cutPoints(full);
      expect(cuts.length).toBeGreaterThanOrEqual(8);
      for (const [where, at] of cuts) {
        const r = await verifyPdfBytes(full.subarray(0, at), { trust });
        expect(r.status, `${name} cut ${where} (${at})`).toBe("error");
        expect(r.error, `${name} cut ${where}`).toMatch(/truncated or damaged/);
      }
    });
  }

  it("a cut exactly at the end of a complete revision is that revision, verified as such", async () => {
    const full = readFileSync(pdf("two-signatures.pdf"));
    const s = full.toString("latin1");
    // the first signed revision: the second %%EOF (the first ends the unsigned base)
    const firstSigned = s.indexOf("%%EOF", s.indexOf("%%EOF") + 5) + 6;
    const r = await verifyPdfBytes(full.subarray(0, firstSigned), { trust: await testTrust() });
    expect(r.status).toBe("valid");
    expect(r.signatures).toHaveLength(1);
  });

  it("the signatures of what is left are still reported on the error line", async () => {
    const full = readFileSync(pdf("two-signatures.pdf"));
    const s = full.toString("latin1");
    const r = await verifyPdfBytes(full.subarray(0, s.lastIndexOf("trailer") + 12), { trust: await testTrust() });
    expect(r.status).toBe("error");
    expect(r.signatures.length).toBeGreaterThanOrEqual(1);
    // the first signature's own checks pass; what follows it is not a complete update
    expect(r.signatures[0]!.signer?.commonName).toBeTruthy();
    expect(r.signatures[0]!.messages.join(" ")).toMatch(/not covered by any signature/);
  });
});

describe("deep nesting (item 9)", () => {
  it("a signed catalog nesting an array 100 or 600 deep is valid: the signature is not lost", async () => {
    const trust = await testTrust();
    const r100 = await verifyPdfFile(attack("deep-array-100.pdf"), { trust });
    expect(r100.status).toBe("valid");
    const r600 = await verifyPdfFile(attack("deep-array-600.pdf"), { trust });
    expect(r600.status).toBe("valid");
    expect(r600.signatures[0]!.coversWholeDocument).toBe(true);
    expect(r600.signatures[0]!.messages.join(" ")).toMatch(/nested more than 200 levels deep/);
  });

  it("a change 600 levels down, after signing, is still a change", async () => {
    const r = await verifyPdfFile(attack("deep-array-600-changed.pdf"), { trust: await testTrust() });
    expect(r.status).toBe("invalid");
    expect(r.signatures[0]!.laterChanges).toBe("content");
    expect(r.signatures[0]!.messages.join(" ")).toMatch(/catalog \/PortalsyncDeep changed after signing/);
  });
});

describe("broken /Prev chains (item 9)", () => {
  it.each(["prev-self-loop.pdf", "prev-two-cycle.pdf", "prev-outside-file.pdf", "prev-missing.pdf"])(
    "%s: the content changed behind it is found (invalid, with the reason)",
    async (name) => {
      const r = await verifyPdfFile(attack(name), { trust: await testTrust() });
      expect(r.status).toBe("invalid");
      const s = r.signatures[0]!;
      expect(s.indication).toBe("TOTAL_FAILED");
      expect(s.laterChanges).toBe("content");
      expect(s.modifiedAfterSigning).toBe(true);
      const text = s.messages.join(" ");
      expect(text).toMatch(/stream object 4 rewritten after signing/);
      expect(text).toMatch(/cross-reference data damaged: .*rebuilt by scanning/);
    },
  );

  it("names the loop", async () => {
    const r = await verifyPdfFile(attack("prev-self-loop.pdf"), { trust: await testTrust() });
    expect(r.signatures[0]!.messages.join(" ")).toMatch(/\/Prev loop/);
  });
});

describe("allowed but visible (item 11)", () => {
  it("non-zero bytes after the CMS inside /Contents: still valid, not the whole document, and said", async () => {
    const r = await verifyPdfFile(attack("contents-trailing-junk.pdf"), { trust: await testTrust() });
    expect(r.status).toBe("valid");
    const s = r.signatures[0]!;
    expect(s.coversWholeDocument).toBe(false);
    expect(s.messages.join(" ")).toMatch(/65 non-zero bytes follow the CMS inside \/Contents/);
    // the same file with zero padding (as signed) is whole
    const clean = await verifyPdfBytes(cleanPadding(readFileSync(attack("contents-trailing-junk.pdf"))), { trust: await testTrust() });
    expect(clean.signatures[0]!.coversWholeDocument).toBe(true);
  });

  it.each([
    ["metadata-rewritten-after-signing.pdf", /XMP metadata \(object 13\) rewritten/],
    ["metadata-added-after-signing.pdf", /XMP metadata \(catalog \/Metadata\) added/],
    ["info-rewritten-after-signing.pdf", /document information \(\/Info\) rewritten/],
  ])("%s: valid, laterChanges none, but modifiedAfterSigning and a message", async (name, why) => {
    const r = await verifyPdfFile(attack(name), { trust: await testTrust() });
    expect(r.status).toBe("valid");
    const s = r.signatures[0]!;
    expect(s).toMatchObject({ indication: "TOTAL_PASSED", laterChanges: "none", modifiedAfterSigning: true, coversWholeDocument: false });
    expect(s.messages.join(" ")).toMatch(/document metadata changed after signing, content unchanged/);
    expect(s.messages.join(" ")).toMatch(why);
  });
});

/** The junk file with its /Contents padding zeroed again. */
function cleanPadding(b: Buffer): Buffer {
  const out = Buffer.from(b);
  const s = out.toString("latin1");
  const c = s.indexOf("/Contents <") + "/Contents <".length;
  const end = s.indexOf(">", c);
  const hex = s.slice(c, end);
  const junkAt = hex.indexOf("3C736372697074"); // "<script"
  out.write("0".repeat(end - c - junkAt), c + junkAt, "latin1");
  return out;
}
