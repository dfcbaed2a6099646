import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pino from "pino";
import { Writable } from "node:stream";
import { configSchema } from "../config/index.ts";
import { openDatabase, type Database } from "../db/index.ts";
import { checkCsrf, csrfToken, DEMO_ADMIN_PASSWORD, ensureBootstrapAdmin, hashPassword, signIn, signOut, userForSession, verifyPassword } from "./index.ts";

let db: Database;
beforeAll(async () => {
  db = await openDatabase({ dataDir: "memory" });
  await db.migrate();
});
afterAll(async () => db.close());

function capture() {
  const lines: string[] = [];
  const log = pino({ level: "info" }, new Writable({ write(chunk, _e, cb) { lines.push(chunk.toString()); cb(); } }));
  return { log, lines };
}

describe("passwords", () => {
  it("hashes with scrypt and a salt, and verifies", async () => {
    const a = await hashPassword("mật khẩu dài 123");
    const b = await hashPassword("mật khẩu dài 123");
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("mật khẩu dài 123", a)).toBe(true);
    // NFD input is the same password as NFC.
    expect(await verifyPassword("mật khẩu dài 123".normalize("NFD"), a)).toBe(true);
    expect(await verifyPassword("mat khau dai 123", a)).toBe(false);
    expect(await verifyPassword("x", "not-a-hash")).toBe(false);
  });
});

describe("bootstrap admin and sessions", () => {
  it("creates the admin once, with a generated password printed once in the log", async () => {
    const { log, lines } = capture();
    const config = configSchema.parse({});
    const first = await ensureBootstrapAdmin(db.prisma, config, log);
    expect(first.created).toBe(true);
    expect(first.generated).toMatch(/^\S{12,}$/);
    expect(lines.join("")).toContain(first.generated!);
    const again = await ensureBootstrapAdmin(db.prisma, config, log);
    expect(again).toEqual({ created: false, generated: null });
    expect(lines.filter((l) => l.includes(first.generated!))).toHaveLength(1);
    expect(await db.prisma.auditEvent.count({ where: { action: "user.bootstrap" } })).toBe(1);

    const deps = { prisma: db.prisma, sql: db.sql, now: () => new Date(), secure: false };
    expect(await signIn(deps, "admin", "wrong")).toBeNull();
    const ok = await signIn(deps, "admin", first.generated!);
    expect(ok?.user).toMatchObject({ username: "admin", role: "admin" });
    // Only the cookie's hash is stored.
    const rows = await db.prisma.userSession.findMany();
    expect(rows.some((r) => r.idHash === ok!.cookie)).toBe(false);
    expect((await userForSession(deps, ok!.cookie))?.username).toBe("admin");
    // Expired after 12 hours.
    expect(await userForSession({ ...deps, now: () => new Date(Date.now() + 13 * 3600_000) }, ok!.cookie)).toBeNull();
    await signOut(deps, ok!.cookie);
    expect(await userForSession(deps, ok!.cookie)).toBeNull();
  });

  it("uses the configured password, or the documented one in demo mode", async () => {
    await db.prisma.user.deleteMany();
    const { log } = capture();
    await ensureBootstrapAdmin(db.prisma, configSchema.parse({ demo: true }), log);
    const deps = { prisma: db.prisma, sql: db.sql, now: () => new Date(), secure: false };
    expect(await signIn(deps, "admin", DEMO_ADMIN_PASSWORD)).not.toBeNull();
    await db.prisma.user.deleteMany();
    await ensureBootstrapAdmin(db.prisma, configSchema.parse({ demo: true, auth: { bootstrapAdmin: { username: "quantri", password: "configured-secret" } } }), log);
    expect(await signIn(deps, "quantri", "configured-secret")).not.toBeNull();
    expect(await signIn(deps, "quantri", DEMO_ADMIN_PASSWORD)).toBeNull();
    // A disabled user cannot sign in.
    await db.prisma.user.update({ where: { username: "quantri" }, data: { disabled: true } });
    expect(await signIn(deps, "quantri", "configured-secret")).toBeNull();
  });

  it("derives a CSRF token from the session that another session cannot reuse", () => {
    const token = csrfToken("session-a");
    expect(checkCsrf("session-a", token)).toBe(true);
    expect(checkCsrf("session-b", token)).toBe(false);
    expect(checkCsrf("session-a", null)).toBe(false);
    expect(checkCsrf("session-a", token.slice(1))).toBe(false);
  });
});
