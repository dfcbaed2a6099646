// Standard Webhooks v1 signing and verification (symmetric, `whsec_` secrets).
//
// The HMAC itself comes from the `standardwebhooks` reference library so the
// signed bytes and the `v1,<base64>` format are exactly what the spec's own
// implementation produces. The library is wrapped rather than used as-is
// because its `verify` accepts one secret only (rotation needs two), reads the
// wall clock with a fixed 5-minute tolerance (tests and the simulator inject
// time), and JSON-parses the body as a side effect.

import { randomBytes, timingSafeEqual } from "node:crypto";
import { Webhook } from "standardwebhooks";

export const SECRET_PREFIX = "whsec_";
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The spec recommends 24–64 random bytes for a symmetric secret. */
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export class InvalidSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidSecretError";
  }
}

/** `null` when the secret is well formed, else the reason (for config validation). */
export function secretProblem(secret: string): string | null {
  if (!secret.startsWith(SECRET_PREFIX)) return `secret must start with "${SECRET_PREFIX}"`;
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (encoded.length === 0 || !BASE64.test(encoded)) return "secret key is not valid base64";
  const bytes = Buffer.from(encoded, "base64").length;
  // Shorter keys are accepted by other senders, but we only ever generate 32
  // bytes, and a short key in configuration is almost always a paste error.
  if (bytes < MIN_KEY_BYTES || bytes > MAX_KEY_BYTES) {
    return `secret key must be ${MIN_KEY_BYTES}–${MAX_KEY_BYTES} bytes, got ${bytes}`;
  }
  return null;
}

// Decoding the key is cheap but not free; a hub signs many messages per secret.
const signers = new Map<string, Webhook>();
const MAX_CACHED_SIGNERS = 1000;

function signerFor(secret: string): Webhook {
  let signer = signers.get(secret);
  if (signer) return signer;
  const problem = secretProblem(secret);
  if (problem) throw new InvalidSecretError(problem);
  signer = new Webhook(secret);
  if (signers.size >= MAX_CACHED_SIGNERS) signers.clear();
  signers.set(secret, signer);
  return signer;
}

/**
 * One signature entry, `v1,<base64 HMAC-SHA256>` over `${id}.${timestamp}.${body}`.
 * Throws InvalidSecretError for a malformed secret (a configuration error).
 */
export function signPayload(secret: string, id: string, timestamp: number, body: string): string {
  if (!Number.isSafeInteger(timestamp)) throw new RangeError(`timestamp must be integer Unix seconds, got ${timestamp}`);
  return signerFor(secret).sign(id, new Date(timestamp * 1000), body);
}

/**
 * The `webhook-signature` header: one entry per secret, space-separated, so a
 * receiver that knows either the old or the new secret accepts the message.
 */
export function signatureHeader(secrets: readonly string[], id: string, timestamp: number, body: string): string {
  if (secrets.length === 0) throw new InvalidSecretError("at least one secret is required to sign");
  return [...new Set(secrets)].map((secret) => signPayload(secret, id, timestamp, body)).join(" ");
}

/** A new random secret: `whsec_` + base64 of 32 random bytes. */
export function generateSecret(random: (size: number) => Uint8Array = randomBytes): string {
  return SECRET_PREFIX + Buffer.from(random(32)).toString("base64");
}

export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

export interface VerifyOptions {
  toleranceSeconds?: number;
  now?: () => Date;
}

export type VerifyFailure =
  | "missing-headers"
  | "invalid-timestamp"
  | "timestamp-too-old"
  | "timestamp-too-new"
  | "no-matching-signature";

export type VerifyResult =
  | { ok: true; id: string; timestamp: number; /** Index in `secrets` of the secret that matched. */ secretIndex: number }
  | { ok: false; reason: VerifyFailure; message: string };

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value.join(" ") : value;
  }
  return undefined;
}

function sameBytes(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  // Lengths of base64 HMAC-SHA256 are public (always 44), so an early length
  // check leaks nothing; timingSafeEqual requires equal lengths anyway.
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Verifies a received message against any of `secrets` (several during
 * rotation). Never throws for bad input; a malformed secret in `secrets`
 * still throws, since that is the receiver's own configuration error.
 */
export function verifyWebhook(
  secrets: readonly string[],
  headers: WebhookHeaders,
  body: string,
  options: VerifyOptions = {},
): VerifyResult {
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const id = header(headers, "webhook-id");
  const timestampHeader = header(headers, "webhook-timestamp");
  const signature = header(headers, "webhook-signature");
  if (!id || !timestampHeader || !signature) {
    const missing = [
      !id && "webhook-id",
      !timestampHeader && "webhook-timestamp",
      !signature && "webhook-signature",
    ].filter(Boolean);
    return { ok: false, reason: "missing-headers", message: `missing header(s): ${missing.join(", ")}` };
  }
  if (!/^\d{1,15}$/.test(timestampHeader.trim())) {
    return { ok: false, reason: "invalid-timestamp", message: `webhook-timestamp is not Unix seconds: "${timestampHeader}"` };
  }
  const timestamp = Number(timestampHeader.trim());
  const nowSeconds = Math.floor((options.now?.() ?? new Date()).getTime() / 1000);
  if (nowSeconds - timestamp > tolerance) {
    return {
      ok: false,
      reason: "timestamp-too-old",
      message: `webhook-timestamp ${timestamp} is ${nowSeconds - timestamp}s old (tolerance ${tolerance}s)`,
    };
  }
  if (timestamp - nowSeconds > tolerance) {
    return {
      ok: false,
      reason: "timestamp-too-new",
      message: `webhook-timestamp ${timestamp} is ${timestamp - nowSeconds}s in the future (tolerance ${tolerance}s)`,
    };
  }
  const presented = signature
    .split(" ")
    .filter((entry) => entry.startsWith("v1,"))
    .map((entry) => entry.slice(3));
  // Every (secret, entry) pair is compared, without early exit, so the time
  // taken does not reveal which secret or entry matched.
  let matched = -1;
  secrets.forEach((secret, index) => {
    const expected = signPayload(secret, id, timestamp, body).slice(3);
    for (const candidate of presented) {
      if (sameBytes(candidate, expected) && matched < 0) matched = index;
    }
  });
  if (matched < 0) {
    return {
      ok: false,
      reason: "no-matching-signature",
      message:
        presented.length === 0
          ? "webhook-signature has no v1 entry"
          : "no v1 signature matched any of the receiver's secrets (wrong secret, or body/id/timestamp changed in transit)",
    };
  }
  return { ok: true, id, timestamp, secretIndex: matched };
}
