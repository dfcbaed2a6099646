// Standard Webhooks push to portal sites (see README.md).

import type { TargetConnector } from "../sdk.ts";
import { createWebhookClient } from "./client.ts";
import { createReceiverSimulator, type ReceiverOptions } from "./receiver-simulator.ts";
import { checkWebhookSite } from "./site-check.ts";

const webhook: TargetConnector = {
  name: "webhook",
  title: "Portal sites by signed push (Standard Webhooks)",
  create: (ctx) => createWebhookClient(ctx),
  createSimulator: (options) => createReceiverSimulator(options as ReceiverOptions),
  checkSite: checkWebhookSite,
};

export default webhook;

export { createWebhookClient, classifyStatus, USER_AGENT, DEFAULT_TIMEOUT_MS } from "./client.ts";
export { signPayload, signatureHeader, verifyWebhook, generateSecret, secretProblem } from "./signature.ts";
export { nextAttemptDelay, parseRetryAfter, RETRY_SCHEDULE_MS, MAX_ATTEMPTS } from "./retry-schedule.ts";
export { createReceiverSimulator, serveReceiver } from "./receiver-simulator.ts";
