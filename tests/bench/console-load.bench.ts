// Console and API latency (issue 15, item 4), on the embedded database
// (PGlite) and on PostgreSQL side by side, against a real `portalsync serve`
// process (the operator's CLI, in a child process of its own):
//
//  1. quiet: 10,000 documents (versions, files, deliveries to 3 sites), 500
//     procedures and 300 runs seeded by SQL through the hub's own database
//     layer; then each read the console makes (document and procedure lists
//     and searches with and without diacritics, by số ký hiệu, dashboard,
//     deliveries, runs; JSON API and console pages) one after another:
//     median and p95;
//  2. under load, during a backfill (a real sync run ingesting signed
//     documents from the iOffice simulator, in another process):
//     "users": 50 clients, each a person reading a page and then pausing
//     BENCH_THINK_MS on average (about 50 reads a second in all, the load of
//     the original report) for BENCH_LOAD_SECONDS; then "saturation": the
//     same clients with no pause for BENCH_SATURATION_SECONDS (the hub's
//     capacity, and latency once requests queue). p50/p99/max/errors per
//     read. A prober asks /healthz (no database) and /readyz (one SELECT 1
//     through the same database layer) four times a second: the baselines.
//
//   npm run bench -- console-load
//   BENCH_DB=pglite BENCH_DOCUMENTS=10000 BENCH_LOAD_SECONDS=30 BENCH_THINK_MS=1000 BENCH_SATURATION_SECONDS=20 BENCH_CLIENTS=50 BENCH_SAMPLES=60 …
//   BENCH_HUB_CPUPROF=dir   CPU profile of the hub process
//
// Targets: every read ≤ 20 ms median and ≤ 100 ms p95 on PGlite with 10,000
// documents; 50 users during a backfill, p99 < 1 s.

import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createApiToken, hashPassword, sessionDeps, signIn } from "../../src/auth/index.ts";
import { configSchema } from "../../src/config/index.ts";
import { documentRow, seedConsoleWorkload } from "./support/console-seed.ts";
import { openDatabase } from "../../src/db/index.ts";
import { applyConfiguration } from "../../src/hub/seed.ts";
import { startCli, type CliProcess } from "../support/cli-process.ts";
import { createTestDatabase } from "../support/pg.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const env = process.env;
const DOCUMENTS = Number(env.BENCH_DOCUMENTS ?? 10_000);
const PROCEDURES = Number(env.BENCH_PROCEDURES ?? 500);
const RUNS = Number(env.BENCH_RUNS ?? 300);
const SAMPLES = Number(env.BENCH_SAMPLES ?? 60);
const CLIENTS = Number(env.BENCH_CLIENTS ?? 50);
const LOAD_SECONDS = Number(env.BENCH_LOAD_SECONDS ?? 30);
const THINK_MS = Number(env.BENCH_THINK_MS ?? 1000);
const SATURATION_SECONDS = Number(env.BENCH_SATURATION_SECONDS ?? 20);
const BACKFILL_DOCS = Number(env.BENCH_BACKFILL_DOCS ?? 3000);
const REQUEST_TIMEOUT_MS = 10_000;
const DATABASES = (env.BENCH_DB ?? "pglite,postgres").split(",") as ("pglite" | "postgres")[];
const PG_SERVER = env.PORTALSYNC_TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const SITES = ["tinh", "huyen", "xa"];

const median = (xs: number[]) => pct(xs, 0.5);
const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]! : NaN);
const f = (x: number) => (Number.isNaN(x) ? "—" : x >= 100 ? x.toFixed(0) : x.toFixed(1));

// ─── The simulator the backfill reads (its own process: signing PDFs is its CPU, not the hub's) ───
async function startSimulator(count: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(here, "support/ioffice-sim-server.ts"), String(count)], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n").find((l) => l.startsWith("{") && l.endsWith("}"));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once("exit", (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return { url, stop: async () => void (child.kill("SIGTERM"), await exited) };
}

// ─── What is measured ───
const NUMBER = documentRow(Math.floor(DOCUMENTS * 0.4711)).number; // e.g. "1712/QĐ-UBND"
const DEEP_PAGE = Math.max(1, Math.floor(DOCUMENTS / 25 / 2)); // the middle of the list
const READS: { name: string; path: string; expect: RegExp }[] = [
  { name: "API documents", path: "/api/v1/documents", expect: /"documents":\[\{/ },
  { name: `API documents page ${DEEP_PAGE}`, path: `/api/v1/documents?page=${DEEP_PAGE}`, expect: /"documents":\[\{/ },
  { name: "API search 'quyết định'", path: `/api/v1/documents?q=${encodeURIComponent("quyết định")}`, expect: /"documents":\[\{/ },
  { name: "API search 'quyet dinh'", path: "/api/v1/documents?q=quyet%20dinh", expect: /"documents":\[\{/ },
  { name: "API search rare 'khoáng sản'", path: `/api/v1/documents?q=${encodeURIComponent("khoáng sản 2025")}`, expect: /"documents":\[\{/ },
  { name: `API số ký hiệu ${NUMBER}`, path: `/api/v1/documents?q=${encodeURIComponent(NUMBER)}`, expect: /"documents":\[\{/ },
  { name: "API procedures", path: "/api/v1/procedures", expect: /"procedures":\[\{/ },
  { name: "API procedures 'cap giay phep'", path: "/api/v1/procedures?q=cap%20giay%20phep", expect: /"procedures":\[\{/ },
  { name: "API dashboard", path: "/api/v1/dashboard", expect: /"reviewQueue"/ },
  { name: "API deliveries", path: "/api/v1/deliveries", expect: /"deliveries":\[\{/ },
  { name: "API deliveries dead@huyen", path: "/api/v1/deliveries?site=huyen&state=dead", expect: /"deliveries":\[\{/ },
  { name: "API runs", path: "/api/v1/runs", expect: /"runs":\[\{/ },
  { name: "console dashboard", path: "/console", expect: /id="sources"/ },
  { name: "console documents", path: "/console/documents", expect: /id="documents"/ },
  { name: "console search 'quyet dinh'", path: "/console/documents?q=quyet%20dinh", expect: /id="documents"/ },
  { name: "console procedures 'giấy phép'", path: `/console/procedures?q=${encodeURIComponent("giấy phép")}`, expect: /<table/ },
  { name: "console deliveries", path: "/console/deliveries", expect: /id="deliveries"/ },
  { name: "console deliveries held", path: "/console/deliveries?state=held", expect: /id="deliveries"/ },
  { name: "console runs", path: "/console/runs", expect: /id="runs"/ },
];
const BASELINES = [
  { name: "/healthz (no database)", path: "/healthz", expect: /"ok"/ },
  { name: "/readyz (SELECT 1)", path: "/readyz", expect: /"ready"/ },
];

interface Auth { token: string; cookie: string }
async function get(base: string, auth: Auth, p: string, expect: RegExp): Promise<number> {
  const t0 = performance.now();
  const headers: Record<string, string> = p.startsWith("/console") ? { cookie: `portalsync_session=${auth.cookie}` } : { authorization: `Bearer ${auth.token}` };
  const res = await fetch(base + p, { headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), redirect: "manual" });
  const text = await res.text();
  const took = performance.now() - t0;
  if (res.status !== 200 || !expect.test(text)) throw new Error(`${p}: ${res.status} ${text.slice(0, 200)}`);
  return took;
}

interface Phase {
  load: Map<string, { n: number; p50: number; p99: number; max: number; errors: number }>;
  rps: number;
  backfillDocs: number;
  probeGapMs: number;
}

interface Result {
  db: string;
  quiet: Map<string, { median: number; p95: number }>;
  users: Phase;
  saturation: Phase;
}

async function measure(kind: "pglite" | "postgres", simUrl: string): Promise<Result> {
  console.log(`\n── ${kind} ──`);
  const dir = await mkdtemp(path.join(os.tmpdir(), "portalsync-bench-console-"));
  const database = kind === "postgres" ? await createTestDatabase(PG_SERVER, "portalsync_bench") : null;
  const config = {
    log: { level: "warn" },
    verify: { trust: [path.resolve(here, "../../connectors/sim-kit/test-ca")] },
    sources: [{ id: "ioffice", connector: "ioffice", name: "iOffice tỉnh", options: { baseUrl: simUrl, clientId: "bench", clientSecret: "bench-secret-123", pageSize: 50 } }],
    sites: SITES.map((s) => ({ id: s, name: `Cổng ${s}`, mode: "pull", sections: [{ slug: "van-ban", name: "Văn bản" }] })),
    routing: [{ id: "all", name: "all", match: { itemKind: "document" }, targets: SITES.map((s) => `${s}/van-ban`) }],
  };
  const configFile = path.join(dir, "portalsync.config.json");
  await writeFile(configFile, JSON.stringify(config));
  const dataDir = path.join(dir, "data");
  const processEnv: Record<string, string> = { PORTALSYNC_DATA_DIR: dataDir, PORTALSYNC_SECRET: "bench-secret-0123456789abcdef0123", ...(database ? { DATABASE_URL: database.url } : {}) };
  // BENCH_HUB_CPUPROF=dir: CPU profile of the hub process (the whole run; the load phase is its last BENCH_LOAD_SECONDS).
  const nodeArgs = env.BENCH_HUB_CPUPROF ? ["--cpu-prof", `--cpu-prof-dir=${env.BENCH_HUB_CPUPROF}`] : [];
  let hub: CliProcess | null = null;
  try {
    // Seed through the hub's own database layer before the hub starts (PGlite is single-process).
    const db = await openDatabase({ url: database?.url, dataDir });
    let auth: Auth;
    try {
      await db.migrate();
      await applyConfiguration(db.prisma, configSchema.parse({ ...config, dataDir }), new Set(["ioffice"]));
      console.log(`  ${await seedConsoleWorkload(db, "ioffice", { documents: DOCUMENTS, procedures: PROCEDURES, runs: RUNS })}`);
      const { token } = await createApiToken(db.prisma, { name: "bench", role: "admin" });
      await db.prisma.user.create({ data: { username: "bench", displayName: "Bench", role: "admin", passwordHash: await hashPassword("bench-password-1") } });
      const signed = await signIn(sessionDeps({ db, now: () => new Date(), config: configSchema.parse({ dataDir }) }), "bench", "bench-password-1");
      auth = { token, cookie: signed!.cookie };
    } finally {
      await db.close();
    }

    hub = startCli(["--config", configFile, "serve", "--port", "0"], processEnv, undefined, nodeArgs);
    const base = String((await hub.waitForLog((l) => l.msg === "portalsync hub listening", 120_000)).url);

    // 1. Quiet
    const quiet = new Map<string, { median: number; p95: number }>();
    for (const r of [...BASELINES, ...READS]) {
      for (let i = 0; i < 5; i++) await get(base, auth, r.path, r.expect);
      const xs: number[] = [];
      for (let i = 0; i < SAMPLES; i++) xs.push(await get(base, auth, r.path, r.expect));
      quiet.set(r.name, { median: median(xs), p95: pct(xs, 0.95) });
      console.log(`  quiet  ${r.name.padEnd(36)} median ${f(median(xs)).padStart(6)} ms  p95 ${f(pct(xs, 0.95)).padStart(6)} ms`);
    }

    // 2. Under load, during a backfill
    const trigger = await fetch(`${base}/api/v1/sources/ioffice/runs`, {
      method: "POST",
      headers: { authorization: `Bearer ${auth.token}`, "content-type": "application/json" },
      body: JSON.stringify({ trigger: "backfill", from: "2020-01-01T00:00:00+07:00", to: "2035-01-01T00:00:00+07:00" }),
    });
    if (trigger.status !== 202) throw new Error(`backfill: ${trigger.status} ${await trigger.text()}`);
    const { runId } = (await trigger.json()) as { runId: string };
    const runCreated = async () => {
      const res = await fetch(`${base}/api/v1/runs/${runId}`, { headers: { authorization: `Bearer ${auth.token}` } });
      return (await res.json()) as { status: string; counts: { created: number } };
    };
    for (let i = 0; (await runCreated()).counts.created === 0; i++) {
      if (i > 600) throw new Error("the backfill did not start ingesting within 60 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    const createdBefore = (await runCreated()).counts.created;

    // Two phases, both during the backfill. "users": each client is a person
    // who reads a page, then looks at it for THINK_MS on average (uniform
    // 0.5–1.5×) before the next one; 50 of them ask about 50 pages a second,
    // the load of the original report (50 users, 48 requests/s on
    // PostgreSQL). The p99 target is judged here. "saturation": the same
    // clients with no pause at all, which shows the hub's capacity and how
    // latency grows once requests queue.
    const phase = async (name: string, seconds: number, thinkMs: number): Promise<Phase> => {
      const created0 = (await runCreated()).counts.created;
      const samples = new Map<string, { xs: number[]; errors: number }>();
      const record = (key: string, x: number | null) => {
        const s = samples.get(key) ?? { xs: [], errors: 0 };
        if (x === null) s.errors++;
        else s.xs.push(x);
        samples.set(key, s);
      };
      const deadline = performance.now() + seconds * 1000;
      let requests = 0;
      let lastProbe = performance.now();
      let probeGapMs = 0;
      const client = async (c: number) => {
        // Users do not all arrive in the same millisecond.
        if (thinkMs > 0) await new Promise((r) => setTimeout(r, Math.random() * thinkMs));
        for (let i = c; performance.now() < deadline; i++) {
          const r = READS[i % READS.length]!;
          const kind = r.path.startsWith("/console") ? "console pages" : "JSON API";
          try {
            const x = await get(base, auth, r.path, r.expect);
            record(kind, x);
            record(`  ${r.name}`, x);
          } catch {
            record(kind, null);
            record(`  ${r.name}`, null);
          }
          requests++;
          if (thinkMs > 0) await new Promise((r) => setTimeout(r, thinkMs * (0.5 + Math.random())));
        }
      };
      const prober = async () => {
        while (performance.now() < deadline) {
          for (const b of BASELINES) {
            try {
              record(b.name, await get(base, auth, b.path, b.expect));
              const now = performance.now();
              if (b.path === "/healthz") probeGapMs = Math.max(probeGapMs, now - lastProbe), (lastProbe = now);
            } catch {
              record(b.name, null);
            }
          }
          await new Promise((r) => setTimeout(r, 250));
        }
      };
      // The clients' own event loop: a stall here would show as hub latency.
      const clientLoop = monitorEventLoopDelay({ resolution: 10 });
      clientLoop.enable();
      const loadStart = performance.now();
      await Promise.all([prober(), ...Array.from({ length: CLIENTS }, (_, c) => client(c))]);
      clientLoop.disable();
      const loadSeconds = (performance.now() - loadStart) / 1000;
      const after = await runCreated();
      const backfillDocs = after.counts.created - created0;
      const load = new Map<string, { n: number; p50: number; p99: number; max: number; errors: number }>();
      console.log(`  ── ${name}: ${CLIENTS} clients, ${thinkMs ? `pausing ${thinkMs} ms on average between reads` : "no pause between reads"}`);
      for (const [key, s] of samples) {
        load.set(key, { n: s.xs.length, p50: median(s.xs), p99: pct(s.xs, 0.99), max: Math.max(...s.xs), errors: s.errors });
        console.log(`  load   ${key.padEnd(36)} n ${String(s.xs.length).padStart(5)}  p50 ${f(median(s.xs)).padStart(6)} ms  p99 ${f(pct(s.xs, 0.99)).padStart(6)} ms  max ${f(Math.max(...s.xs)).padStart(6)} ms  errors ${s.errors}`);
      }
      console.log(`  ${requests} reads in ${loadSeconds.toFixed(1)} s (${(requests / loadSeconds).toFixed(1)}/s) by ${CLIENTS} clients; backfill stored ${backfillDocs} documents meanwhile (run ${after.status}); longest /healthz silence ${f(probeGapMs)} ms; the clients' own event-loop delay max ${f(clientLoop.max / 1e6)} ms`);
      return { load, rps: requests / loadSeconds, backfillDocs, probeGapMs };
    };
    const users = await phase("users", LOAD_SECONDS, THINK_MS);
    const saturation = await phase("saturation", SATURATION_SECONDS, 0);
    return { db: kind, quiet, users, saturation };
  } finally {
    if (hub && hub.child.exitCode === null) {
      hub.child.kill("SIGTERM");
      const timer = setTimeout(() => hub!.child.kill("SIGKILL"), 20_000);
      await hub.exited;
      clearTimeout(timer);
    }
    await database?.drop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

const sim = await startSimulator(BACKFILL_DOCS);
const results: Result[] = [];
try {
  for (const kind of DATABASES) results.push(await measure(kind, sim.url));
} finally {
  await sim.stop();
}

console.log(`\nmachine: ${os.cpus().length} CPUs, load average ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}; ${DOCUMENTS} documents, ${SAMPLES} samples per read (quiet), ${CLIENTS} clients for ${LOAD_SECONDS} s during a backfill (load)`);
console.log(`| read (quiet, ms) | ${results.map((r) => `${r.db} median | ${r.db} p95`).join(" | ")} |`);
console.log(`|---|${results.map(() => "---|---").join("|")}|`);
for (const r of [...BASELINES, ...READS]) {
  console.log(`| ${r.name} | ${results.map((x) => `${f(x.quiet.get(r.name)!.median)} | ${f(x.quiet.get(r.name)!.p95)}`).join(" | ")} |`);
}
for (const [label, pick] of [["50 users", (r: Result) => r.users], ["saturation", (r: Result) => r.saturation]] as const) {
  console.log(`\n| under load, ${label} (ms) | ${results.map((r) => `${r.db} p50 | ${r.db} p99 | ${r.db} errors`).join(" | ")} |`);
  console.log(`|---|${results.map(() => "---|---|---").join("|")}|`);
  for (const name of ["JSON API", "console pages", ...BASELINES.map((b) => b.name)]) {
    console.log(`| ${name} | ${results.map((x) => { const l = pick(x).load.get(name); return l ? `${f(l.p50)} | ${f(l.p99)} | ${l.errors}` : "— | — | —"; }).join(" | ")} |`);
  }
  console.log(`| reads/s | ${results.map((x) => `${pick(x).rps.toFixed(1)} | | `).join(" | ")} |`);
  console.log(`| backfill documents stored meanwhile | ${results.map((x) => `${pick(x).backfillDocs} | | `).join(" | ")} |`);
}
const worst = results.find((x) => x.db === "pglite");
if (worst) {
  const misses = [...worst.quiet].filter(([name, q]) => !name.startsWith("/") && (q.median > 20 || q.p95 > 100)).map(([n]) => n);
  const p99 = Math.max(...["JSON API", "console pages"].map((n) => worst.users.load.get(n)?.p99 ?? NaN));
  console.log(`\nPGlite targets: quiet ≤ 20 ms median / ≤ 100 ms p95: ${misses.length ? `missed by ${misses.join(", ")}` : "met by every read"}; 50 users during a backfill, p99 < 1 s: ${p99 < 1000 ? "met" : "missed"} (${f(p99)} ms)`);
}
process.exit(0);
