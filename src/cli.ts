// portalsync command line: serve | sync | verify | migrate | token.
// This is the composition root: the only place that picks the built-in
// connectors (through their registry) and hands them to the core.

import { Command, InvalidArgumentError, Option } from "commander";
import type { Config } from "./config/index.ts";

// The hub, the database, the connectors and the logger are loaded by the
// commands that use them, not on every start: `portalsync verify` (benchmarked
// against openssl, tests/bench/verify.bench.ts) needs none of them.
async function core() {
  const [connectors, config, db, auth, hub, demo, observability, verifier, checks] = await Promise.all([
    import("../connectors/index.ts"),
    import("./config/index.ts"),
    import("./db/index.ts"),
    import("./auth/index.ts"),
    import("./hub/index.ts"),
    import("./hub/demo.ts"),
    import("./observability/index.ts"),
    import("./hub/verifier.ts"),
    import("./hub/check-config.ts"),
  ]);
  return {
    ConfigError: config.ConfigError,
    DatabaseInUseError: db.DatabaseInUseError,
    openDatabase: db.openDatabase,
    createApiToken: auth.createApiToken,
    startHub: hub.startHub,
    applySites: hub.applySites,
    assertConfiguration: checks.assertConfiguration,
    demoSetup: demo.demoSetup,
    createLogger: observability.createLogger,
    createFileVerifier: verifier.createFileVerifier,
    registry: () => hub.createRegistry(connectors.builtinSources, connectors.builtinTargets),
  };
}

async function load(opts: { config?: string; port?: number; demo?: boolean }): Promise<Config> {
  const { loadConfig } = await import("./config/index.ts");
  const overrides: Record<string, unknown> = {};
  const { config } = loadConfig({ file: opts.config });
  if (opts.port !== undefined) overrides.server = { ...config.server, port: opts.port };
  if (opts.demo) overrides.demo = true;
  return Object.keys(overrides).length ? loadConfig({ file: opts.config, overrides }).config : config;
}

const intArg = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a whole number");
  return n;
};

const program = new Command()
  .name("portalsync")
  .description("Document-sync hub for Vietnamese government portals (Cổng thông tin điện tử): pull signed documents and procedures, verify, version, deliver.")
  .showHelpAfterError()
  .addOption(new Option("-c, --config <file>", "configuration file (default: portalsync.config.yaml|json in the current directory, or $PORTALSYNC_CONFIG)"));

program
  .command("serve")
  .description("run the hub: HTTP API, workers and schedules (Ctrl-C stops it cleanly)")
  .option("--demo", "run the connectors' simulators in-process and sync from them (what `npm start` does)")
  .option("-p, --port <port>", "HTTP port (default 8080, or $PORT)", intArg)
  .action(async (opts: { demo?: boolean; port?: number }) => {
    const config = await load({ ...program.opts(), ...opts });
    const { createLogger, demoSetup, startHub, createFileVerifier, registry } = await core();
    const log = createLogger(config.log);
    // Handlers go in first: a Ctrl-C during start-up must still close the
    // database cleanly once start-up has finished.
    let hub: import("./hub/index.ts").RunningHub | null = null;
    let demo: import("./hub/demo.ts").DemoSetup | null = null;
    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, "stopping");
      // Mid start-up: the start path sees `stopping` and shuts down itself.
      if (!hub) return;
      await hub?.stop();
      log.info("stopped");
      process.exit(0);
    };
    process.on("SIGINT", () => void shutdown("SIGINT"));
    process.on("SIGTERM", () => void shutdown("SIGTERM"));

    demo = config.demo ? await demoSetup(config, registry(), log) : null;
    hub = await startHub({
      config: demo?.config ?? config,
      connectors: registry(),
      log,
      verifier: await createFileVerifier(demo?.config ?? config, log),
      mounts: demo?.mounts ?? [],
      onListening: demo?.onListening,
    });
    if (stopping) {
      await hub.stop();
      log.info("stopped");
      process.exit(0);
    }
    if (demo) await demo.afterStart(hub);
  });

program
  .command("sync")
  .description("sync one source now, in this process (the hub must not be running on the embedded database)")
  .argument("<source>", "source id from the configuration")
  .option("--from <iso>", "backfill window start (ISO-8601), with --to")
  .option("--to <iso>", "backfill window end (ISO-8601)")
  .option("--item <id>", "sync one item by its source-side id")
  .action(async (sourceId: string, opts: { from?: string; to?: string; item?: string }) => {
    const config = await load(program.opts());
    const { createLogger, startHub, createFileVerifier, registry, DatabaseInUseError } = await core();
    const log = createLogger(config.log);
    if ((opts.from && !opts.to) || (!opts.from && opts.to)) fail("--from and --to go together");
    const hub = await startHub({
      config: { ...config, server: { ...config.server, port: 0 } },
      connectors: registry(),
      log,
      verifier: await createFileVerifier(config, log),
      schedules: false,
    }).catch((error) => {
      if (error instanceof DatabaseInUseError) fail(`${error.message}\nTrigger the run through the running hub instead: POST /api/v1/sources/${sourceId}/runs`);
      throw error;
    });
    try {
      const { requestRun } = await import("./pipeline/runs.ts");
      const runId = await requestRun(
        hub.ctx,
        opts.item
          ? { sourceId, trigger: "single", requestedBy: "cli", itemRef: opts.item }
          : opts.from
            ? { sourceId, trigger: "backfill", requestedBy: "cli", from: new Date(opts.from), to: new Date(opts.to!) }
            : { sourceId, trigger: "manual", requestedBy: "cli" },
      );
      const run = await waitForRun(hub.ctx.db.prisma, runId);
      console.log(JSON.stringify(run, null, 2));
      process.exitCode = run.status === "succeeded" ? 0 : 1;
    } finally {
      await hub.stop();
    }
  });

program
  .command("verify")
  .description("verify the digital signatures of PDF files or folders (contracts/verify-report.md)")
  .allowUnknownOption()
  .helpOption(false)
  .argument("[args...]")
  .action(async (args: string[]) => {
    const { runVerifyCommand } = await import("./verify/index.ts");
    process.exitCode = await runVerifyCommand(args, { stdout: process.stdout, stderr: process.stderr });
  });

program
  .command("migrate")
  .description("apply database migrations and exit (the hub also does this on start)")
  .action(async () => {
    const config = await load(program.opts());
    const { openDatabase } = await core();
    const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
    try {
      const result = await db.migrate();
      console.log(result.applied.length ? `applied: ${result.applied.join(", ")}` : `up to date (${result.alreadyApplied} migrations)`);
    } finally {
      await db.close();
    }
  });

program
  .command("token")
  .description("create an API token (shown once): for scripts (admin, clerk) or a portal site's feed (site)")
  .requiredOption("--name <name>", "who or what uses it")
  .addOption(new Option("--role <role>", "role").choices(["admin", "clerk", "site"]).makeOptionMandatory())
  .option("--site <site>", "the site, for --role site")
  .action(async (opts: { name: string; role: "admin" | "clerk" | "site"; site?: string }) => {
    if (opts.role === "site" && !opts.site) fail("--role site needs --site");
    const config = await load(program.opts());
    const { openDatabase, createApiToken, applySites, assertConfiguration, createLogger, registry } = await core();
    assertConfiguration(config, registry(), createLogger(config.log));
    const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
    let problem: string | null = null;
    try {
      await db.migrate();
      if (opts.role === "site") {
        // The site row may not exist yet (no `serve` so far): create the
        // configured ones, as a hub start would.
        await applySites(db.prisma, config);
        if (!(await db.prisma.site.findUnique({ where: { id: opts.site! } }))) {
          const configured = config.sites.map((s) => s.id);
          problem =
            `site "${opts.site}" is not configured. Add it under "sites:" in the configuration file (see docs/configuration.md), then run this command again.\n` +
            `Configured sites: ${configured.length ? configured.join(", ") : "none"}.`;
        }
      }
      if (!problem) {
        const { token } = await createApiToken(db.prisma, { name: opts.name, role: opts.role, siteId: opts.site ?? null });
        await db.prisma.auditEvent.create({ data: { actor: "cli", action: "token.create", targetType: "token", targetId: opts.name, details: { role: opts.role, site: opts.site ?? null } } });
        console.log(token);
      }
    } finally {
      await db.close();
    }
    // After the database is closed: fail() exits at once.
    if (problem) fail(problem);
  });

async function waitForRun(prisma: import("./db/index.ts").Prisma, runId: string) {
  for (;;) {
    const run = await prisma.syncRun.findUniqueOrThrow({ where: { id: runId } });
    if (!["queued", "running"].includes(run.status)) return run;
    await new Promise((r) => setTimeout(r, 250));
  }
}

function fail(message: string): never {
  console.error(`portalsync: ${message}`);
  process.exit(2);
}

program.parseAsync(process.argv).catch(async (error: unknown) => {
  const { ConfigError, DatabaseInUseError, createLogger } = await core().catch((importError: unknown) => {
    // the failure is in loading the modules themselves: no logger to report it with
    console.error(error, importError === error ? "" : importError);
    process.exit(1);
  });
  if (error instanceof ConfigError || error instanceof DatabaseInUseError) fail(error.message);
  const log = createLogger({ level: "error" });
  log.fatal({ err: error }, "portalsync failed");
  process.exit(1);
});
