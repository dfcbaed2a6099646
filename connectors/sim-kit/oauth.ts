// OAuth2 client-credentials as the LGSP gateways serve it, for simulators:
// `POST {base}/oauth2/token` (form fields) and a Bearer check that also applies
// the tokenExpiry fault (revoking the presented token, so only a refresh helps).

import { randomBytes } from "node:crypto";
import type { Hono, MiddlewareHandler } from "hono";
import type { FaultSwitchboard } from "./faults.ts";

export interface TokenIssuerOptions {
  clientId: string;
  clientSecret: string;
  /** expires_in announced and enforced (seconds). Default 3600. */
  ttlSeconds?: number;
  now?: () => Date;
}

export class TokenIssuer {
  readonly #tokens = new Map<string, number>();
  readonly #options: Required<TokenIssuerOptions>;
  /** Tokens issued so far (tests assert reuse / refresh with it). */
  issued = 0;

  constructor(options: TokenIssuerOptions) {
    this.#options = { ttlSeconds: 3600, now: () => new Date(), ...options };
  }

  issue(): { access_token: string; token_type: "Bearer"; expires_in: number } {
    const token = randomBytes(18).toString("base64url");
    this.#tokens.set(token, this.#options.now().getTime() + this.#options.ttlSeconds * 1000);
    this.issued += 1;
    return { access_token: token, token_type: "Bearer", expires_in: this.#options.ttlSeconds };
  }

  valid(token: string): boolean {
    const expires = this.#tokens.get(token);
    if (expires === undefined) return false;
    if (expires <= this.#options.now().getTime()) {
      this.#tokens.delete(token);
      return false;
    }
    return true;
  }

  revoke(token: string): void {
    this.#tokens.delete(token);
  }

  checkClient(id: string | undefined, secret: string | undefined): boolean {
    return id === this.#options.clientId && secret === this.#options.clientSecret;
  }
}

export function mountTokenEndpoint(app: Hono, issuer: TokenIssuer, base = ""): void {
  app.post(`${base}/oauth2/token`, async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const text = (key: string) => (typeof form[key] === "string" ? (form[key] as string) : undefined);
    if (text("grant_type") !== "client_credentials") return c.json({ error: "unsupported_grant_type" }, 400);
    // RFC 6749 also allows the client to authenticate with HTTP Basic.
    let id = text("client_id");
    let secret = text("client_secret");
    const basic = /^Basic\s+(.+)$/iu.exec(c.req.header("Authorization") ?? "");
    if (basic?.[1]) {
      const [user, pass] = Buffer.from(basic[1], "base64").toString("utf8").split(":");
      id ??= user;
      secret ??= pass;
    }
    if (!issuer.checkClient(id, secret)) return c.json({ error: "invalid_client" }, 401);
    return c.json(issuer.issue());
  });
}

export function requireBearer(issuer: TokenIssuer, faults?: FaultSwitchboard): MiddlewareHandler {
  return async (c, next) => {
    const token = /^Bearer\s+(\S+)$/iu.exec(c.req.header("Authorization") ?? "")?.[1];
    if (!token || !issuer.valid(token)) {
      return c.json({ error: "invalid_token" }, 401, { "WWW-Authenticate": 'Bearer error="invalid_token"' });
    }
    if (faults?.take("tokenExpiry", c.req.path)) {
      issuer.revoke(token);
      return c.json({ error: "invalid_token", error_description: "token expired" }, 401, {
        "WWW-Authenticate": 'Bearer error="invalid_token", error_description="token expired"',
      });
    }
    await next();
  };
}
