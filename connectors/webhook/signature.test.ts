import { createHmac } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { generateSecret, InvalidSecretError, secretProblem, signatureHeader, signPayload, verifyWebhook } from "./signature.ts";

// Vectors computed outside this code base with the OpenSSL CLI:
//   printf '%s' "$id.$ts.$body" | openssl dgst -sha256 -mac HMAC -macopt hexkey:<key hex> -binary | base64
// The first is also the example in the Standard Webhooks specification.
const SPEC = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};
const VIETNAMESE = {
  // base64 of the 32 ASCII bytes "portalsync-test-key-32-bytes!!!!"
  secret: "whsec_cG9ydGFsc3luYy10ZXN0LWtleS0zMi1ieXRlcyEhISE=",
  id: "msg_2f1c",
  timestamp: 1795658404,
  body: '{"type":"document.published","data":{"id":"doc-1","title":"Quyết định về việc công bố thủ tục hành chính"}}',
  signature: "v1,jgWyTcQBk2JsrtC9ld/AIfw3vd+3Q6Ldj23qxGxMxwQ=",
};

const at = (seconds: number) => () => new Date(seconds * 1000);

function headers(id: string, timestamp: number, signature: string): Record<string, string> {
  return { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature };
}

describe("signPayload", () => {
  it("matches the OpenSSL-computed vectors, including UTF-8 bodies", () => {
    for (const v of [SPEC, VIETNAMESE]) {
      expect(signPayload(v.secret, v.id, v.timestamp, v.body)).toBe(v.signature);
    }
  });

  it("agrees with a plain node:crypto HMAC over id.timestamp.body", () => {
    const secret = generateSecret();
    const key = Buffer.from(secret.slice("whsec_".length), "base64");
    const body = JSON.stringify({ title: "Thông báo", n: 1 });
    const expected = createHmac("sha256", key).update(`m1.1700000000.${body}`, "utf8").digest("base64");
    expect(signPayload(secret, "m1", 1700000000, body)).toBe(`v1,${expected}`);
  });

  it("rejects malformed secrets and non-integer timestamps", () => {
    expect(() => signPayload("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "m", 1, "{}")).toThrow(InvalidSecretError);
    expect(() => signPayload("whsec_not base64!", "m", 1, "{}")).toThrow(/base64/);
    expect(() => signPayload("whsec_AAAA", "m", 1, "{}")).toThrow(/24–64 bytes/);
    expect(() => signPayload(SPEC.secret, "m", 1.5, "{}")).toThrow(RangeError);
    expect(() => signatureHeader([], "m", 1, "{}")).toThrow(/at least one secret/);
  });
});

describe("generateSecret", () => {
  it("makes whsec_ + 32 random bytes that the reference library accepts", () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(secretProblem(secret)).toBeNull();
    expect(generateSecret()).not.toBe(secret);
    const fixed = generateSecret((size) => new Uint8Array(size).fill(7));
    expect(Buffer.from(fixed.slice(6), "base64")).toEqual(Buffer.alloc(32, 7));
    expect(() => new Webhook(secret)).not.toThrow();
  });
});

describe("cross-check with the standardwebhooks library", () => {
  const body = JSON.stringify({ type: "document.published", data: { id: "d1", title: "Kế hoạch số 12/KH-UBND" } });

  it("the library verifies what we sign", () => {
    const secret = generateSecret();
    const timestamp = Math.floor(Date.now() / 1000);
    const ours = signatureHeader([secret], "msg_1", timestamp, body);
    expect(new Webhook(secret).verify(body, headers("msg_1", timestamp, ours))).toEqual(JSON.parse(body));
  });

  it("the library verifies a rotation header with either secret", () => {
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()];
    const timestamp = Math.floor(Date.now() / 1000);
    const both = signatureHeader([oldSecret, newSecret], "msg_2", timestamp, body);
    expect(both.split(" ")).toHaveLength(2);
    for (const secret of [oldSecret, newSecret]) {
      expect(() => new Webhook(secret).verify(body, headers("msg_2", timestamp, both))).not.toThrow();
    }
    expect(() => new Webhook(generateSecret()).verify(body, headers("msg_2", timestamp, both))).toThrow();
  });

  it("we verify what the library signs", () => {
    const secret = generateSecret();
    const timestamp = 1_800_000_000;
    const theirs = new Webhook(secret).sign("msg_3", new Date(timestamp * 1000), body);
    const result = verifyWebhook([secret], headers("msg_3", timestamp, theirs), body, { now: at(timestamp + 10) });
    expect(result).toEqual({ ok: true, id: "msg_3", timestamp, secretIndex: 0 });
  });
});

describe("verifyWebhook", () => {
  const secret = VIETNAMESE.secret;
  const good = headers(VIETNAMESE.id, VIETNAMESE.timestamp, VIETNAMESE.signature);
  const now = at(VIETNAMESE.timestamp + 1);

  it("accepts the vector, with Headers or a plain object in any case", () => {
    expect(verifyWebhook([secret], good, VIETNAMESE.body, { now }).ok).toBe(true);
    expect(verifyWebhook([secret], new Headers(good), VIETNAMESE.body, { now }).ok).toBe(true);
    const upper = Object.fromEntries(Object.entries(good).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyWebhook([secret], upper, VIETNAMESE.body, { now }).ok).toBe(true);
  });

  it("rejects a tampered body, id or timestamp", () => {
    const tamperedBody = VIETNAMESE.body.replace("doc-1", "doc-2");
    expect(verifyWebhook([secret], good, tamperedBody, { now })).toMatchObject({ ok: false, reason: "no-matching-signature" });
    expect(verifyWebhook([secret], { ...good, "webhook-id": "msg_other" }, VIETNAMESE.body, { now })).toMatchObject({
      ok: false,
      reason: "no-matching-signature",
    });
    const shifted = { ...good, "webhook-timestamp": String(VIETNAMESE.timestamp + 1) };
    expect(verifyWebhook([secret], shifted, VIETNAMESE.body, { now })).toMatchObject({ ok: false, reason: "no-matching-signature" });
  });

  it("rejects the wrong secret, a missing header and non-v1 entries", () => {
    expect(verifyWebhook([generateSecret()], good, VIETNAMESE.body, { now })).toMatchObject({ ok: false, reason: "no-matching-signature" });
    const { "webhook-id": _omitted, ...noId } = good;
    expect(verifyWebhook([secret], noId, VIETNAMESE.body, { now })).toMatchObject({
      ok: false,
      reason: "missing-headers",
      message: "missing header(s): webhook-id",
    });
    const v2 = { ...good, "webhook-signature": VIETNAMESE.signature.replace("v1,", "v2,") };
    expect(verifyWebhook([secret], v2, VIETNAMESE.body, { now })).toMatchObject({ ok: false, message: "webhook-signature has no v1 entry" });
    expect(verifyWebhook([secret], { ...good, "webhook-timestamp": "soon" }, VIETNAMESE.body, { now })).toMatchObject({
      ok: false,
      reason: "invalid-timestamp",
    });
  });

  it("enforces the timestamp tolerance both ways, 300 s by default", () => {
    const ts = VIETNAMESE.timestamp;
    const check = (nowSeconds: number, toleranceSeconds?: number) =>
      verifyWebhook([secret], good, VIETNAMESE.body, { now: at(nowSeconds), toleranceSeconds });
    expect(check(ts + 300).ok).toBe(true);
    expect(check(ts + 301)).toMatchObject({ ok: false, reason: "timestamp-too-old" });
    expect(check(ts - 300).ok).toBe(true);
    expect(check(ts - 301)).toMatchObject({ ok: false, reason: "timestamp-too-new" });
    expect(check(ts + 30, 10)).toMatchObject({ ok: false, reason: "timestamp-too-old" });
  });

  describe("rotation", () => {
    const oldSecret = generateSecret();
    const newSecret = generateSecret();
    const body = '{"data":{"id":"x"}}';
    const ts = 1_800_000_000;
    const opts = { now: at(ts) };

    it("a receiver holding both secrets accepts messages signed with either", () => {
      const byOld = headers("m", ts, signatureHeader([oldSecret], "m", ts, body));
      const byNew = headers("m", ts, signatureHeader([newSecret], "m", ts, body));
      expect(verifyWebhook([oldSecret, newSecret], byOld, body, opts)).toMatchObject({ ok: true, secretIndex: 0 });
      expect(verifyWebhook([oldSecret, newSecret], byNew, body, opts)).toMatchObject({ ok: true, secretIndex: 1 });
    });

    it("a receiver that already switched to the new secret accepts a header carrying both", () => {
      const both = headers("m", ts, signatureHeader([oldSecret, newSecret], "m", ts, body));
      expect(verifyWebhook([newSecret], both, body, opts)).toMatchObject({ ok: true, secretIndex: 0 });
      expect(verifyWebhook([oldSecret], both, body, opts)).toMatchObject({ ok: true, secretIndex: 0 });
      expect(verifyWebhook([generateSecret()], both, body, opts).ok).toBe(false);
    });
  });
});
