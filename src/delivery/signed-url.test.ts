import { describe, expect, it } from "vitest";
import { checkDownload, contentDisposition, deriveDownloadKey, downloadPath, downloadUrl, linkExpiry, signDownload } from "./signed-url.ts";

const key = deriveDownloadKey("a hub secret of enough length");
const sha = "ab".repeat(32);

function parse(url: string) {
  const u = new URL(url, "http://hub");
  return { sha256: u.pathname.split("/").pop()!, exp: u.searchParams.get("exp") ?? undefined, name: u.searchParams.get("name") ?? undefined, sig: u.searchParams.get("sig") ?? undefined };
}

describe("signed download links", () => {
  it("round-trips and is deterministic", () => {
    const link = { sha256: sha, exp: 2_000_000_000, name: "152-QĐ-UBND.pdf" };
    const url = downloadUrl("https://hub.example.gov.vn/", key, link);
    expect(url).toMatch(/^https:\/\/hub\.example\.gov\.vn\/files\/a{1}b/);
    expect(url).toBe(downloadUrl("https://hub.example.gov.vn", key, link));
    expect(checkDownload(key, parse(url), 1_900_000_000)).toEqual({ ok: true });
  });

  it("refuses expired, tampered, renamed and foreign-key links", () => {
    const path = downloadPath(key, { sha256: sha, exp: 1000, name: "a.pdf" });
    expect(checkDownload(key, parse(path), 1001)).toEqual({ ok: false, reason: "expired" });
    expect(checkDownload(key, parse(path), 999)).toEqual({ ok: true });
    expect(checkDownload(key, { ...parse(path), name: "b.pdf" }, 999)).toEqual({ ok: false, reason: "bad-signature" });
    expect(checkDownload(key, { ...parse(path), exp: "2000" }, 999)).toEqual({ ok: false, reason: "bad-signature" });
    expect(checkDownload(key, { ...parse(path), sha256: "cd".repeat(32) }, 999)).toEqual({ ok: false, reason: "bad-signature" });
    expect(checkDownload(deriveDownloadKey("another secret entirely"), parse(path), 999)).toEqual({ ok: false, reason: "bad-signature" });
    expect(checkDownload(key, { ...parse(path), sig: undefined }, 999)).toEqual({ ok: false, reason: "malformed" });
    expect(checkDownload(key, { ...parse(path), sha256: "../etc/passwd" }, 999)).toEqual({ ok: false, reason: "malformed" });
  });

  it("signs a link without a name too, and rejects bad input", () => {
    const p = parse(downloadPath(key, { sha256: sha, exp: 5, name: null }));
    expect(p.name).toBeUndefined();
    expect(checkDownload(key, p, 1).ok).toBe(true);
    expect(() => signDownload(key, { sha256: "xyz", exp: 1, name: null })).toThrow();
  });

  it("anchors expiry to a time, so retries carry identical links", () => {
    expect(linkExpiry(new Date("2026-11-21T02:00:04.900Z"), 60)).toBe(Math.floor(Date.parse("2026-11-21T02:00:04Z") / 1000) + 60);
  });

  it("gives an ASCII fallback and a UTF-8 name for Vietnamese file names", () => {
    expect(contentDisposition("Quyết định 152 \"mới\".pdf", sha)).toBe(
      `attachment; filename="Quyet dinh 152 _moi_.pdf"; filename*=UTF-8''Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh%20152%20%22m%E1%BB%9Bi%22.pdf`,
    );
    expect(contentDisposition(null, sha)).toContain(sha);
    expect(contentDisposition("../../etc/passwd", sha)).toBe(`attachment; filename="passwd"; filename*=UTF-8''passwd`);
    expect(contentDisposition("..\\..\\boot.ini", sha)).toContain('filename="boot.ini"');
    expect(contentDisposition("a/b/", sha)).toContain(sha);
  });
});
