// The configuration checks that need the connector registry: connector names,
// each source's connector options, what each site's target connector needs,
// duplicate ids and routing targets. Run at start, before anything is
// written, so no configuration mistake is silent: errors stop the hub with
// the key's path, warnings are logged (docs/configuration.md lists which).

import type { Config } from "../config/index.ts";
import { ConfigError } from "../config/load.ts";
import { describeIssues, formatPath } from "../config/issues.ts";
import type { Logger } from "../observability/index.ts";
import type { ConnectorRegistry } from "./context.ts";

export interface ConfigCheck {
  errors: string[];
  warnings: string[];
}

export function checkConfiguration(config: Config, registry: ConnectorRegistry): ConfigCheck {
  const errors: string[] = [];
  const warnings: string[] = [];
  const known = (names: Iterable<string>) => [...names].join(", ") || "none";

  duplicates(config.sources.map((s) => s.id), (i, id) => errors.push(`sources[${i}].id: "${id}" is used by another source`));
  config.sources.forEach((source, i) => {
    const connector = registry.sources.get(source.connector);
    if (!connector) {
      errors.push(`sources[${i}].connector: unknown connector "${source.connector}"; known: ${known(registry.sources.keys())}`);
      return;
    }
    const options = connector.configSchema.safeParse(source.options ?? {});
    if (!options.success) errors.push(...describeIssues(options.error, connector.configSchema, ["sources", i, "options"]));
  });

  duplicates(config.sites.map((s) => s.id), (i, id) => errors.push(`sites[${i}].id: "${id}" is used by another site`));
  config.sites.forEach((site, i) => {
    // Hand-built configurations (tests, embedding) may lack the schema's defaults.
    const name = site.connector ?? "webhook";
    duplicates(site.sections.map((s) => s.slug), (j, slug) => errors.push(`sites[${i}].sections[${j}].slug: "${slug}" is used twice in this site`));
    const connector = registry.targets.get(name);
    if (!connector) {
      errors.push(`sites[${i}].connector: unknown connector "${name}"; known: ${known(registry.targets.keys())}`);
      return;
    }
    if (site.mode !== "push") {
      if (Object.keys(site.options ?? {}).length > 0) warnings.push(`sites[${i}].options: ignored on a pull site (nothing is pushed to it)`);
      return;
    }
    const options = connector.optionsSchema.safeParse(site.options ?? {});
    if (!options.success) {
      errors.push(...describeIssues(options.error, connector.optionsSchema, ["sites", i, "options"]));
      return;
    }
    const target = { id: site.id, name: site.name, endpoint: site.endpoint ?? null, secrets: site.secrets ?? [], options: options.data };
    for (const problem of connector.validate?.(target) ?? []) {
      (problem.severity === "error" ? errors : warnings).push(`sites[${i}].${problem.path}: ${problem.message}`);
    }
  });

  const sections = new Set(config.sites.flatMap((site) => site.sections.map((s) => `${site.id}/${s.slug}`)));
  duplicates(config.routing.map((r) => r.id), (i, id) => errors.push(`routing[${i}].id: "${id}" is used by another rule`));
  config.routing.forEach((rule, i) => {
    rule.targets.forEach((target, j) => {
      if (!sections.has(target)) errors.push(`${formatPath(["routing", i, "targets", j])}: "${target}" is not a configured site/section`);
    });
  });
  return { errors, warnings };
}

/** Throws ConfigError listing every error; logs every warning. */
export function assertConfiguration(config: Config, registry: ConnectorRegistry, log: Logger): void {
  const { errors, warnings } = checkConfiguration(config, registry);
  for (const warning of warnings) log.warn({ problem: warning }, `configuration: ${warning}`);
  if (errors.length > 0) throw new ConfigError(`configuration is not valid:\n${errors.map((e) => `  ${e}`).join("\n")}`);
}

function duplicates(values: string[], report: (index: number, value: string) => void): void {
  const seen = new Set<string>();
  values.forEach((value, i) => {
    if (seen.has(value)) report(i, value);
    seen.add(value);
  });
}
