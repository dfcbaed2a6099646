import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../db/index.ts";
import { claimScheduledRun, slotOf, validateSchedule } from "./schedules.ts";

let db: Database;
beforeAll(async () => {
  db = await openDatabase({ dataDir: "memory" });
  await db.migrate();
  await db.prisma.source.create({ data: { id: "ioffice", connector: "ioffice", name: "iOffice" } });
});
afterAll(() => db.close());

describe("scheduled slots", () => {
  it("lets exactly one of many concurrent claimers have a slot", async () => {
    const slot = slotOf(new Date("2026-11-23T19:00:17.123Z"));
    const claims = await Promise.all(Array.from({ length: 8 }, () => claimScheduledRun(db.prisma, "ioffice", slot)));
    const winners = claims.filter((id): id is string => id !== null);
    expect(winners).toHaveLength(1);
    const runs = await db.prisma.syncRun.findMany({ where: { sourceId: "ioffice", slot } });
    expect(runs.map((r) => r.id)).toEqual(winners);
    expect(runs[0]).toMatchObject({ trigger: "schedule", status: "queued" });
  });

  it("gives the next minute its own run", async () => {
    const next = await claimScheduledRun(db.prisma, "ioffice", slotOf(new Date("2026-11-23T19:01:02Z")));
    expect(next).not.toBeNull();
  });

  it("puts every tick within a minute in the same slot", () => {
    expect(slotOf(new Date("2026-11-23T19:00:59.999Z"))).toEqual(new Date("2026-11-23T19:00:00Z"));
  });

  it("validates cron expressions", () => {
    expect(validateSchedule("0 2 * * *")).toBe(true);
    expect(validateSchedule("every night")).toBe(false);
  });
});
