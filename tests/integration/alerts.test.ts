// Alerts with several hubs on one database: checks that run at the same
// moment notify each condition once. Under `npm run test:pg` every "hub" here
// has a database connection of its own (its own Prisma client and pools) on a
// PostgreSQL database of this file's own, as separate processes would; under
// plain vitest they share one embedded PGlite, where the same calls come from
// one process (timer tick and the console's "Check now" at once).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkAlerts, type AlertMessage, type AlertTransport, type CheckResult } from "../../src/alerts/index.ts";
import { configSchema } from "../../src/config/index.ts";
import { openDatabase, type Database } from "../../src/db/index.ts";
import { withClusterLock } from "../../src/jobs/cluster-lock.ts";
import { silentLogger } from "../../src/observability/index.ts";
import { maybeTestDatabase, type TestDatabase } from "../support/pg.ts";

const HUBS = 3;

let database: TestDatabase | null = null;
let dbs: Database[] = [];

beforeAll(async () => {
  database = await maybeTestDatabase();
  if (database) {
    for (let i = 0; i < HUBS; i++) dbs.push(await openDatabase({ url: database.url, dataDir: "memory" }));
  } else {
    const shared = await openDatabase({ dataDir: "memory" });
    dbs = Array.from({ length: HUBS }, () => shared);
  }
  await dbs[0]!.migrate();
  const p = dbs[0]!.prisma;
  await p.source.create({ data: { id: "ioffice-tinh", connector: "ioffice", name: "iOffice", consecutiveFailures: 4 } });
  await p.site.create({ data: { id: "binhson", name: "Bình Sơn", sections: { create: { slug: "vb", name: "Văn bản" } } } });
  const section = await p.section.findFirstOrThrow();
  await p.delivery.create({ data: { siteId: "binhson", sectionId: section.id, itemKind: "document", itemId: "doc-1", event: "document.published", dedupKey: "k1", state: "dead" } });
});
afterAll(async () => {
  for (const db of new Set(dbs)) await db.close();
  await database?.drop();
});

const config = configSchema.parse({
  alerts: {
    failureThreshold: 3,
    webhooks: [{ url: "https://chat.example.vn/hooks/ops" }],
    email: { to: ["ops@quangngai.gov.vn"], smtp: { host: "smtp.example.vn" } },
  },
});

/**
 * Counts what every hub sends. Each send takes a while (as a real webhook or
 * SMTP server does), so checks that started together are all past their
 * decision before the first one records what it sent: without the lock,
 * every one of them would notify.
 */
function countingTransport(delayMs = 300) {
  const webhooks: AlertMessage[] = [];
  const emails: string[] = [];
  const transport: AlertTransport = {
    async webhook(_url, _headers, body) {
      await new Promise((r) => setTimeout(r, delayMs));
      webhooks.push(JSON.parse(body) as AlertMessage);
    },
    async email(m) {
      await new Promise((r) => setTimeout(r, delayMs));
      emails.push(m.subject);
    },
  };
  return { webhooks, emails, transport };
}

const hub = (i: number) => ({ db: dbs[i]!, config, log: silentLogger, now: () => new Date() });

async function allAtOnce(transport: AlertTransport): Promise<CheckResult[]> {
  return Promise.all(Array.from({ length: HUBS }, (_, i) => checkAlerts(hub(i), transport)));
}

describe(`alerts with ${HUBS} hubs on one database`, () => {
  it("checks at the same moment: each condition is notified once, on each channel", async () => {
    expect(new Set(dbs).size).toBe(database ? HUBS : 1);
    const { webhooks, emails, transport } = countingTransport();
    const results = await allAtOnce(transport);

    const keys = webhooks.map((m) => `${m.type} ${m.alert.key}`).sort();
    expect(keys).toEqual(["alert.raised deliveries-dead:binhson", "alert.raised source-failing:ioffice-tinh"]);
    expect(emails).toHaveLength(2);
    expect(results.flatMap((r) => r.raised).sort()).toEqual(["deliveries-dead:binhson", "source-failing:ioffice-tinh"]);
    // The others skipped (or, had one come after the first had finished, found the records).
    expect(results.filter((r) => !r.skipped && r.raised.length > 0)).toHaveLength(1);
    const audit = await dbs[0]!.prisma.auditEvent.findMany({ where: { action: "alert.notify" } });
    expect(audit).toHaveLength(2);

    // Any hub checking afterwards sees what was sent and sends nothing.
    for (let i = 0; i < HUBS; i++) expect((await checkAlerts(hub(i), transport)).raised).toEqual([]);
    expect(webhooks).toHaveLength(2);
  });

  it("a condition that clears is reported resolved once", async () => {
    await dbs[1]!.prisma.source.update({ where: { id: "ioffice-tinh" }, data: { consecutiveFailures: 0 } });
    const { webhooks, emails, transport } = countingTransport();
    const results = await allAtOnce(transport);
    expect(webhooks.map((m) => `${m.type} ${m.alert.key}`)).toEqual(["alert.resolved source-failing:ioffice-tinh"]);
    expect(emails).toHaveLength(1);
    expect(results.flatMap((r) => r.resolved)).toEqual(["source-failing:ioffice-tinh"]);
  });

  it("a check holding the lock makes the others skip at once; it is free again when the check ends, even by an error", async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const holder = withClusterLock(dbs[0]!, "alerts.check", async () => {
      entered();
      await released;
      return "held";
    });
    await inside;
    const { webhooks, transport } = countingTransport(0);
    const skipped = await checkAlerts(hub(HUBS - 1), transport);
    expect(skipped).toEqual({ active: [], raised: [], resolved: [], skipped: true });
    release();
    expect(await holder).toEqual({ ran: true, value: "held" });

    await expect(withClusterLock(dbs[1]!, "alerts.check", async () => Promise.reject(new Error("smtp exploded")))).rejects.toThrow("smtp exploded");
    const after = await checkAlerts(hub(HUBS - 1), transport);
    expect(after.skipped).toBe(false);
    expect(after.active.map((c) => c.key)).toEqual(["deliveries-dead:binhson"]);
    expect(webhooks).toEqual([]);
  });
});
