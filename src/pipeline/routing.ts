// Pure routing: which site/sections an item goes to. A rule matches when every
// criterion it gives holds; an item goes to the union of matching rules'
// targets. Text criteria compare accent- and case-insensitively.

import { foldVietnamese, type SourceItem } from "../core/index.ts";

export interface RuleMatch {
  itemKind?: "document" | "procedure";
  source?: string[];
  docType?: string[];
  issuerCode?: string[];
  issuerName?: string[];
  field?: string[];
  keyword?: string[];
}

export interface RoutingRuleInput {
  id: string;
  priority: number;
  match: RuleMatch;
  /** Section ids with their item kind. */
  targets: { sectionId: string; itemKind: "document" | "procedure" }[];
}

const same = (a: string | null | undefined, options: string[]) =>
  a != null && options.some((o) => foldVietnamese(o) === foldVietnamese(a));

function itemFields(item: SourceItem) {
  if (item.kind === "document") {
    return {
      docType: item.docType,
      issuerCode: item.issuer.code,
      issuerName: item.issuer.name,
      fields: item.field ? [item.field] : [],
      text: `${item.number} ${item.title}`,
    };
  }
  return {
    docType: null,
    issuerCode: item.agencyCode,
    issuerName: item.agencies[0]?.name ?? null,
    fields: item.fields.map((f) => f.name),
    text: `${item.code} ${item.name}`,
  };
}

export function ruleMatches(rule: RuleMatch, item: SourceItem, sourceId: string): boolean {
  const f = itemFields(item);
  if (rule.itemKind && rule.itemKind !== item.kind) return false;
  if (rule.source && !rule.source.includes(sourceId)) return false;
  if (rule.docType && !same(f.docType, rule.docType)) return false;
  if (rule.issuerCode && !rule.issuerCode.some((c) => c.toUpperCase() === f.issuerCode?.toUpperCase())) return false;
  if (rule.issuerName && !same(f.issuerName, rule.issuerName)) return false;
  if (rule.field && !f.fields.some((x) => same(x, rule.field!))) return false;
  if (rule.keyword) {
    const text = foldVietnamese(f.text);
    if (!rule.keyword.some((k) => text.includes(foldVietnamese(k)))) return false;
  }
  return true;
}

/** Section ids the item is routed to, in rule priority order, without repeats. */
export function routeItem(item: SourceItem, sourceId: string, rules: RoutingRuleInput[]): string[] {
  const out = new Set<string>();
  for (const rule of [...rules].sort((a, b) => a.priority - b.priority)) {
    if (!ruleMatches(rule.match, item, sourceId)) continue;
    for (const t of rule.targets) if (t.itemKind === item.kind) out.add(t.sectionId);
  }
  return [...out];
}
