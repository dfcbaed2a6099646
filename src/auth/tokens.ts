// API tokens: random, shown once, stored only as SHA-256. Sites get tokens
// scoped to their own feed; admins and clerks get tokens for scripts.

import { createHash, randomBytes } from "node:crypto";
import type { Prisma, SqlRunner } from "../db/index.ts";

export type Role = "admin" | "clerk" | "site";

export interface Principal {
  kind: "token" | "user";
  name: string;
  role: Role;
  /** role=site: the one site this principal may read. */
  siteId: string | null;
  tokenId?: string;
  userId?: string;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export async function createApiToken(
  prisma: Prisma,
  input: { name: string; role: Role; siteId?: string | null; userId?: string | null; expiresAt?: Date | null },
): Promise<{ id: string; token: string }> {
  // Prefix makes leaked tokens recognisable by secret scanners.
  const token = `pst_${randomBytes(24).toString("base64url")}`;
  const row = await prisma.apiToken.create({
    data: {
      name: input.name,
      role: input.role,
      siteId: input.siteId ?? null,
      userId: input.userId ?? null,
      expiresAt: input.expiresAt ?? null,
      tokenHash: hashToken(token),
    },
  });
  return { id: row.id, token };
}

/** Every API request asks this: one plain statement (a Prisma query costs ~10× its SQL on PGlite). */
export async function principalForToken(sql: SqlRunner, token: string, now: Date): Promise<Principal | null> {
  const { rows } = await sql.query<{ id: string; name: string; role: Role; siteId: string | null; revoked: boolean; expiresAt: Date | null; lastUsedAt: Date | null }>(
    `SELECT id, name, role::text AS role, "siteId", "revokedAt" IS NOT NULL AS revoked,
       "expiresAt" AT TIME ZONE 'UTC' AS "expiresAt", "lastUsedAt" AT TIME ZONE 'UTC' AS "lastUsedAt"
     FROM "ApiToken" WHERE "tokenHash" = $1`,
    [hashToken(token)],
  );
  const row = rows[0];
  if (!row || row.revoked || (row.expiresAt && row.expiresAt <= now)) return null;
  // Last-use time is for humans reviewing tokens; a minute's precision is enough.
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await sql.query(`UPDATE "ApiToken" SET "lastUsedAt" = ($2::timestamptz AT TIME ZONE 'UTC') WHERE id = $1`, [row.id, now.toISOString()]);
  }
  return { kind: "token", name: row.name, role: row.role, siteId: row.siteId, tokenId: row.id };
}
