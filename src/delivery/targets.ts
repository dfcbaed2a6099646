// Sending through a target connector: which connector each push site uses,
// its parsed options, the problems that keep it from being pushed to, one
// client per site, and the DeliveryRequest a claimed row becomes. The core
// never names a connector: it looks each site's `connector:` up in the
// registry the composition root passed in.

import { Readable } from "node:stream";
import type { DeliveryEvent, DeliveryFile, DeliveryRequest, SectionRef, TargetCheck, TargetClient, TargetConnector, TargetSite } from "../../connectors/sdk.ts";
import type { Config, SiteConfig } from "../config/index.ts";
import type { BlobStore, Prisma } from "../db/index.ts";
import type { ConnectorRegistry, HubContext } from "../hub/context.ts";
import { connectorContext } from "../pipeline/sync-run.ts";
import type { FileSnapshot } from "./payload.ts";

export class TargetConfigError extends Error {}

export interface ResolvedTarget {
  connector: TargetConnector<any>;
  site: TargetSite<unknown>;
  /** Why the site cannot be pushed to as configured (empty: fine). */
  problems: string[];
}

/**
 * Each push site's connector and options. An unknown connector name is a
 * start-up error (like a source's); options the connector's schema refuses
 * and the connector's own `validate` problems stop that site only.
 */
export function resolveTargets(config: Pick<Config, "sites">, registry: ConnectorRegistry): Map<string, ResolvedTarget> {
  const out = new Map<string, ResolvedTarget>();
  for (const site of config.sites) {
    if (site.mode !== "push") continue;
    const name = site.connector ?? "webhook";
    const connector = registry.targets.get(name);
    if (!connector) {
      // A hub built without target connectors (a library use, a narrow test)
      // still serves the pull feed: nothing is registered at all.
      if (registry.targets.size === 0) continue;
      throw new TargetConfigError(`sites.${site.id}.connector: unknown target connector "${name}" (known: ${[...registry.targets.keys()].join(", ")})`);
    }
    out.set(site.id, resolveOne(site, connector));
  }
  return out;
}

function resolveOne(site: SiteConfig, connector: TargetConnector<any>): ResolvedTarget {
  const base = { id: site.id, name: site.name, endpoint: site.endpoint ?? null, secrets: site.secrets ?? [] };
  const parsed = connector.optionsSchema.safeParse(site.options ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `sites.${site.id}.options${i.path.length ? `.${i.path.join(".")}` : ""}: ${i.message}`);
    return { connector, site: { ...base, options: site.options ?? {} }, problems };
  }
  const target: TargetSite<unknown> = { ...base, options: parsed.data };
  const problems = (connector.validate?.(target) ?? []).map((p) => `sites.${site.id}.${p.path}: ${p.message}`);
  return { connector, site: target, problems };
}

export type StopKind = "configuration" | "unauthorized";

/**
 * At start: a site with configuration problems is stopped with them as its
 * reason; every other stop is lifted (a fixed configuration, a new password:
 * a restart tries again, and a site still refused stops again on its first
 * answer). Queued rows are never touched: they wait for the site.
 */
export async function applyTargetProblems(prisma: Prisma, resolved: Map<string, ResolvedTarget>, now: Date): Promise<void> {
  const rows = await prisma.site.findMany({ select: { id: true, stoppedReason: true, stoppedKind: true } });
  for (const row of rows) {
    const target = resolved.get(row.id);
    const reason = target && target.problems.length > 0 ? target.problems.join("; ") : null;
    if (reason) {
      if (row.stoppedReason === reason && row.stoppedKind === "configuration") continue;
      await stopSite(prisma, row.id, "configuration", reason, now);
    } else if (row.stoppedReason !== null) {
      await resumeSite(prisma, row.id, "system", "restart");
    }
  }
}

export async function stopSite(prisma: Prisma, siteId: string, kind: StopKind, reason: string, now: Date): Promise<void> {
  await prisma.$transaction([
    prisma.site.update({ where: { id: siteId }, data: { stoppedReason: reason, stoppedKind: kind, stoppedAt: now } }),
    prisma.auditEvent.create({ data: { actor: "system", action: "site.stop", targetType: "site", targetId: siteId, details: { kind, reason } } }),
  ]);
}

/** A 410 Gone: only the endpoint is disabled, until a person re-enables it. */
export async function disableEndpoint(prisma: Prisma, siteId: string, reason: string): Promise<void> {
  await prisma.$transaction([
    prisma.site.update({ where: { id: siteId }, data: { disabledReason: reason } }),
    prisma.auditEvent.create({ data: { actor: "system", action: "site.endpoint.disable", targetType: "site", targetId: siteId, details: { reason } } }),
  ]);
}

export async function resumeSite(prisma: Prisma, siteId: string, actor: string, why: string): Promise<void> {
  const row = await prisma.site.findUnique({ where: { id: siteId }, select: { stoppedReason: true, stoppedKind: true } });
  if (!row?.stoppedReason) return;
  await prisma.$transaction([
    prisma.site.update({ where: { id: siteId }, data: { stoppedReason: null, stoppedKind: null, stoppedAt: null } }),
    prisma.auditEvent.create({
      data: { actor, action: "site.resume", targetType: "site", targetId: siteId, details: { why, wasStoppedBecause: row.stoppedReason, kind: row.stoppedKind } },
    }),
  ]);
}

/** One client per site, made on first use. */
export function createTargetPool(ctx: HubContext, resolved: Map<string, ResolvedTarget>) {
  const clients = new Map<string, TargetClient>();
  return {
    resolved,
    client(siteId: string): TargetClient | null {
      let client = clients.get(siteId);
      if (!client) {
        const target = resolved.get(siteId);
        if (!target || target.problems.length > 0) return null;
        client = target.connector.create(target.site, { ...connectorContext(ctx, `target:${siteId}`), timeoutMs: ctx.config.delivery.timeoutMs });
        clients.set(siteId, client);
      }
      return client;
    },
  };
}
export type TargetPool = ReturnType<typeof createTargetPool>;

/** The files of a delivery with their hub links and their bytes from the blob store. */
export function deliveryFiles(files: FileSnapshot[], link: (f: FileSnapshot) => string, blobs: BlobStore): DeliveryFile[] {
  return files.map((f) => ({
    name: f.name, mime: f.mime, size: f.size, sha256: f.sha256, role: f.role, url: link(f),
    open: async () => Readable.toWeb(blobs.open(f.sha256)) as ReadableStream<Uint8Array>,
  }));
}

export function deliveryRequest(parts: {
  messageId: string; timestamp: number; occurredAt: string; event: string; itemId: string; data: Record<string, unknown>;
  site: { id: string; name: string }; section: SectionRef; files: DeliveryFile[]; remoteId: string | null;
}): DeliveryRequest {
  return { ...parts, event: parts.event as DeliveryEvent };
}

/**
 * The console's "check connection": the site's connector checks credentials,
 * capability and sections. A site stopped because the CMS refused the hub's
 * credentials is resumed by a check that passes (its queued work then goes).
 */
export async function checkSiteConnection(ctx: HubContext, siteId: string, actor: string): Promise<(TargetCheck & { connector: string; resumed: boolean }) | null> {
  const configured = ctx.config.sites.find((s) => s.id === siteId);
  if (!configured) return null;
  const resolved = resolveTargets({ sites: [configured] }, ctx.connectors).get(siteId);
  const connector = resolved?.connector.name ?? configured.connector ?? "webhook";
  let result: TargetCheck;
  if (!resolved) {
    result = { ok: false, latencyMs: 0, checks: [{ name: "mode", ok: false, message: "a pull site is not pushed to: nothing to check" }] };
  } else if (resolved.problems.length > 0) {
    // The configuration itself is wrong: no request would tell more.
    result = { ok: false, latencyMs: 0, checks: resolved.problems.map((p) => ({ name: "configuration", ok: false, message: p })) };
  } else {
    const sections = await ctx.db.prisma.section.findMany({ where: { siteId }, orderBy: { slug: "asc" } });
    const client = resolved.connector.create(resolved.site, { ...connectorContext(ctx, `check:${siteId}`), timeoutMs: ctx.config.delivery.timeoutMs });
    try {
      result = await client.check(sections.map((s) => ({ slug: s.slug, name: s.name, itemKind: s.itemKind })));
    } catch (error) {
      result = { ok: false, latencyMs: 0, checks: [{ name: "connection", ok: false, message: (error as Error).message }] };
    }
  }
  let resumed = false;
  if (result.ok) {
    const row = await ctx.db.prisma.site.findUnique({ where: { id: siteId }, select: { stoppedKind: true } });
    if (row?.stoppedKind === "unauthorized") {
      await resumeSite(ctx.db.prisma, siteId, actor, "connection check passed");
      resumed = true;
    }
  }
  await ctx.db.prisma.auditEvent.create({
    data: { actor, action: "site.check", targetType: "site", targetId: siteId, details: { ok: result.ok, checks: result.checks, resumed } },
  });
  return { ...result, connector, resumed };
}
