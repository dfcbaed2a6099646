// Issue 2's acceptance: the hub starts on the embedded default, answers
// /readyz, stops cleanly on Ctrl-C, and a second start reuses the data.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startCli, type CliProcess } from "../support/cli-process.ts";
import { maybeTestDatabase, type TestDatabase } from "../support/pg.ts";

let dataDir: string;
let running: CliProcess | null = null;
// Under `npm run test:pg` both starts share a PostgreSQL database of this file's own.
let database: TestDatabase | null = null;
let env: Record<string, string> = {};

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "portalsync-serve-"));
  database = await maybeTestDatabase();
  env = { PORTALSYNC_DATA_DIR: dataDir, ...(database ? { DATABASE_URL: database.url } : {}) };
});
afterAll(async () => {
  running?.child.kill("SIGKILL");
  await running?.exited;
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

async function startDemo(): Promise<{ proc: CliProcess; url: string }> {
  const proc = startCli(["serve", "--demo", "--port", "0"], env);
  running = proc;
  const line = await proc.waitForLog((l) => l.msg === "portalsync hub listening", 60_000);
  return { proc, url: String(line.url) };
}

async function stopWithCtrlC(proc: CliProcess) {
  const started = Date.now();
  proc.child.kill("SIGINT");
  const exit = await proc.exited;
  running = null;
  return { ...exit, ms: Date.now() - started };
}

describe("portalsync serve --demo", () => {
  // Generous timeouts: these start real processes, which is slow on a loaded machine.
  it("answers /healthz and /readyz, serves metrics and OpenAPI, and stops cleanly on Ctrl-C", { timeout: 120_000 }, async () => {
    const { proc, url } = await startDemo();
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", database: { ok: true }, queue: { ok: true } });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain("portalsync_http_requests_total");
    const openapi = (await (await fetch(`${url}/api/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(openapi.openapi).toBe("3.1.0");
    expect(Object.keys(openapi.paths)).toContain("/api/v1/sources/{id}/runs");
    // The API refuses state changes without a token.
    const anonymous = await fetch(`${url}/api/v1/sources/ioffice-demo/runs`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    expect(anonymous.status).toBe(401);

    // Let the demo's first runs get going, then stop mid-flight.
    await proc.waitForLog((l) => l.msg === "sync run started", 30_000);
    const exit = await stopWithCtrlC(proc);
    expect(exit.code).toBe(0);
    expect(exit.ms).toBeLessThan(20_000);
    expect(proc.logs.some((l) => l.msg === "stopped")).toBe(true);
  });

  it("reuses the data on a second start: no migration re-applied, earlier runs still there", { timeout: 120_000 }, async () => {
    const token = await runCli(["token", "--name", "test-script", "--role", "admin"], env);
    expect(token.code).toBe(0);
    const secret = token.stdout.trim().split("\n").at(-1)!;
    expect(secret).toMatch(/^pst_/);

    const { proc, url } = await startDemo();
    const dbReady = proc.logs.find((l) => l.msg === "database ready");
    expect(dbReady?.applied).toEqual([]);
    const runs = (await (await fetch(`${url}/api/v1/runs?limit=200`, { headers: { authorization: `Bearer ${secret}` } })).json()) as {
      runs: { requestedBy: string; status: string }[];
    };
    // The first start's demo runs survived the restart (interrupted ones were resumed).
    expect(runs.runs.filter((r) => r.requestedBy === "demo").length).toBeGreaterThanOrEqual(2);
    const exit = await stopWithCtrlC(proc);
    expect(exit.code).toBe(0);
  });

  it("publishes into the demo's WordPress and Liferay stand-ins as an anonymous reader sees them", { timeout: 120_000 }, async () => {
    const { url } = await startDemo();
    const until = Date.now() + 90_000;
    let posts: { title: { rendered: string }; categories: number[] }[] = [];
    let contents: unknown[] = [];
    const getJson = async (p: string) => {
      // A fresh connection each time: a reused keep-alive socket the server
      // is just closing reads as ECONNRESET on a loaded machine.
      const res = await fetch(`${url}${p}`, { headers: { connection: "close" } });
      return res.json();
    };
    while (Date.now() < until) {
      posts = (await getJson("/sim/wordpress/wp-json/wp/v2/posts?per_page=100")) as typeof posts;
      contents = ((await getJson("/sim/liferay/_sim/state")) as { contents: unknown[] }).contents;
      if (posts.length > 0 && contents.length > 0) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    expect(posts.length).toBeGreaterThan(0);
    expect(posts.every((p) => p.categories.length === 1)).toBe(true);
    expect(contents.length).toBeGreaterThan(0);
  });
});
