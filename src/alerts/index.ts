// Operator alerts: a source failing N runs in a row, a scheduled source with
// no success for too long, and dead deliveries notify by webhook (POST JSON)
// and e-mail. What was sent is remembered in the audit log (action
// "alert.notify" / "alert.resolved", target = the condition's key), so a
// restart does not re-send, and a condition is repeated only after
// `repeatMinutes` while it lasts. When it clears, a "resolved" note goes out.
//
// Every hub process checks (and the console's "Check now" too), but a check
// runs under a cluster lock (src/jobs/cluster-lock.ts): one check at a time
// across all hubs on the database, from reading the conditions and the audit
// log to recording what was sent. A check that finds the lock taken is
// skipped, and the next one, wherever it runs, sees the records.

import nodemailer from "nodemailer";
import type { Config } from "../config/index.ts";
import type { HubContext } from "../hub/context.ts";
import { withClusterLock } from "../jobs/cluster-lock.ts";

export type AlertsConfig = Config["alerts"];

export interface AlertCondition {
  /** Stable identity of the condition, e.g. "source-failing:ioffice-tinh". */
  key: string;
  kind: "source-failing" | "source-lagging" | "deliveries-dead" | "site-stopped" | "sign-in-burst";
  /** Source id or site id ("console" for sign-in bursts). */
  subject: string;
  /** Failures in a row, minutes of lag, dead deliveries, deliveries waiting for a stopped site, or failed sign-ins. */
  value: number;
  /** Why (a stopped site: the configuration problem or the CMS's own refusal). */
  detail?: string;
}

export interface AlertMessage {
  type: "alert.raised" | "alert.resolved";
  at: string;
  alert: AlertCondition & { message: { vi: string; en: string } };
}

export interface AlertTransport {
  webhook(url: string, headers: Record<string, string>, body: string): Promise<void>;
  email(message: { from: string; to: string[]; subject: string; text: string }): Promise<void>;
}

type Ctx = Pick<HubContext, "db" | "now" | "log" | "config">;

export function alertsConfig(config: Config): AlertsConfig {
  // Configs built by hand in tests may lack the key; the schema's defaults apply.
  return (
    (config as Partial<Config>).alerts ?? {
      enabled: true, checkIntervalSeconds: 60, failureThreshold: 3, lagMinutes: 180, repeatMinutes: 1440, webhooks: [],
      signInFailureThreshold: 30, signInWindowMinutes: 10,
    }
  );
}

export async function currentConditions(ctx: Ctx): Promise<AlertCondition[]> {
  const cfg = alertsConfig(ctx.config);
  const now = ctx.now().getTime();
  const [sources, dead] = await Promise.all([
    ctx.db.prisma.source.findMany({ where: { enabled: true }, orderBy: { id: "asc" } }),
    ctx.db.prisma.delivery.groupBy({ by: ["siteId"], where: { state: "dead" }, _count: { _all: true } }),
  ]);
  const out: AlertCondition[] = [];
  for (const s of sources) {
    if (s.consecutiveFailures >= cfg.failureThreshold) {
      out.push({ key: `source-failing:${s.id}`, kind: "source-failing", subject: s.id, value: s.consecutiveFailures });
    }
    // Only scheduled sources are expected to keep up; a manual-only one is never "late".
    if (s.schedule) {
      const since = (s.lastSuccessAt ?? s.createdAt).getTime();
      const minutes = Math.floor((now - since) / 60_000);
      if (minutes > cfg.lagMinutes) out.push({ key: `source-lagging:${s.id}`, kind: "source-lagging", subject: s.id, value: minutes });
    }
  }
  for (const d of dead.sort((a, b) => a.siteId.localeCompare(b.siteId))) {
    out.push({ key: `deliveries-dead:${d.siteId}`, kind: "deliveries-dead", subject: d.siteId, value: d._count._all });
  }
  out.push(...(await stoppedSites(ctx)));
  const burst = await signInBurst(ctx, cfg);
  if (burst) out.push(burst);
  return out;
}

/** The audit action a hub records when it sees a burst of unsuccessful sign-ins (src/api/sign-in-throttle.ts). */
export const SIGN_IN_BURST_ACTION = "session.login-burst";

/** A burst of unsuccessful sign-ins recorded by any hub within the window. */
async function signInBurst(ctx: Ctx, cfg: AlertsConfig): Promise<AlertCondition | null> {
  const since = new Date(ctx.now().getTime() - cfg.signInWindowMinutes * 60_000);
  const events = await ctx.db.prisma.auditEvent.findMany({ where: { action: SIGN_IN_BURST_ACTION, at: { gte: since } }, orderBy: { at: "desc" }, take: 20 });
  if (events.length === 0) return null;
  const addresses = new Set<string>();
  let attempts = 0;
  for (const e of events) {
    const d = (e.details ?? {}) as { attempts?: number; addresses?: string[] };
    attempts += d.attempts ?? 0;
    for (const a of d.addresses ?? []) addresses.add(a);
  }
  return { key: "sign-in-burst", kind: "sign-in-burst", subject: "console", value: attempts, detail: [...addresses].slice(0, 5).join(", ") };
}

/** Push sites the hub cannot deliver to (src/delivery/targets.ts): stopped, or their endpoint disabled by a 410. */
async function stoppedSites(ctx: Ctx): Promise<AlertCondition[]> {
  const sites = await ctx.db.prisma.site.findMany({
    where: { enabled: true, mode: "push", OR: [{ stoppedReason: { not: null } }, { disabledReason: { not: null } }] },
    orderBy: { id: "asc" },
  });
  if (sites.length === 0) return [];
  const waiting = await ctx.db.prisma.delivery.groupBy({
    by: ["siteId"], where: { siteId: { in: sites.map((s) => s.id) }, state: { in: ["pending", "failed", "sending"] } }, _count: { _all: true },
  });
  return sites.map((s) => ({
    key: `site-stopped:${s.id}`, kind: "site-stopped" as const, subject: s.id,
    value: waiting.find((w) => w.siteId === s.id)?._count._all ?? 0,
    detail: (s.stoppedReason ?? s.disabledReason)!,
  }));
}

export function describe(c: AlertCondition): { vi: string; en: string } {
  switch (c.kind) {
    case "source-failing":
      return { vi: `Nguồn ${c.subject} lỗi ${c.value} lần liên tiếp`, en: `Source ${c.subject} failed ${c.value} times in a row` };
    case "source-lagging":
      return { vi: `Nguồn ${c.subject} chưa đồng bộ thành công trong ${c.value} phút`, en: `Source ${c.subject} has not synced successfully for ${c.value} minutes` };
    case "deliveries-dead":
      return { vi: `Trang ${c.subject} có ${c.value} bản tin gửi hỏng, cần gửi lại`, en: `Site ${c.subject} has ${c.value} dead deliveries waiting for a replay` };
    case "site-stopped":
      return {
        vi: `Không gửi được đến trang ${c.subject} (${c.value} bản tin đang chờ): ${c.detail ?? ""}`.trim(),
        en: `Site ${c.subject} cannot be pushed to (${c.value} deliveries waiting): ${c.detail ?? ""}`.trim(),
      };
    case "sign-in-burst":
      return {
        vi: `${c.value} lần đăng nhập không thành công trong thời gian ngắn${c.detail ? ` (từ ${c.detail})` : ""}`,
        en: `${c.value} unsuccessful sign-ins in a short time${c.detail ? ` (from ${c.detail})` : ""}`,
      };
  }
}

export function defaultTransport(cfg: AlertsConfig, timeoutMs = 10_000): AlertTransport {
  const smtp = cfg.email?.smtp;
  const mailer = smtp
    ? nodemailer.createTransport({
        host: smtp.host, port: smtp.port, secure: smtp.secure,
        ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? "" } } : {}),
        connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs,
      })
    : null;
  return {
    async webhook(url, headers, body) {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "user-agent": "portalsync-alerts", ...headers }, body, signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) throw new Error(`webhook answered ${res.status}`);
    },
    async email(message) {
      if (!mailer) throw new Error("alerts.email.smtp is not configured");
      await mailer.sendMail({ from: message.from, to: message.to, subject: message.subject, text: message.text });
    },
  };
}

/** Sends one message on every configured channel; returns what happened per channel. */
async function notify(cfg: AlertsConfig, transport: AlertTransport, msg: AlertMessage): Promise<Record<string, string>> {
  const results: Record<string, string> = {};
  const body = JSON.stringify(msg);
  await Promise.all(
    cfg.webhooks.map(async (w, i) => {
      const name = `webhook${i}:${new URL(w.url).host}`;
      results[name] = await transport.webhook(w.url, w.headers, body).then(() => "ok", (e: Error) => `error: ${e.message}`);
    }),
  );
  if (cfg.email) {
    const prefix = msg.type === "alert.resolved" ? "[portalsync] Đã hết / Resolved" : "[portalsync] Cảnh báo / Alert";
    const text = [
      msg.alert.message.vi,
      msg.alert.message.en,
      "",
      `${msg.type} · ${msg.at}`,
      `key: ${msg.alert.key}`,
    ].join("\n");
    results.email = await transport
      .email({ from: cfg.email.from, to: cfg.email.to, subject: `${prefix}: ${msg.alert.message.vi}`, text })
      .then(() => "ok", (e: Error) => `error: ${e.message}`);
  }
  return results;
}

export interface CheckResult {
  active: AlertCondition[];
  raised: string[];
  resolved: string[];
  /** Another check (in this or another hub process) was running: nothing was done, the lists are empty. */
  skipped: boolean;
}

/** Name of the cluster lock a check holds from reading the conditions to recording what was sent. */
export const ALERTS_LOCK = "alerts.check";

/**
 * Evaluates the conditions and notifies what is new, due again, or resolved.
 * A notification whose every channel failed is not recorded, so the next
 * check tries again. Runs once in the cluster at a time: a call made while
 * another hub (or this one) is checking returns at once with `skipped`.
 */
export async function checkAlerts(ctx: Ctx, transport?: AlertTransport): Promise<CheckResult> {
  const outcome = await withClusterLock(ctx.db, ALERTS_LOCK, () =>
    checkAlertsHoldingLock(ctx, transport ?? defaultTransport(alertsConfig(ctx.config))),
  );
  if (outcome.ran) return outcome.value;
  ctx.log.debug("alert check skipped: another check is running");
  return { active: [], raised: [], resolved: [], skipped: true };
}

/** The check itself; the caller holds ALERTS_LOCK, so what it reads of the audit log is not about to change. */
async function checkAlertsHoldingLock(ctx: Ctx, transport: AlertTransport): Promise<CheckResult> {
  const cfg = alertsConfig(ctx.config);
  const prisma = ctx.db.prisma;
  const active = await currentConditions(ctx);
  const last = await prisma.auditEvent.findMany({
    where: { targetType: "alert", action: { in: ["alert.notify", "alert.resolved"] } },
    orderBy: { at: "desc" },
    distinct: ["targetId"],
  });
  const lastByKey = new Map(last.map((e) => [e.targetId ?? "", e]));
  const now = ctx.now();
  const raised: string[] = [];
  const resolved: string[] = [];
  const channelsConfigured = cfg.webhooks.length > 0 || !!cfg.email;

  const record = async (action: string, c: AlertCondition, results: Record<string, string>) => {
    const anyOk = !channelsConfigured || Object.values(results).some((r) => r === "ok");
    if (!anyOk) {
      ctx.log.error({ alert: c.key, results }, "alert notification failed on every channel; will retry");
      return false;
    }
    await prisma.auditEvent.create({
      data: { actor: "system", action, targetType: "alert", targetId: c.key, at: now, details: { kind: c.kind, subject: c.subject, value: c.value, ...(c.detail ? { detail: c.detail } : {}), channels: results } },
    });
    return true;
  };

  for (const c of active) {
    const prev = lastByKey.get(c.key);
    const due = !prev || prev.action === "alert.resolved" || now.getTime() - prev.at.getTime() >= cfg.repeatMinutes * 60_000;
    if (!due) continue;
    const results = await notify(cfg, transport, { type: "alert.raised", at: now.toISOString(), alert: { ...c, message: describe(c) } });
    if (await record("alert.notify", c, results)) {
      raised.push(c.key);
      ctx.log.warn({ alert: c.key, value: c.value }, describe(c).en);
    }
  }
  const activeKeys = new Set(active.map((c) => c.key));
  for (const prev of last) {
    if (prev.action !== "alert.notify" || !prev.targetId || activeKeys.has(prev.targetId)) continue;
    const d = (prev.details ?? {}) as { kind?: AlertCondition["kind"]; subject?: string; value?: number; detail?: string };
    const c: AlertCondition = { key: prev.targetId, kind: d.kind ?? "source-failing", subject: d.subject ?? prev.targetId, value: d.value ?? 0, ...(d.detail ? { detail: d.detail } : {}) };
    const message = { vi: `Đã hết: ${describe(c).vi}`, en: `Resolved: ${describe(c).en}` };
    const results = await notify(cfg, transport, { type: "alert.resolved", at: now.toISOString(), alert: { ...c, message } });
    if (await record("alert.resolved", c, results)) resolved.push(c.key);
  }
  return { active, raised, resolved, skipped: false };
}

/** Checks every `checkIntervalSeconds`; returns a stop function for the hub's shutdown. */
export function startAlerts(ctx: Ctx, transport?: AlertTransport): () => Promise<void> {
  const cfg = alertsConfig(ctx.config);
  if (!cfg.enabled) return async () => {};
  const send = transport ?? defaultTransport(cfg);
  let running: Promise<unknown> | null = null;
  const tick = () => {
    if (running) return; // a slow SMTP server must not stack checks
    running = checkAlerts(ctx, send)
      .catch((error) => ctx.log.error({ err: error }, "alert check failed"))
      .finally(() => (running = null));
  };
  const timer = setInterval(tick, cfg.checkIntervalSeconds * 1000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
