import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema } from "../config/index.ts";
import { openDatabase, type Database } from "../db/index.ts";
import { silentLogger } from "../observability/index.ts";
import { checkAlerts, currentConditions, type AlertMessage, type AlertTransport } from "./index.ts";

let db: Database;
beforeAll(async () => {
  db = await openDatabase({ dataDir: "memory" });
  await db.migrate();
});
afterAll(async () => db.close());

function recorder(fail = false) {
  const sent: { channel: string; msg: AlertMessage | string }[] = [];
  const transport: AlertTransport = {
    async webhook(url, _headers, body) {
      if (fail) throw new Error("connection refused");
      sent.push({ channel: `webhook ${url}`, msg: JSON.parse(body) as AlertMessage });
    },
    async email(m) {
      if (fail) throw new Error("smtp down");
      sent.push({ channel: `email ${m.to.join(",")}`, msg: m.subject });
    },
  };
  return { sent, transport };
}

describe("alerts", () => {
  const config = configSchema.parse({
    alerts: {
      failureThreshold: 3, lagMinutes: 60, repeatMinutes: 120,
      webhooks: [{ url: "https://chat.example.vn/hooks/ops" }],
      email: { to: ["ops@quangngai.gov.vn"], smtp: { host: "smtp.example.vn" } },
    },
  });
  let clock = new Date("2026-11-21T02:00:00Z");
  const ctx = () => ({ db, config, log: silentLogger, now: () => clock });

  it("notifies a failing source, a lagging one and dead deliveries once, by webhook and e-mail", async () => {
    const p = db.prisma;
    await p.source.create({ data: { id: "ioffice-tinh", connector: "ioffice", name: "iOffice", schedule: "0 * * * *", consecutiveFailures: 3, lastSuccessAt: new Date("2026-11-21T01:30:00Z") } });
    await p.source.create({ data: { id: "dvc-tinh", connector: "dvc", name: "DVC", schedule: "0 * * * *", lastSuccessAt: new Date("2026-11-20T20:00:00Z") } });
    await p.source.create({ data: { id: "manual-only", connector: "edxml-inbox", name: "Inbox", lastSuccessAt: new Date("2026-01-01T00:00:00Z") } });
    await p.site.create({ data: { id: "binhson", name: "Bình Sơn", sections: { create: { slug: "vb", name: "Văn bản" } } } });
    const section = await p.section.findFirstOrThrow();
    for (const n of [1, 2]) {
      await p.delivery.create({ data: { siteId: "binhson", sectionId: section.id, itemKind: "document", itemId: `doc-${n}`, event: "document.published", dedupKey: `k${n}`, state: "dead" } });
    }

    expect((await currentConditions(ctx())).map((c) => c.key).sort()).toEqual(["deliveries-dead:binhson", "source-failing:ioffice-tinh", "source-lagging:dvc-tinh"]);
    const { sent, transport } = recorder();
    const first = await checkAlerts(ctx(), transport);
    expect(first.raised).toHaveLength(3);
    expect(sent).toHaveLength(6);
    const hook = sent.find((s) => s.channel.startsWith("webhook") && typeof s.msg !== "string" && s.msg.alert.kind === "deliveries-dead")!.msg as AlertMessage;
    expect(hook).toMatchObject({ type: "alert.raised", alert: { subject: "binhson", value: 2, message: { vi: expect.stringContaining("Trang binhson có 2 bản tin gửi hỏng") } } });
    expect(sent.some((s) => s.channel === "email ops@quangngai.gov.vn" && String(s.msg).includes("Nguồn ioffice-tinh lỗi 3 lần liên tiếp"))).toBe(true);

    // A minute later nothing is re-sent.
    clock = new Date(clock.getTime() + 60_000);
    const second = await checkAlerts(ctx(), transport);
    expect(second.raised).toEqual([]);
    expect(sent).toHaveLength(6);
  });

  it("says when a condition clears, and repeats one that lasts past repeatMinutes", async () => {
    const { sent, transport } = recorder();
    await db.prisma.source.update({ where: { id: "ioffice-tinh" }, data: { consecutiveFailures: 0 } });
    const cleared = await checkAlerts(ctx(), transport);
    expect(cleared.resolved).toEqual(["source-failing:ioffice-tinh"]);
    expect(sent.filter((s) => typeof s.msg !== "string").map((s) => (s.msg as AlertMessage).type)).toEqual(["alert.resolved"]);

    clock = new Date(clock.getTime() + 121 * 60_000);
    await db.prisma.source.update({ where: { id: "ioffice-tinh" }, data: { lastSuccessAt: clock } });
    const repeated = await checkAlerts(ctx(), transport);
    expect(repeated.raised.sort()).toEqual(["deliveries-dead:binhson", "source-lagging:dvc-tinh"]);
    expect(repeated.resolved).toEqual([]);
  });

  it("does not record a notification that failed on every channel, so the next check retries", async () => {
    await db.prisma.source.update({ where: { id: "ioffice-tinh" }, data: { consecutiveFailures: 5 } });
    const failing = recorder(true);
    const result = await checkAlerts(ctx(), failing.transport);
    expect(result.raised).toEqual([]);
    const ok = recorder();
    expect((await checkAlerts(ctx(), ok.transport)).raised).toEqual(["source-failing:ioffice-tinh"]);
    const audit = await db.prisma.auditEvent.findMany({ where: { targetId: "source-failing:ioffice-tinh" }, orderBy: { at: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["alert.notify", "alert.resolved", "alert.notify"]);
  });

  it("a recorded burst of failed sign-ins is a condition for the alert window, then clears", async () => {
    const at = new Date(clock.getTime() + 60_000);
    clock = at;
    await db.prisma.auditEvent.create({ data: { actor: "system", action: "session.login-burst", targetType: "session", targetId: "console", at, details: { attempts: 30, addresses: ["203.0.113.9"] } } });
    const burst = (await currentConditions(ctx())).find((c) => c.kind === "sign-in-burst");
    expect(burst).toMatchObject({ key: "sign-in-burst", value: 30, detail: "203.0.113.9" });
    clock = new Date(at.getTime() + (config.alerts.signInWindowMinutes + 1) * 60_000);
    expect((await currentConditions(ctx())).some((c) => c.kind === "sign-in-burst")).toBe(false);
  });
});
