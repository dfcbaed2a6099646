import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./load.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "portalsync-config-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("loadConfig", () => {
  it("runs on defaults with no file: embedded database in ./data, port 8080", () => {
    const { config, file } = loadConfig({ cwd: dir, env: {} });
    expect(file).toBeNull();
    expect(config.dataDir).toBe("./data");
    expect(config.databaseUrl).toBeUndefined();
    expect(config.server).toMatchObject({ host: "127.0.0.1", port: 8080 });
    expect(config.verify.trust).toEqual(["./trust"]);
  });

  it("reads YAML, resolves secrets from the environment and files, and lets the environment override", async () => {
    await writeFile(path.join(dir, "secret.txt"), "file-secret\n");
    await writeFile(
      path.join(dir, "portalsync.config.yaml"),
      [
        "server: { port: 9000 }",
        "sources:",
        "  - id: ioffice-tinh",
        "    connector: ioffice",
        "    name: iOffice tỉnh",
        "    schedule: '0 2 * * *'",
        "    options:",
        "      clientSecret: { env: IOFFICE_SECRET }",
        "      other: { file: secret.txt }",
      ].join("\n"),
    );
    const { config } = loadConfig({ cwd: dir, env: { IOFFICE_SECRET: "s3cret", DATABASE_URL: "postgres://db/portalsync", PORT: "9100" } });
    expect(config.sources[0]?.options).toEqual({ clientSecret: "s3cret", other: "file-secret" });
    expect(config.databaseUrl).toBe("postgres://db/portalsync");
    expect(config.server.port).toBe(9100);
  });

  it("names the missing variable when a secret reference cannot be resolved", async () => {
    await writeFile(path.join(dir, "portalsync.config.json"), JSON.stringify({ auth: { secret: { env: "NOPE" } } }));
    expect(() => loadConfig({ cwd: dir, env: {} })).toThrow(/auth\.secret: environment variable NOPE is not set/);
  });

  it("explains invalid values with their path", async () => {
    await writeFile(path.join(dir, "portalsync.config.json"), JSON.stringify({ sites: [{ id: "Bad Id", name: "x", sections: [] }] }));
    let error: unknown;
    try {
      loadConfig({ cwd: dir, env: {} });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/sites\[0\]\.id|sites\.0\.id/);
  });

  it("rejects malformed YAML clearly", async () => {
    await writeFile(path.join(dir, "portalsync.config.yaml"), "server: [unclosed");
    expect(() => loadConfig({ cwd: dir, env: {} })).toThrow(/not valid YAML/);
  });
});
