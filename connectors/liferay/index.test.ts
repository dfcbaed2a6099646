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
