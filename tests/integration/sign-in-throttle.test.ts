// Issue 15, item 2: password guessing at sign-in is slowed (per account and
// address) without locking the real clerk out, and a burst raises an alert.
// Client addresses come from X-Forwarded-For, believed because the test's
// loopback address is configured as a trusted proxy.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../../src/auth/index.ts";
import { currentConditions } from "../../src/alerts/index.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";

let hub: TestHub;
let offset = 0;
const ATTACKER = "203.0.113.9";
const OFFICE = "198.51.100.7";
const PASSWORD = "mật-khẩu-đúng-123";

beforeAll(async () => {
  hub = await startTestHub({ server: { port: 0, trustedProxies: ["127.0.0.1", "::1"] } }, { now: () => new Date(Date.now() + offset) });
  const passwordHash = await hashPassword(PASSWORD);
  await hub.ctx.db.prisma.user.createMany({
    data: [
      { username: "lan.nguyen", displayName: "Nguyễn Thị Lan", role: "clerk", passwordHash },
      { username: "hung.tran", displayName: "Trần Văn Hùng", role: "clerk", passwordHash },
    ],
  });
});
afterAll(async () => hub?.close());

function signIn(username: string, password: string, from: string) {
  return fetch(`${hub.url}/console/login`, {
    method: "POST",
    redirect: "manual",
    headers: { origin: hub.url, "x-forwarded-for": from },
    body: new URLSearchParams({ username, password, next: "/console" }),
  });
}

describe("sign-in throttling", () => {
  it("250 wrong passwords are not all checked; the right one waits out Retry-After; others are unaffected; a burst alerts", { timeout: 120_000 }, async () => {
    const statuses: number[] = [];
    let lastRetryAfter = 0;
    for (let i = 0; i < 250; i++) {
      const res = await signIn("lan.nguyen", `sai-${i}`, ATTACKER);
      statuses.push(res.status);
      if (res.status === 429) lastRetryAfter = Number(res.headers.get("retry-after"));
      await res.body?.cancel();
    }
    const count = (s: number) => statuses.filter((x) => x === s).length;
    // A handful of free failures, then refusals without a password check.
    expect(count(401)).toBe(5);
    expect(count(429)).toBe(245);
    expect(lastRetryAfter).toBeGreaterThan(0);
    expect(lastRetryAfter).toBeLessThanOrEqual(900);

    // The right password from the attacker's address is refused until the wait is over.
    const early = await signIn("lan.nguyen", PASSWORD, ATTACKER);
    expect(early.status).toBe(429);
    const retryAfter = Number(early.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    const page = await early.text();
    expect(page).toContain("Vui lòng thử lại sau");
    expect(page).toContain(`${retryAfter} giây`);

    // Another clerk, and the same clerk, from the office's address sign in at once.
    expect((await signIn("hung.tran", PASSWORD, OFFICE)).status).toBe(303);
    expect((await signIn("lan.nguyen", PASSWORD, OFFICE)).status).toBe(303);

    // Shortly before the wait ends (a margin for the test's own time): still refused; after it: accepted.
    offset += (retryAfter - 3) * 1000;
    expect((await signIn("lan.nguyen", PASSWORD, ATTACKER)).status).toBe(429);
    offset += 3000;
    const late = await signIn("lan.nguyen", PASSWORD, ATTACKER);
    expect(late.status).toBe(303);
    expect(late.headers.get("set-cookie")).toContain("portalsync_session=");

    // The burst was recorded and notified (the check runs at once).
    const prisma = hub.ctx.db.prisma;
    expect(await prisma.auditEvent.count({ where: { action: "session.login-burst" } })).toBe(1);
    expect((await currentConditions(hub.ctx)).find((c) => c.kind === "sign-in-burst")).toMatchObject({ key: "sign-in-burst", detail: expect.stringContaining(ATTACKER) });
    const deadline = Date.now() + 10_000;
    while ((await prisma.auditEvent.count({ where: { action: "alert.notify", targetId: "sign-in-burst" } })) === 0) {
      if (Date.now() > deadline) throw new Error("the sign-in burst was not notified");
      await new Promise((r) => setTimeout(r, 100));
    }
    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    expect(metrics).toMatch(/portalsync_sign_ins_total\{outcome="throttled"\} 24[6-9]/);
  });
});
