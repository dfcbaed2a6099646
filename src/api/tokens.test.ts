// POST /api/v1/tokens over HTTP: the site is named `site`, as the CLI's
// --site and the console's form name it; the old `siteId` is refused with
// a reason instead of being ignored.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHub, type TestHub } from "../../tests/support/hub.ts";
import { createApiToken } from "../auth/tokens.ts";

let hub: TestHub;
let admin: string;

beforeAll(async () => {
  hub = await startTestHub({});
  admin = (await createApiToken(hub.ctx.db.prisma, { name: "admin-script", role: "admin", siteId: null })).token;
  await hub.ctx.db.prisma.site.create({ data: { id: "binhson", name: "Bình Sơn", sections: { create: { slug: "vb", name: "Văn bản" } } } });
});
afterAll(async () => hub?.close());

const post = (body: unknown) =>
  fetch(`${hub.url}/api/v1/tokens`, { method: "POST", headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" }, body: JSON.stringify(body) });

describe("POST /api/v1/tokens", () => {
  it("creates a site token for the site named in `site`, and lists it with `site`", async () => {
    const res = await post({ name: "Cổng Bình Sơn", role: "site", site: "binhson" });
    expect(res.status).toBe(201);
    const row = await hub.ctx.db.prisma.apiToken.findFirstOrThrow({ where: { name: "Cổng Bình Sơn" } });
    expect(row).toMatchObject({ role: "site", siteId: "binhson" });
    const list = (await (await fetch(`${hub.url}/api/v1/tokens`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { tokens: { name: string; site: string | null }[] };
    expect(list.tokens.find((t) => t.name === "Cổng Bình Sơn")?.site).toBe("binhson");
  });

  it("refuses `siteId` with a message naming `site`, and creates nothing", async () => {
    const res = await post({ name: "old-style", role: "site", siteId: "binhson" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("`site`");
    expect(await hub.ctx.db.prisma.apiToken.count({ where: { name: "old-style" } })).toBe(0);
  });

  it("refuses a site token without a site, and a site that does not exist", async () => {
    expect((await post({ name: "no-site", role: "site" })).status).toBe(400);
    expect((await post({ name: "ghost", role: "site", site: "khong-co" })).status).toBe(404);
  });
});
