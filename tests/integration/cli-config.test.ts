// The `portalsync` command as a new operator meets it: tokens before the first
// `serve`, and configuration mistakes refused at start with the key's path.

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSecret } from "../../connectors/webhook/index.ts";
import { runCli } from "../support/cli-process.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "portalsync-cli-config-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function configFile(name: string, content: unknown): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, JSON.stringify(content));
  return file;
}

const sections = [{ slug: "van-ban", name: "Văn bản" }];

describe("portalsync token before the first serve", () => {
  it("creates the configured site first, then the site token; an unknown site gets a plain instruction", async () => {
    const dataDir = path.join(dir, "data-token");
    const file = await configFile("token.json", {
      dataDir,
      sites: [{ id: "a", name: "Site A", mode: "pull", sections }],
    });
    const ok = await runCli(["--config", file, "token", "--name", "feed-a", "--role", "site", "--site", "a"], { LOG_LEVEL: "silent" });
    expect(ok.stdout).not.toMatch(/at .*\.ts:\d+|Foreign key|stack/i);
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim().split("\n").at(-1)).toMatch(/^\S{20,}$/u);

    const unknown = await runCli(["--config", file, "token", "--name", "feed-z", "--role", "site", "--site", "z"], { LOG_LEVEL: "silent" });
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toContain('site "z" is not configured. Add it under "sites:" in the configuration file');
    expect(unknown.stdout).toContain("Configured sites: a.");
    expect(unknown.stdout).not.toMatch(/at .*\.ts:\d+|Foreign key/i);
    // A new embedded database is initialised by the first command: slow on a busy machine.
  }, 240_000);
});

describe("portalsync serve with a configuration mistake", () => {
  it("stops at start naming a webhook secret the hub would not use, with the key's path", async () => {
    const short = `whsec_${Buffer.from("thirteenbytes").toString("base64")}`;
    const site = (id: string, secret: string) => ({ id, name: id, endpoint: `http://127.0.0.1:9/${id}`, secrets: [secret], sections });
    const file = await configFile("short-secret.json", {
      dataDir: path.join(dir, "data-serve"),
      server: { port: 0 },
      sites: [site("a", generateSecret()), site("b", generateSecret()), site("c", short)],
    });
    const result = await runCli(["--config", file, "serve"], {});
    expect(result.code).toBe(2);
    expect(result.stdout).toContain("sites[2].secrets[0]: secret key must be 24–64 bytes, got 13");
    expect(result.stdout).not.toContain("portalsync hub listening");
  }, 120_000);

  it("stops at start on a typo in a key and on a secret written as ${…}", async () => {
    const typo = await configFile("typo.json", { dataDir: path.join(dir, "data-typo"), server: { port: 0 }, sites: [{ id: "a", name: "A", mode: "pull", conector: "wordpress", sections }] });
    const first = await runCli(["--config", typo, "serve"], {});
    expect(first.code).toBe(2);
    expect(first.stdout).toContain('sites[0].conector: unknown key (did you mean "connector"?)');

    const unresolved = await configFile("unresolved.json", {
      dataDir: path.join(dir, "data-unresolved"),
      server: { port: 0 },
      sources: [{ id: "dvc", connector: "dvc", name: "DVC", options: { baseUrl: "http://127.0.0.1:9", clientId: "x", clientSecret: "${secret:DVC_CLIENT_SECRET}" } }],
    });
    const second = await runCli(["--config", unresolved, "serve"], { DVC_CLIENT_SECRET: "s" });
    expect(second.code).toBe(2);
    expect(second.stdout).toContain("sources[0].options.clientSecret:");
    expect(second.stdout).toContain("{ env: NAME }");
  }, 120_000);
});
