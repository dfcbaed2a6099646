// The first admin on an empty database.

import { randomBytes } from "node:crypto";
import { audit } from "../audit/index.ts";
import type { Config } from "../config/index.ts";
import type { Prisma } from "../db/index.ts";
import type { Logger } from "../observability/index.ts";
import { hashPassword } from "./passwords.ts";

/** The fixed password of the demo's admin (documented in README.md); demo mode only. */
export const DEMO_ADMIN_PASSWORD = "portalsync-demo";

/**
 * Creates the first admin when the User table is empty. The password comes
 * from configuration (PORTALSYNC_ADMIN_PASSWORD); in demo mode a fixed,
 * documented one; otherwise a generated one printed once in the log.
 */
export async function ensureBootstrapAdmin(prisma: Prisma, config: Config, log: Logger): Promise<{ created: boolean; generated: string | null }> {
  if ((await prisma.user.count()) > 0) return { created: false, generated: null };
  const username = config.auth.bootstrapAdmin.username;
  const configured = config.auth.bootstrapAdmin.password ?? (config.demo ? DEMO_ADMIN_PASSWORD : null);
  const password = configured ?? randomBytes(12).toString("base64url");
  try {
    await prisma.user.create({ data: { username, displayName: "Quản trị viên", role: "admin", passwordHash: await hashPassword(password) } });
  } catch (error) {
    // Another hub process sharing the database created it first.
    if ((await prisma.user.count()) > 0) return { created: false, generated: null };
    throw error;
  }
  await audit(prisma, { actor: "system", action: "user.bootstrap", targetType: "user", targetId: username, details: { source: configured ? (config.auth.bootstrapAdmin.password ? "config" : "demo") : "generated" } });
  if (configured) {
    log.info({ username }, config.auth.bootstrapAdmin.password ? "bootstrap admin created with the configured password" : `demo: admin user "${username}" created with the demo password`);
    return { created: true, generated: null };
  }
  // The one and only time this password appears anywhere; in the message, not a field the logger redacts.
  log.warn({ username }, `bootstrap admin "${username}" created with generated password: ${password} (shown once; sign in and change it)`);
  return { created: true, generated: password };
}
