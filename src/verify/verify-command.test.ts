import { describe, expect, it } from "vitest";
import { PassThrough } from "node:stream";
import { resolve } from "node:path";
import { runVerifyCommand } from "./verify-command.ts";
import { pdf, pdfDir, pkiDir } from "./test-support.ts";

async function run(args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d) => (out += d));
  stderr.on("data", (d) => (err += d));
  const code = await runVerifyCommand(args, { stdout, stderr });
  return { code, out, err };
}
const TRUST = ["--trust", resolve(pkiDir, "trust")];

describe("portalsync verify", () => {
  it("--json: one line per file in input order; exit 0 when all valid", async () => {
    const files = [pdf("two-signatures.pdf"), pdf("ecdsa-sha256.pdf"), pdf("rsa-pss-sha256.pdf")];
    const { code, out } = await run([...TRUST, "--json", "--jobs", "2", ...files]);
    expect(code).toBe(0);
    const lines = out.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.file)).toEqual(files);
    expect(lines.every((l) => l.status === "valid")).toBe(true);
    expect(Object.keys(lines[0])).toEqual(["file", "status", "signatures"]);
    expect(Object.keys(lines[0].signatures[0])).toEqual([
      "field", "subFilter", "digestAlgorithm", "signatureAlgorithm", "signer", "signingTime", "coversWholeDocument",
      "modifiedAfterSigning", "laterChanges", "indication", "subIndication", "messages",
    ]);
  });

  it("a folder is walked recursively in sorted order; exit 1 when any file is not valid; --crl", async () => {
    const { code, out } = await run([...TRUST, "--json", "--crl", resolve(pkiDir, "crl/inter.crl.pem"), pdfDir]);
    expect(code).toBe(1);
    const lines = out.trim().split("\n").map((l) => JSON.parse(l));
    const names = lines.map((l) => l.file.split("/").pop());
    expect(names).toEqual([...names].sort());
    const by = Object.fromEntries(lines.map((l) => [l.file.split("/").pop(), l]));
    expect(by["revoked-signer.pdf"].status).toBe("invalid");
    expect(by["revoked-signer.pdf"].signatures[0].subIndication).toBe("REVOKED");
    expect(by["unsigned.pdf"].status).toBe("unsigned");
    expect(by["content-after-signing.pdf"].signatures[0].modifiedAfterSigning).toBe(true);
  });

  it("error lines carry an error message", async () => {
    const { code, out } = await run([...TRUST, "--json", "/nonexistent/file.pdf"]);
    expect(code).toBe(1);
    expect(JSON.parse(out)).toMatchObject({ file: "/nonexistent/file.pdf", status: "error", error: expect.any(String), signatures: [] });
  });

  it("human output: Vietnamese first, with a summary", async () => {
    const { code, out } = await run([...TRUST, "--jobs", "1", pdf("two-signatures.pdf"), pdf("content-after-signing.pdf")]);
    expect(code).toBe(1);
    expect(out).toMatch(/Hợp lệ \/ valid/);
    expect(out).toMatch(/Không hợp lệ \/ invalid/);
    expect(out).toMatch(/Nguyễn Văn An/);
    expect(out).toMatch(/Tổng cộng \/ total: 2/);
  });

  it.each([
    [["--bogus", "x.pdf"]],
    [[]],
    [["--at", "yesterday", "x.pdf"]],
    [["--jobs", "0", "x.pdf"]],
    [["--trust", "/nonexistent-dir", "x.pdf"]],
    [["--crl", "/nonexistent.crl", "x.pdf"]],
  ])("usage errors exit 2: %j", async (args) => {
    const { code, err } = await run(args);
    expect(code).toBe(2);
    expect(err).toMatch(/Usage: portalsync verify/);
  });

  it("default trust store ships only the Vietnamese roots, so the test PKI is not trusted", async () => {
    const { code, out } = await run(["--json", pdf("rsa-sha256-cades.pdf")]);
    expect(code).toBe(1);
    expect(JSON.parse(out).signatures[0].subIndication).toBe("NO_CERTIFICATE_CHAIN_FOUND");
  });
});

describe("shipped trust store", () => {
  it("holds the two Vietnamese roots as anchors and two intermediates", async () => {
    const { loadTrustStore, defaultTrustDir } = await import("./trust-store.ts");
    const t = await loadTrustStore([defaultTrustDir()]);
    expect(t.skipped).toEqual([]);
    expect(t.anchors.map((c) => c.fingerprint.toUpperCase()).sort()).toEqual([
      "BAC8BF609AB420A8EE1780D74F4DE5C7F7184959D2A7375B0A75E4C29F0908E7",
      "F04BA4B459A7C9A1B971AD9B1CB833E695A80C79AEA63B174B66A70EDFE2FDB8",
    ]);
    expect(t.intermediates).toHaveLength(2);
  });
});
