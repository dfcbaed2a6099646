// The configuration file's shape (portalsync.config.yaml or .json). Every key
// is documented in docs/configuration.md; keep the two in step.

import { z } from "zod";

const isoDate = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, "YYYY-MM-DD").refine((d) => {
  const t = Date.parse(`${d}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().startsWith(d);
}, "no such date");
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "HH:MM");
const slug = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes");

export const sourceSchema = z.strictObject({
  id: slug,
  connector: z.string(),
  name: z.string(),
  enabled: z.boolean().default(true),
  /** cron expression in Vietnam time; omit for manual-only sources. */
  schedule: z.string().optional(),
  /** Connector options, validated by the connector's own schema. */
  options: z.record(z.string(), z.unknown()).default({}),
});

export const sectionSchema = z.strictObject({
  slug,
  name: z.string(),
  itemKind: z.enum(["document", "procedure"]).default("document"),
});

export const siteSchema = z.strictObject({
  id: slug,
  name: z.string(),
  mode: z.enum(["push", "pull"]).default("push"),
  /** Target connector (connectors/<name>): webhook (default), wordpress, liferay… */
  connector: z.string().default("webhook"),
  /** Connector options, validated by the connector's own optionsSchema (secrets by reference). */
  options: z.record(z.string(), z.unknown()).default({}),
  endpoint: z.url().optional(),
  /** whsec_… secrets; two during rotation (new first). */
  secrets: z.array(z.string().startsWith("whsec_")).default([]),
  publishMode: z.enum(["automatic", "review"]).default("automatic"),
  allowUnverified: z.boolean().default(false),
  enabled: z.boolean().default(true),
  sections: z.array(sectionSchema).min(1),
});

export const routingRuleSchema = z.strictObject({
  id: slug,
  name: z.string(),
  priority: z.number().int().default(100),
  enabled: z.boolean().default(true),
  match: z
    .strictObject({
      itemKind: z.enum(["document", "procedure"]).optional(),
      source: z.array(z.string()).optional(),
      docType: z.array(z.string()).optional(),
      issuerCode: z.array(z.string()).optional(),
      issuerName: z.array(z.string()).optional(),
      field: z.array(z.string()).optional(),
      keyword: z.array(z.string()).optional(),
    })
    .default({}),
  /** "site/section" pairs. */
  targets: z.array(z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, "site/section")).min(1),
});

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().default("127.0.0.1"),
      port: z.number().int().min(0).max(65535).default(8080),
      /** Base URL portals use to reach the hub (signed download links, feeds). */
      publicUrl: z.url().optional(),
      /**
       * How far the JavaScript heap may grow past its live size before a full
       * garbage collection, in percent (src/hub/heap.ts); 0 = V8's own choice.
       */
      heapGrowthPercent: z.number().int().min(0).max(1000).default(100),
      /**
       * Addresses of reverse proxies in front of the hub. Only a request whose
       * socket comes from one of them has its X-Forwarded-For believed (client
       * addresses for rate limits); empty = never.
       */
      trustedProxies: z.array(z.string()).default([]),
    })
    .prefault({}),
  /** Who may read /metrics (docs/observability.md). */
  metrics: z
    .strictObject({
      /** A bearer token Prometheus must send (write it as { env: NAME } or { file: path }); unset: no token asked. */
      token: z.string().min(16, "at least 16 characters").optional(),
      /** Serve /metrics on this address only, not on the main listener (which then answers 404). */
      listen: z.strictObject({ host: z.string().default("127.0.0.1"), port: z.number().int().min(0).max(65535) }).optional(),
    })
    .prefault({}),
  /** Data directory: embedded database and blob store. */
  dataDir: z.string().default("./data"),
  /** postgres://… for PostgreSQL; empty for the embedded PGlite. */
  databaseUrl: z.string().optional(),
  log: z
    .strictObject({
      level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
      pretty: z.boolean().optional(),
    })
    .prefault({}),
  /** Run the connectors' simulators in-process and point demo sources at them. */
  demo: z.boolean().default(false),
  verify: z
    .strictObject({
      trust: z.array(z.string()).default(["./trust"]),
      crls: z.array(z.string()).default([]),
      allowSha1: z.boolean().default(false),
    })
    .prefault({}),
  ingest: z
    .strictObject({
      maxFileBytes: z.number().int().positive().default(200 * 1024 * 1024),
      concurrency: z.number().int().min(1).max(64).default(4),
      /** Sync runs (of different sources) one process works at once. */
      parallelRuns: z.number().int().min(1).max(32).default(2),
    })
    .prefault({}),
  delivery: z
    .strictObject({
      timeoutMs: z.number().int().positive().default(15_000),
      concurrency: z.number().int().min(1).max(256).default(16),
      downloadUrlTtlSeconds: z.number().int().positive().default(7 * 24 * 3600),
    })
    .prefault({}),
  auth: z
    .strictObject({
      /** Signs session cookies and download URLs; set it in production. */
      secret: z.string().min(16).optional(),
      bootstrapAdmin: z
        .strictObject({ username: z.string().default("admin"), password: z.string().min(8).optional() })
        .prefault({}),
      /** Slowing password guessing at sign-in (src/auth/throttle.ts, docs/security.md). */
      signInThrottle: z
        .strictObject({
          /** Wrong passwords for one account from one address before waits start. */
          failures: z.number().int().min(1).default(5),
          /** From one address, any accounts. */
          addressFailures: z.number().int().min(1).default(20),
          /** For one account, any addresses. */
          accountFailures: z.number().int().min(1).default(20),
          /** The first wait; each further failure doubles it. */
          firstDelaySeconds: z.number().int().min(1).default(15),
          maxDelaySeconds: z.number().int().min(1).default(900),
          /** Cap of the per-account wait, which holds back the real user too: keep it short. */
          accountMaxDelaySeconds: z.number().int().min(1).default(60),
          /** Failures are forgotten after this long without one. */
          forgetMinutes: z.number().int().min(1).default(15),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Operator alerts (src/alerts): failing or lagging sources, dead deliveries. */
  alerts: z
    .strictObject({
      enabled: z.boolean().default(true),
      checkIntervalSeconds: z.number().int().min(10).default(60),
      /** A source failing this many runs in a row alerts. */
      failureThreshold: z.number().int().min(1).default(3),
      /** A scheduled source with no successful run for this long alerts. */
      lagMinutes: z.number().int().min(1).default(180),
      /** While a condition lasts, notify again after this long. */
      repeatMinutes: z.number().int().min(1).default(24 * 60),
      /** This many unsuccessful sign-ins (wrong or refused while throttled) within the window alert. */
      signInFailureThreshold: z.number().int().min(1).default(30),
      signInWindowMinutes: z.number().int().min(1).default(10),
      webhooks: z.array(z.strictObject({ url: z.url(), headers: z.record(z.string(), z.string()).default({}) })).default([]),
      email: z
        .strictObject({
          to: z.array(z.email()).min(1),
          from: z.string().default("portalsync <portalsync@localhost>"),
          smtp: z.strictObject({
            host: z.string(),
            port: z.number().int().min(1).max(65535).default(587),
            /** TLS from the start (port 465); otherwise STARTTLS when offered. */
            secure: z.boolean().default(false),
            user: z.string().optional(),
            password: z.string().optional(),
          }),
        })
        .optional(),
    })
    .prefault({}),
  /** Public verification (/tra-cuu, /api/v1/public/verify): docs/public-verification.md. */
  publicVerify: z
    .object({
      enabled: z.boolean().default(true),
      /** Hash lookups per client address: a bucket of `max` refilled over `windowSeconds`. */
      lookups: z.object({ max: z.number().int().min(1).default(60), windowSeconds: z.number().int().min(1).default(60) }).prefault({}),
      /** Uploads per client address (each one is verified). */
      uploads: z.object({ max: z.number().int().min(1).default(10), windowSeconds: z.number().int().min(1).default(60) }).prefault({}),
      /** Uploads verified at once by this process; more wait, up to `queue`, then 503. */
      concurrency: z.number().int().min(1).max(16).default(2),
      queue: z.number().int().min(0).max(1000).default(16),
    })
    .prefault({}),
  /** The editorial board's publication report (docs/reports.md): working calendar and lateness. */
  reports: z
    .strictObject({
      /** Extra days off, YYYY-MM-DD: Tết, compensatory days off, the second day of 2 September… */
      holidays: z.array(isoDate).default([]),
      /** Weekend days worked in exchange for a bridged day off, YYYY-MM-DD. */
      workingWeekends: z.array(isoDate).default([]),
      /** Days off every year, MM-DD. */
      fixedHolidays: z.array(z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, "MM-DD")).default(["01-01", "04-30", "05-01", "09-02"]),
      /** Working time, Vietnam time. */
      dayStart: hhmm.default("07:30"),
      dayEnd: hhmm.default("17:00"),
      /** A document is late when it reached a site more than this many working hours after its issue. */
      lateAfterHours: z.number().positive().max(10_000).default(19),
    })
    .refine((r) => r.dayEnd > r.dayStart, { message: "dayEnd must be after dayStart", path: ["dayEnd"] })
    .prefault({}),
  sources: z.array(sourceSchema).default([]),
  sites: z.array(siteSchema).default([]),
  routing: z.array(routingRuleSchema).default([]),
});

export type Config = z.infer<typeof configSchema>;
export type SourceConfig = z.infer<typeof sourceSchema>;
export type SiteConfig = z.infer<typeof siteSchema>;
export type RoutingRuleConfig = z.infer<typeof routingRuleSchema>;
