// OAuth2 client credentials (RFC 6749 §4.4) as the LGSP gateways serve them,
// shared by the source connectors: the token request's form, reading the
// answer, and a cache that reuses a token for most of its life.
//
// The refresh margin scales with the token's life. A fixed margin breaks short
// tokens: 30 s taken off an `expires_in: 20` left nothing, and every call
// fetched a new token. The margin is 15 % of the life, at most 30 s: a
// one-hour token is renewed 30 s early, a 20 s token after 17 s.

export const MAX_REFRESH_MARGIN_MS = 30_000;
export const REFRESH_MARGIN_SHARE = 0.15;
/** When the answer has no usable expires_in (RFC 6749 makes it optional). */
export const DEFAULT_TOKEN_LIFETIME_S = 300;

export function refreshMarginMs(lifetimeMs: number): number {
  return Math.min(MAX_REFRESH_MARGIN_MS, Math.round(lifetimeMs * REFRESH_MARGIN_SHARE));
}

export function clientCredentialsForm(clientId: string, clientSecret: string): URLSearchParams {
  return new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret });
}

export const TOKEN_REQUEST_HEADERS = { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" } as const;

export class TokenAnswerError extends Error {
  override name = "TokenAnswerError";
}

export interface TokenAnswer {
  accessToken: string;
  lifetimeMs: number;
}

/** The token endpoint's JSON (text or parsed) → token and life; throws TokenAnswerError. */
export function readTokenAnswer(body: string | unknown): TokenAnswer {
  let json: unknown = body;
  if (typeof body === "string") {
    try {
      json = JSON.parse(body);
    } catch {
      throw new TokenAnswerError("token endpoint answered with invalid JSON");
    }
  }
  const answer = (json ?? {}) as { access_token?: unknown; expires_in?: unknown };
  if (typeof answer.access_token !== "string" || answer.access_token === "") {
    throw new TokenAnswerError("token endpoint answered without access_token");
  }
  // Some gateways send expires_in as a string.
  const seconds = typeof answer.expires_in === "string" ? Number(answer.expires_in) : answer.expires_in;
  const life = typeof seconds === "number" && Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_TOKEN_LIFETIME_S;
  return { accessToken: answer.access_token, lifetimeMs: life * 1000 };
}

/**
 * One client's current token. Concurrent callers share one token request; a
 * token the server rejected (401) is dropped with `invalidate(token)`, which
 * leaves a newer token fetched meanwhile in place.
 */
export class TokenCache {
  #token: { value: string; renewAt: number } | null = null;
  #pending: Promise<string> | null = null;
  #fetches = 0;

  constructor(
    private readonly fetchToken: (signal?: AbortSignal) => Promise<TokenAnswer>,
    private readonly now: () => number,
  ) {}

  /** Tokens fetched so far. */
  get fetches(): number {
    return this.#fetches;
  }

  async get(signal?: AbortSignal): Promise<string> {
    if (this.#token && this.now() < this.#token.renewAt) return this.#token.value;
    this.#pending ??= this.#fetch(signal).finally(() => {
      this.#pending = null;
    });
    return this.#pending;
  }

  invalidate(token?: string): void {
    if (token === undefined || this.#token?.value === token) this.#token = null;
  }

  async #fetch(signal?: AbortSignal): Promise<string> {
    const requestedAt = this.now();
    const answer = await this.fetchToken(signal);
    this.#fetches += 1;
    // Counted from the request, not the answer: the server's clock started
    // before the answer reached us.
    this.#token = { value: answer.accessToken, renewAt: requestedAt + answer.lifetimeMs - refreshMarginMs(answer.lifetimeMs) };
    return answer.accessToken;
  }
}
