// Standard Webhooks push to portal sites (see README.md). A webhook site keeps
// its top-level `endpoint` and `secrets`; it has no `options`.

import { z } from "zod";
import type { TargetCheck, TargetConnector } from "../sdk.ts";
import { createWebhookClient, USER_AGENT } from "./client.ts";
import { createReceiverSimulator, type ReceiverOptions } from "./receiver-simulator.ts";
import { checkWebhookSite } from "./site-check.ts";

const optionsSchema = z.strictObject({});

const webhook: TargetConnector<z.infer<typeof optionsSchema>> = {
  name: "webhook",
  title: "Portal sites by signed push (Standard Webhooks)",
  optionsSchema,
  validate: checkWebhookSite,
  create(site, ctx) {
    const sender = createWebhookClient(ctx);
    return {
      deliver(request, signal) {
        // The contract's body, byte for byte what the receiver verifies.
        const body = JSON.stringify({ type: request.event, timestamp: request.occurredAt, data: request.data });
        return sender.send(site.endpoint ?? "", site.secrets, { id: request.messageId, timestamp: request.timestamp, body }, signal);
      },
      async check(_sections, signal): Promise<TargetCheck> {
        // Standard Webhooks has no "ping": the check says whether the secrets
        // are usable and the endpoint answers at all (any HTTP status).
        const started = Date.now();
        const checks: TargetCheck["checks"] = [];
        const problems = checkWebhookSite(site);
        checks.push({ name: "configuration", ok: problems.length === 0, message: problems.length === 0 ? "endpoint and secrets are usable" : problems.map((p) => `${p.path}: ${p.message}`).join("; ") });
        if (site.endpoint) {
          try {
            const timeout = AbortSignal.timeout(ctx.timeoutMs);
            const res = await ctx.fetch(site.endpoint, { method: "GET", headers: { "user-agent": USER_AGENT }, redirect: "manual", signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
            await res.body?.cancel().catch(() => undefined);
            const ok = res.status < 500;
            checks.push({ name: "endpoint", ok, message: `the endpoint answered HTTP ${res.status}${ok ? "" : ": the portal has a server problem"}` });
          } catch (error) {
            checks.push({ name: "endpoint", ok: false, message: `the endpoint did not answer: ${(error as Error).message}` });
          }
        }
        return { ok: checks.every((c) => c.ok), checks, latencyMs: Date.now() - started };
      },
    };
  },
  createSimulator: (options) => createReceiverSimulator(options as ReceiverOptions),
};

export default webhook;

export { createWebhookClient, classifyStatus, USER_AGENT, DEFAULT_TIMEOUT_MS, type WebhookSender } from "./client.ts";
export { signPayload, signatureHeader, verifyWebhook, generateSecret, secretProblem } from "./signature.ts";
export { nextAttemptDelay, parseRetryAfter, RETRY_SCHEDULE_MS, MAX_ATTEMPTS } from "./retry-schedule.ts";
export { createReceiverSimulator, serveReceiver } from "./receiver-simulator.ts";
