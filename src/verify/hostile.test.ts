// Hostile and broken input: a clear error or invalid, never a crash or a hang,
// and bounded memory on a 200 MB file.
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pdf, pkiDir, testTrust } from "./test-support.ts";
import { verifyPdfBytes, verifyPdfFile } from "./verify-pdf.ts";
import { writePaddedPdf } from "../../tests/fixtures/pki/padded-pdf.ts";

const enc = (s: string) => Buffer.from(s, "latin1");

/** A minimal classic-xref PDF from object bodies (1-based), offsets computed. */
function tinyPdf(objs: string[], trailer = "/Root 1 0 R"): Buffer {
  let s = "%PDF-1.7\n";
  const offs: number[] = [];
  objs.forEach((body, i) => {
    offs.push(s.length);
    s += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const x = s.length;
  s += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n` + offs.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("");
  s += `trailer\n<< /Size ${objs.length + 1} ${trailer} >>\nstartxref\n${x}\n%%EOF\n`;
  return enc(s);
}

function patchByteRange(bytes: Buffer, f: (n: number[]) => number[]): Buffer {
  const s = bytes.toString("latin1");
  const m = /\/ByteRange \[([\d ]+)\]/.exec(s)!;
  const raw = m[1]!.trim().split(/\s+/);
  const repl = `/ByteRange [${f(raw.map(Number)).map((n, i) => String(n).padStart(raw[i]!.length, "0")).join(" ")}]`;
  if (repl.length !== m[0].length) throw new Error("ByteRange patch changed the length");
  const out = Buffer.from(bytes);
  out.write(repl, m.index, "latin1");
  return out;
}

describe("hostile input", () => {
  it("non-PDF and empty input are errors with a reason", async () => {
    const trust = await testTrust();
    for (const b of [enc(""), enc("hello world"), enc("PK\x03\x04 not a pdf"), Buffer.alloc(5000, 0xff)]) {
      const r = await verifyPdfBytes(b, { trust });
      expect(r.status).toBe("error");
      expect(r.error).toMatch(/not a PDF/);
    }
  });

  it("a missing file is an error", async () => {
    const r = await verifyPdfFile("/nonexistent/x.pdf", { trust: await testTrust() });
    expect(r.status).toBe("error");
    expect(r.error).toMatch(/cannot open/);
  });

  it("truncated signed files are never valid and never crash", async () => {
    const full = readFileSync(pdf("two-signatures.pdf"));
    const trust = await testTrust();
    const sigStart = full.indexOf("/Type /Sig");
    for (let cut = 10; cut < full.length; cut += Math.ceil(full.length / 40)) {
      const r = await verifyPdfBytes(full.subarray(0, cut), { trust });
      expect(["error", "invalid", "unsigned", "indeterminate"]).toContain(r.status);
      if (cut > sigStart + 200) expect(["error", "invalid"]).toContain(r.status);
      if (r.status === "error") expect(r.error).toBeTruthy();
      for (const s of r.signatures) expect(s.messages.length).toBeGreaterThan(0);
    }
  });

  it("garbage /Contents is invalid: CMS does not decode", async () => {
    const bytes = Buffer.from(readFileSync(pdf("rsa-sha256-cades.pdf")));
    const i = bytes.indexOf("/Contents <") + 11;
    bytes.write("DEADBEEF0102030405060708090A0B0C", i, "latin1");
    const r = await verifyPdfBytes(bytes, { trust: await testTrust() });
    expect(r.status).toBe("invalid");
    expect(r.signatures[0]!.subIndication).toBe("FORMAT_FAILURE");
    expect(r.signatures[0]!.messages.join(" ")).toMatch(/CMS/);
  });

  it("non-hex /Contents is invalid", async () => {
    const bytes = Buffer.from(readFileSync(pdf("rsa-sha256-cades.pdf")));
    const i = bytes.indexOf("/Contents <") + 11;
    bytes.write("ZZZZ", i, "latin1");
    const r = await verifyPdfBytes(bytes, { trust: await testTrust() });
    expect(["invalid", "error"]).toContain(r.status);
  });

  it("ByteRange not covering the file, overlapping or past the end", async () => {
    const bytes = readFileSync(pdf("rsa-sha256-cades.pdf"));
    const trust = await testTrust();
    const cases: [string, (n: number[]) => number[], RegExp][] = [
      ["short tail", ([a, b, c, d]) => [a!, b!, c!, d! - 100], /inside a revision/],
      ["overlap", ([a, b, c, d]) => [a!, c! + 10, c!, d!], /overlap|not exactly/],
      ["past the end", ([a, b, c, d]) => [a!, b!, c!, d! + 1000], /past the end/],
      ["not from 0", ([, b, c, d]) => [5, b!, c!, d!], /does not start at byte 0/],
      ["gap moved", ([a, b, c, d]) => [a!, b! - 2, c! - 2, d! + 2], /not exactly this signature's/],
    ];
    for (const [name, f, reason] of cases) {
      const r = await verifyPdfBytes(patchByteRange(bytes, f), { trust });
      expect(r.status, name).toBe("invalid");
      expect(r.signatures[0]!.subIndication, name).toBe("FORMAT_FAILURE");
      expect(r.signatures[0]!.messages.join(" "), name).toMatch(reason);
    }
  });

  it("object and reference loops terminate", async () => {
    const trust = await testTrust();
    const loops = [
      // page tree and field tree loops, a reference cycle, a self-parented field
      tinyPdf(["<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [3 0 R 4 0 R] >> >>", "<< /Type /Pages /Kids [2 0 R] /Count 1 >>", "<< /FT /Sig /Kids [3 0 R] /Parent 3 0 R >>", "5 0 R", "4 0 R"]),
      tinyPdf(["2 0 R", "1 0 R"]),
      tinyPdf(["<< /Type /Catalog /AcroForm 2 0 R >>", "<< /Fields 2 0 R >>"]),
    ];
    for (const b of loops) {
      const r = await verifyPdfBytes(b, { trust });
      expect(["unsigned", "error"]).toContain(r.status);
    }
  });

  it("deep nesting and huge /Length do not crash", async () => {
    const trust = await testTrust();
    const deep = tinyPdf(["<< /Type /Catalog /X " + "[".repeat(50_000) + "]".repeat(50_000) + " >>"]);
    expect(["unsigned", "error"]).toContain((await verifyPdfBytes(deep, { trust })).status);
    const huge = tinyPdf(["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 /Length 99999999999999 >>\nstream\nabc\nendstream"]);
    expect((await verifyPdfBytes(huge, { trust })).status).toBe("unsigned");
    const bomb = tinyPdf(["<< /Type /Catalog >>"], "/Root 1 0 R /Prev 999999999 /XRefStm 123456789");
    expect(["unsigned", "error"]).toContain((await verifyPdfBytes(bomb, { trust })).status);
  });

  it("xref pointing to the wrong places is rebuilt or reported", async () => {
    const good = readFileSync(pdf("rsa-sha256-cades.pdf"));
    const s = good.toString("latin1");
    const bad = enc(s.replace(/startxref\s+\d+\s+%%EOF\s*$/, "startxref\n12\n%%EOF\n"));
    const r = await verifyPdfBytes(bad, { trust: await testTrust() });
    expect(r.status).not.toBe("valid"); // the last revision's bytes changed: its signature no longer matches
    expect(r.status).not.toBe("unsigned");
  });

  it("200 MB signed file: valid, streamed, bounded memory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "portalsync-big-"));
    try {
      const cms = readFileSync(resolve(pkiDir, "big-200mb.cms.der")).toString("hex").toUpperCase();
      const file = join(dir, "big.pdf");
      const layout = writePaddedPdf(file, 200 * 1024 * 1024, 200, cms);
      expect(layout.size).toBeGreaterThan(200 * 1024 * 1024);
      const before = process.memoryUsage().rss;
      let peak = before;
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
      const t0 = performance.now();
      const r = await verifyPdfFile(file, { trust: await testTrust() });
      const ms = performance.now() - t0;
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().rss);
      expect(r.status).toBe("valid");
      expect(r.signatures[0]!.coversWholeDocument).toBe(true);
      expect(peak - before).toBeLessThan(64 * 1024 * 1024);
      expect(ms).toBeLessThan(15_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
