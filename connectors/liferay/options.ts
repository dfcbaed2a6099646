// A Liferay site's `options` block (sites[].options with connector: liferay).
// Secrets arrive resolved: the hub replaces `{ env: NAME }` / `{ file: path }`
// references with their values before this schema sees them.

import { z } from "zod";
import { DEFAULT_FIELD_NAMES, liferaySafeName, type FieldNames } from "./mapping.ts";

const positiveId = z.union([z.number().int().positive(), z.string().regex(/^\d+$/, "must be a number").transform(Number)]);

const oauth2 = z
  .object({
    /** OAuth2 application's client id (Control Panel → OAuth 2 Administration). */
    clientId: z.string().min(1),
    /** Its client secret; give it by reference: `{ env: LIFERAY_SECRET }`. */
    clientSecret: z.string().min(1),
  })
  .strict();

const basic = z
  .object({
    /** A Liferay user (email address or screen name, as the portal's auth type says). */
    username: z.string().min(1),
    /** Its password, by reference. */
    password: z.string().min(1),
  })
  .strict();

const fieldNames = z
  .object(Object.fromEntries(Object.keys(DEFAULT_FIELD_NAMES).map((k) => [k, z.string().min(1).optional()])) as Record<keyof FieldNames, z.ZodOptional<z.ZodString>>)
  .strict();

export const liferayOptionsSchema = z
  .object({
    /** The portal's address, e.g. https://quangngai.gov.vn (the API is under /o/headless-delivery/v1.0). */
    baseUrl: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, "")),
    /**
     * The site: its numeric site (group) id, shown in Site Settings → Site
     * Configuration. Liferay DXP 2025.Q3 and later also take the site's key or
     * external reference code in its place.
     */
    siteId: z.union([z.number().int().positive(), z.string().min(1)]).transform((v) => (typeof v === "number" || !/^\d+$/.test(v) ? v : Number(v))),
    /** OAuth2 client credentials (recommended), or HTTP Basic for small sites. */
    auth: z.union([oauth2, basic], { error: "auth needs either { clientId, clientSecret } (OAuth2) or { username, password } (Basic)" }),
    /** Id of the web content structure documents are written with (Site → Design → Structures). */
    contentStructureId: positiveId,
    /** Structure for procedures; the document structure when not given. */
    procedureContentStructureId: positiveId.optional(),
    /** Field references in the structure(s), when they differ from the defaults (see README). */
    fieldNames: fieldNames.optional(),
    /**
     * Documents and Media folder name per section slug. Default: the section's
     * name. The folder is a top-level folder of the site, found by name or created.
     */
    folders: z.record(z.string().min(1), z.string().min(1).max(255)).optional(),
  })
  .strict();

export type LiferayOptionsInput = z.input<typeof liferayOptionsSchema>;
export type LiferayOptions = z.output<typeof liferayOptionsSchema>;

export function resolvedFieldNames(options: Pick<LiferayOptions, "fieldNames">): FieldNames {
  const out = { ...DEFAULT_FIELD_NAMES } as FieldNames;
  for (const [k, v] of Object.entries(options.fieldNames ?? {})) if (v) out[k as keyof FieldNames] = v;
  return out;
}

export function folderNameFor(options: Pick<LiferayOptions, "folders">, section: { slug: string; name: string }): string {
  return liferaySafeName((options.folders?.[section.slug] ?? section.name).trim());
}

export function structureFor(options: Pick<LiferayOptions, "contentStructureId" | "procedureContentStructureId">, kind: "document" | "procedure"): number {
  return kind === "procedure" ? (options.procedureContentStructureId ?? options.contentStructureId) : options.contentStructureId;
}
