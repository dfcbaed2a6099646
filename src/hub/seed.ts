// Configuration is the source of truth for sources, sites, sections and
// routing rules; the database holds their state (cursors, health, deliveries).
// At start the configured entities are upserted; ones removed from the file
// are disabled, never deleted, so their history stays visible.

import type { Config, SiteConfig } from "../config/index.ts";
import type { Prisma } from "../db/index.ts";

type Tx = Parameters<Parameters<Prisma["$transaction"]>[0]>[0];

export class SeedError extends Error {}

export async function applyConfiguration(prisma: Prisma, config: Config, knownConnectors: ReadonlySet<string>): Promise<void> {
  for (const source of config.sources) {
    if (!knownConnectors.has(source.connector)) {
      throw new SeedError(`source ${source.id}: unknown connector "${source.connector}" (known: ${[...knownConnectors].join(", ")})`);
    }
  }
  const sectionIds = new Map<string, string>();
  await prisma.$transaction(async (tx) => {
    for (const s of config.sources) {
      const data = { connector: s.connector, name: s.name, enabled: s.enabled, schedule: s.schedule ?? null };
      await tx.source.upsert({ where: { id: s.id }, create: { id: s.id, ...data }, update: data });
    }
    await tx.source.updateMany({ where: { id: { notIn: config.sources.map((s) => s.id) } }, data: { enabled: false } });

    for (const site of config.sites) {
      for (const [key, id] of await upsertSite(tx, site)) sectionIds.set(key, id);
    }
    await tx.site.updateMany({ where: { id: { notIn: config.sites.map((s) => s.id) } }, data: { enabled: false } });

    for (const rule of config.routing) {
      const targets = rule.targets.map((t) => {
        const id = sectionIds.get(t);
        if (!id) throw new SeedError(`routing rule ${rule.id}: target ${t} is not a configured site/section`);
        return id;
      });
      const data = { name: rule.name, priority: rule.priority, enabled: rule.enabled, match: rule.match };
      await tx.routingRule.upsert({ where: { id: rule.id }, create: { id: rule.id, ...data }, update: data });
      await tx.routingTarget.deleteMany({ where: { ruleId: rule.id } });
      await tx.routingTarget.createMany({ data: targets.map((sectionId) => ({ ruleId: rule.id, sectionId })) });
    }
    await tx.routingRule.updateMany({ where: { id: { notIn: config.routing.map((r) => r.id) } }, data: { enabled: false } });
  });
}

/**
 * Creates or updates the configured sites and their sections only (the
 * `token` command: a site token needs its site row, and must not disable
 * sources or sites the way a hub start does).
 */
export async function applySites(prisma: Prisma, config: Config): Promise<void> {
  await prisma.$transaction(async (tx) => {
    for (const site of config.sites) await upsertSite(tx, site);
  });
}

/** One site and its sections; returns "site/section" → section id. */
async function upsertSite(tx: Tx, site: SiteConfig): Promise<Map<string, string>> {
  const data = {
    name: site.name,
    mode: site.mode,
    connector: site.connector ?? "webhook",
    endpoint: site.endpoint ?? null,
    publishMode: site.publishMode,
    allowUnverified: site.allowUnverified,
    enabled: site.enabled,
  };
  await tx.site.upsert({ where: { id: site.id }, create: { id: site.id, ...data }, update: data });
  const ids = new Map<string, string>();
  for (const section of site.sections) {
    const row = await tx.section.upsert({
      where: { siteId_slug: { siteId: site.id, slug: section.slug } },
      create: { siteId: site.id, slug: section.slug, name: section.name, itemKind: section.itemKind },
      update: { name: section.name, itemKind: section.itemKind },
    });
    ids.set(`${site.id}/${section.slug}`, row.id);
  }
  return ids;
}
