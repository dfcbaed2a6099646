// Pieces shared by the JSON API's resource files: the error shape, the
// security requirement, response helpers and the views several resources embed.

import { z } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { ActionError } from "../operator/actions.ts";

export const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
export const error = z.object({ error: z.string() }).openapi("Error");
export const security: Record<string, string[]>[] = [{ bearer: [] }, { session: [] }];
export const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

export const fileView = z
  .object({ name: z.string(), role: z.string(), sha256: z.string(), size: z.number(), mime: z.string(), url: z.string().openapi({ description: "console download (session)" }) })
  .openapi("FileView");

export const deliveryBrief = z
  .object({ id: z.string(), siteId: z.string(), section: z.string(), event: z.string(), state: z.string(), deliveredAt: z.string().nullable(), reviewNote: z.string().nullable() })
  .openapi("DeliveryBrief");

export const pageQuery = z.object({ q: z.string().max(200).optional().openapi({ description: "words, with or without Vietnamese diacritics" }), page: z.coerce.number().int().min(1).max(10_000).default(1) });

export function fileOf(f: { name: string; role: string; blobSha256: string; blob: { size: bigint; mime: string } }) {
  return { name: f.name, role: f.role, sha256: f.blobSha256, size: Number(f.blob.size), mime: f.blob.mime, url: `/console/files/${f.blobSha256}?name=${encodeURIComponent(f.name)}` };
}

export function deliveryOf(d: { id: string; siteId: string; section: { slug: string }; event: string; state: string; deliveredAt: Date | null; reviewNote: string | null }) {
  return { id: d.id, siteId: d.siteId, section: d.section.slug, event: d.event, state: d.state, deliveredAt: iso(d.deliveredAt), reviewNote: d.reviewNote };
}

/** Who is calling, for the audit log. */
export const actor = (c: { get(key: "principal"): { name: string } | null }) => c.get("principal")?.name ?? "unknown";

/** An operator action's refusal becomes the matching HTTP status. */
export const fail = (e: unknown): never => {
  if (e instanceof ActionError) throw new HTTPException(e.status, { message: e.message });
  throw e;
};
