// How the connector proves who it is to Liferay: HTTP Basic, or an OAuth2
// client-credentials token from /o/oauth2/token, cached and shared by every
// call of the site's client, refreshed shortly before it expires.

import { LiferayError, USER_AGENT, classifyStatus, liferayMessage, networkError, type Authorizer } from "./http.ts";
import type { ConnectorContext } from "../sdk.ts";

export const TOKEN_PATH = "/o/oauth2/token";

/**
 * How long before expiry a token is replaced: a tenth of its lifetime,
 * between 1 s and 5 min. Liferay's default lifetime is 600 s (refreshed at
 * 540 s); a one-minute token is still used for 54 s, not refreshed on every call.
 */
export function refreshMargin(lifetimeMs: number): number {
  return Math.min(300_000, Math.max(1_000, lifetimeMs / 10));
}

export function basicAuth(username: string, password: string): Authorizer {
  const header = `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
  return {
    kind: "basic",
    header: async () => header,
    // The same password will be refused again.
    refused: () => false,
  };
}

interface Token {
  header: string;
  /** When to stop using it (expiry minus the margin), epoch ms. */
  renewAt: number;
}

export interface OAuth2Options {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  fetch: ConnectorContext["fetch"];
  now: ConnectorContext["now"];
}

export class OAuth2Authorizer implements Authorizer {
  readonly kind = "oauth2";
  #token: Token | null = null;
  #pending: Promise<Token> | null = null;
  /** Tokens fetched (tests and the console's check use it). */
  fetched = 0;

  constructor(readonly options: OAuth2Options) {}

  async header(signal: AbortSignal): Promise<string> {
    const token = this.#token;
    if (token && this.options.now().getTime() < token.renewAt) return token.header;
    // Concurrent calls wait for the one request in flight instead of each asking.
    this.#pending ??= this.#fetchToken(signal).finally(() => {
      this.#pending = null;
    });
    return (await this.#pending).header;
  }

  refused(header: string): boolean {
    if (this.#token?.header !== header) return true; // already replaced: just retry
    this.#token = null;
    return true;
  }

  async #fetchToken(signal: AbortSignal): Promise<Token> {
    const url = `${this.options.baseUrl}${TOKEN_PATH}`;
    const body = new URLSearchParams({ grant_type: "client_credentials", client_id: this.options.clientId, client_secret: this.options.clientSecret });
    let response: Response;
    let text: string;
    try {
      response = await this.options.fetch(url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json", "user-agent": USER_AGENT },
        body,
        redirect: "manual",
        signal,
      });
      text = await response.text();
    } catch (error) {
      throw networkError(error, signal);
    }
    if (!response.ok) {
      // RFC 6749 answers a wrong client id/secret with 400 or 401 `invalid_client`:
      // for the hub that is the site's credentials failing.
      const invalidClient = response.status === 400 || response.status === 401;
      const outcome = invalidClient ? "unauthorized" : (classifyStatus(response.status) as Exclude<ReturnType<typeof classifyStatus>, "delivered">);
      throw new LiferayError(outcome, response.status, `OAuth2 token request refused: ${liferayMessage(response.status, response.statusText, text)}`);
    }
    let parsed: { access_token?: unknown; token_type?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new LiferayError("retry", response.status, "OAuth2 token endpoint answered something that is not JSON");
    }
    if (typeof parsed.access_token !== "string" || !parsed.access_token) {
      throw new LiferayError("unauthorized", response.status, "OAuth2 token endpoint answered without an access_token");
    }
    const lifetimeMs = (typeof parsed.expires_in === "number" && parsed.expires_in > 0 ? parsed.expires_in : 600) * 1000;
    this.fetched += 1;
    const token = { header: `Bearer ${parsed.access_token}`, renewAt: this.options.now().getTime() + lifetimeMs - refreshMargin(lifetimeMs) };
    this.#token = token;
    return token;
  }
}
