// Issue 15, item 5d: /metrics can be protected by a bearer token and moved to
// its own listen address (off the public listener). Open by default: see
// serve.test.ts.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHub, type TestHub } from "../support/hub.ts";

const TOKEN = "prometheus-scrape-token-0123456789";
let separate: TestHub;
let tokenOnly: TestHub;

// Hub starts are slow on a loaded machine.
beforeAll(async () => {
  separate = await startTestHub({ metrics: { token: TOKEN, listen: { host: "127.0.0.1", port: 0 } } });
  tokenOnly = await startTestHub({ metrics: { token: TOKEN } });
}, 180_000);
afterAll(async () => {
  await separate?.close();
  await tokenOnly?.close();
});

describe("/metrics access", () => {
  it("asks for the configured bearer token, and moves to its own address with metrics.listen", async () => {
    // Not on the main (public) listener any more.
    expect((await fetch(`${separate.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
    expect(separate.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(separate.metricsUrl).not.toBe(separate.url);
    const none = await fetch(`${separate.metricsUrl}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await fetch(`${separate.metricsUrl}/metrics`, { headers: { authorization: "Bearer wrong-token-wrong-token-wrong" } })).status).toBe(401);
    const ok = await fetch(`${separate.metricsUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("portalsync_process_process_resident_memory_bytes");
  });

  it("asks for the token on the main listener when only a token is set", async () => {
    expect(tokenOnly.metricsUrl).toBeNull();
    expect((await fetch(`${tokenOnly.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${tokenOnly.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });
});
