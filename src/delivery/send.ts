// Sending one prepared row through its site's target connector: whether it
// goes on the wire at all (decideWire), the payload and the request, and the
// connector's answer. Scheduling (slots, leases, stopped sites) is the
// worker's; what the answer means for the row is outcomes.ts's.

import type { SendResult, TargetClient } from "../../connectors/sdk.ts";
import type { BlobStore } from "../db/index.ts";
import type { Claimed } from "./claim.ts";
import type { Finish } from "./outcomes.ts";
import { buildData, contractTime, decideWire, type FileSnapshot } from "./payload.ts";
import type { Prepared } from "./prepare.ts";
import { linkExpiry } from "./signed-url.ts";
import { deliveryFiles, deliveryRequest } from "./targets.ts";

export interface SendEnv {
  client: TargetClient;
  site: { id: string; name: string };
  /** The hub's public base URL (verification links in the payload). */
  baseUrl: string;
  link: (file: FileSnapshot, exp: number) => string;
  blobs: BlobStore;
  downloadUrlTtlSeconds: number;
  now: () => Date;
}

/** Finished without an answer from the target, or the target's answer. */
export type SendAttempt = { kind: "finish"; finish: Finish } | { kind: "answered"; result: SendResult };

export async function sendPrepared(row: Claimed, prepared: Prepared, env: SendEnv): Promise<SendAttempt> {
  const { snapshot, section, remoteId, prior } = prepared;
  if (!snapshot || !section) return { kind: "finish", finish: { state: "dead", error: "the item version or section no longer exists" } };
  const decision = decideWire({ event: row.event, version: snapshot.version }, prior, remoteId);
  if (!decision.send) return { kind: "finish", finish: { state: "delivered", error: `not sent: ${decision.reason}` } };
  // Links expire relative to when the row became due, not to this attempt:
  // every retry of the message carries identical data.
  const exp = linkExpiry(new Date(row.releasedAtMs ?? row.createdAtMs), env.downloadUrlTtlSeconds);
  const link = (f: FileSnapshot) => env.link(f, exp);
  const data = buildData(snapshot, { site: row.siteId, section: section.slug, remoteId: decision.remoteId, verifyBase: env.baseUrl }, link);
  const request = deliveryRequest({
    messageId: row.messageId,
    timestamp: Math.floor(env.now().getTime() / 1000),
    occurredAt: contractTime(new Date(row.createdAtMs)),
    event: decision.type,
    itemId: row.itemId,
    data,
    site: env.site,
    section,
    files: deliveryFiles(snapshot.files, link, env.blobs),
    remoteId: decision.remoteId,
  });
  try {
    return { kind: "answered", result: await env.client.deliver(request) };
  } catch (error) {
    // A configuration error (the webhook client refuses to sign): a person fixes it and replays.
    return { kind: "finish", finish: { state: "dead", error: `not sent: ${(error as Error).message}` } };
  }
}
