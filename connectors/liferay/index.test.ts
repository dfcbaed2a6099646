import { describe, expect, it } from "vitest";
import liferay from "./index.ts";

describe("the liferay TargetConnector", () => {
  it("registers as `liferay`, parses options, makes a client and a stand-in", async () => {
    expect(liferay.name).toBe("liferay");
    const options = liferay.optionsSchema.parse({ baseUrl: "https://cong.example.gov.vn", siteId: 20121, auth: { username: "u", password: "p" }, contentStructureId: 40123 });
    const client = liferay.create({ id: "tinh", name: "Tỉnh", endpoint: null, secrets: [], options }, {
      fetch: globalThis.fetch,
      now: () => new Date(),
      sleep: async () => {},
      log: undefined as never,
      timeoutMs: 1000,
    });
    expect(typeof client.deliver).toBe("function");
    expect(typeof client.check).toBe("function");
    const sim = await liferay.createSimulator!({ baseUrl: "http://127.0.0.1:1" });
    const state = await sim.app.request("/_sim/state");
    expect(await state.json()).toMatchObject({ folders: [], documents: [], contents: [] });
  });
});

describe("liferay site validation", () => {
  const site = (baseUrl: string, auth: Record<string, string>) => {
    const options = liferay.optionsSchema.parse({ baseUrl, siteId: 20121, auth, contentStructureId: 40123 });
    return { id: "tinh", name: "Tỉnh", endpoint: null, secrets: [], options };
  };

  it("refuses credentials over plain HTTP to another host, naming the key", () => {
    expect(liferay.validate!(site("http://cong.example.gov.vn", { clientId: "a", clientSecret: "s" }))).toEqual([
      { severity: "error", path: "options.baseUrl", message: "use https:// (the OAuth2 client secret must not travel over plain HTTP)" },
    ]);
    expect(liferay.validate!(site("http://10.0.0.5:8080", { username: "u", password: "p" }))[0]?.message).toContain("the password");
  });

  it("accepts https:// anywhere and http:// on this machine", () => {
    expect(liferay.validate!(site("https://cong.example.gov.vn", { username: "u", password: "p" }))).toEqual([]);
    expect(liferay.validate!(site("http://127.0.0.1:8080", { clientId: "a", clientSecret: "s" }))).toEqual([]);
    expect(liferay.validate!(site("http://localhost:8080", { clientId: "a", clientSecret: "s" }))).toEqual([]);
  });
});
