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

  it("refuses an unknown key anywhere with its path and the closest known key", async () => {
    await writeFile(
      path.join(dir, "portalsync.config.yaml"),
      [
        "server: { prot: 9000 }",
        "sites:",
        "  - id: a",
        "    name: A",
        "    sections: [{ slug: van-ban, name: Văn bản }]",
        "  - id: b",
        "    name: B",
        "    publishmode: review",
        "    sections: [{ slug: van-ban, name: Văn bản, itemKnd: procedure }]",
        "alerts: { email: { to: [a@b.vn], smtp: { host: mail, pasword: x } } }",
        "logs: { level: debug }",
      ].join("\n"),
    );
    const message = errorOf(() => loadConfig({ cwd: dir, env: {} }));
    expect(message).toContain('server.prot: unknown key (did you mean "port"?)');
    expect(message).toContain('sites[1].publishmode: unknown key (did you mean "publishMode"?)');
    expect(message).toContain('sites[1].sections[0].itemKnd: unknown key (did you mean "itemKind"?)');
    expect(message).toContain('alerts.email.smtp.pasword: unknown key (did you mean "password"?)');
    expect(message).toContain('logs: unknown key (did you mean "log"?)');
  });

  it("ignores top-level x- keys, which hold YAML anchors", async () => {
    await writeFile(
      path.join(dir, "portalsync.config.yaml"),
      [
        "x-section: &vb { slug: van-ban, name: Văn bản }",
        "sites:",
        "  - { id: a, name: A, sections: [*vb] }",
      ].join("\n"),
    );
    expect(loadConfig({ cwd: dir, env: {} }).config.sites[0]?.sections[0]?.slug).toBe("van-ban");
  });

  it("accepts connector and options on a site (defaults: webhook, {})", async () => {
    await writeFile(path.join(dir, "portalsync.config.json"), JSON.stringify({ sites: [{ id: "a", name: "A", sections: [{ slug: "x", name: "X" }] }] }));
    expect(loadConfig({ cwd: dir, env: {} }).config.sites[0]).toMatchObject({ connector: "webhook", options: {} });
  });

  it.each([
    ["${secret:DVC_CLIENT_SECRET}", "${…}"],
    ["${DVC_CLIENT_SECRET}", "${…}"],
    ["$DVC_CLIENT_SECRET", "$NAME"],
    ["%DVC_CLIENT_SECRET%", "%NAME%"],
    ["env:DVC_CLIENT_SECRET", "prefix:NAME"],
    ["{{ DVC_CLIENT_SECRET }}", "{{ … }}"],
  ])("refuses a secret written as %s, naming the key and the supported syntax", async (written, form) => {
    await writeFile(
      path.join(dir, "portalsync.config.yaml"),
      [
        "sources:",
        "  - id: dvc-tinh",
        "    connector: dvc",
        "    name: DVC",
        "    options:",
        "      baseUrl: https://lgsp.example.vn/dvc",
        "      clientId: portalsync",
        `      clientSecret: '${written}'`,
      ].join("\n"),
    );
    const message = errorOf(() => loadConfig({ cwd: dir, env: { DVC_CLIENT_SECRET: "resolved?" } }));
    expect(message).toContain(`sources[0].options.clientSecret: "${written}" looks like a secret reference in ${form} form`);
    expect(message).toContain("{ env: NAME }");
    expect(message).toContain("{ file: path }");
  });

  it("refuses a reference object the hub does not know, and names array positions in brackets", async () => {
    await writeFile(
      path.join(dir, "portalsync.config.json"),
      JSON.stringify({ sites: [{ id: "a", name: "A", secrets: [{ fromEnv: "A_SECRET" }], sections: [{ slug: "x", name: "X" }] }] }),
    );
    expect(errorOf(() => loadConfig({ cwd: dir, env: {} }))).toContain("sites[0].secrets[0]: { fromEnv: … } is not a secret reference the hub resolves");
    await writeFile(
      path.join(dir, "portalsync.config.json"),
      JSON.stringify({ sites: [{ id: "a", name: "A", secrets: [{ env: "A_SECRET" }], sections: [{ slug: "x", name: "X" }] }] }),
    );
    expect(errorOf(() => loadConfig({ cwd: dir, env: {} }))).toContain("sites[0].secrets[0]: environment variable A_SECRET is not set");
  });

  it("leaves ordinary values that merely contain $ or % alone", async () => {
    await writeFile(
      path.join(dir, "portalsync.config.json"),
      JSON.stringify({ routing: [], sources: [{ id: "s", connector: "dvc", name: "Giá 100% $ và 50%", options: { note: "a$b" } }] }),
    );
    expect(loadConfig({ cwd: dir, env: {} }).config.sources[0]?.name).toBe("Giá 100% $ và 50%");
  });

  it("reads the reports calendar and refuses unknown keys, impossible dates and a day ending before it starts", async () => {
    const write = (reports: unknown) => writeFile(path.join(dir, "portalsync.config.json"), JSON.stringify({ reports }));
    await write({ holidays: ["2026-02-16"], workingWeekends: ["2026-01-10"], dayStart: "08:00", lateAfterHours: 8 });
    expect(loadConfig({ cwd: dir, env: {} }).config.reports).toMatchObject({ holidays: ["2026-02-16"], dayStart: "08:00", dayEnd: "17:00", lateAfterHours: 8, fixedHolidays: ["01-01", "04-30", "05-01", "09-02"] });
    await write({ holiday: ["2026-02-16"] });
    expect(errorOf(() => loadConfig({ cwd: dir, env: {} }))).toMatch(/reports.*holiday/);
    await write({ holidays: ["2026-02-30"] });
    expect(errorOf(() => loadConfig({ cwd: dir, env: {} }))).toMatch(/reports\.holidays.*no such date/);
    await write({ dayStart: "17:00", dayEnd: "07:30" });
    expect(errorOf(() => loadConfig({ cwd: dir, env: {} }))).toMatch(/reports\.dayEnd.*after dayStart/);
  });
});

function errorOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
}
