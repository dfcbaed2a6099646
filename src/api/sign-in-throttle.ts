// Sign-in throttling as middleware in front of a password check (the
// console's POST /console/login): refused unchecked (429 + Retry-After) while
// the account, the address or the pair is waiting out earlier failures; the
// route's answer (401 = wrong password, 2xx/3xx = signed in) is reported back
// to the throttle. A burst of unsuccessful attempts is recorded in the audit
// log, which raises the "sign-in-burst" alert (src/alerts), and an alert check
// runs at once. One throttle per hub process (docs/security.md).

import type { Context, MiddlewareHandler } from "hono";
import { checkAlerts, SIGN_IN_BURST_ACTION } from "../alerts/index.ts";
import { BurstDetector, SignInThrottle } from "../auth/throttle.ts";
import type { HubContext } from "../hub/context.ts";
import { clientAddress } from "./rate-limit.ts";

interface Guard {
  throttle: SignInThrottle;
  burst: BurstDetector;
  /** Recent addresses behind unsuccessful attempts, newest last (for the alert). */
  recent: Map<string, true>;
}

const guards = new WeakMap<HubContext, Guard>();

const DEFAULTS = { failures: 5, addressFailures: 20, accountFailures: 20, firstDelaySeconds: 15, maxDelaySeconds: 900, accountMaxDelaySeconds: 60, forgetMinutes: 15 };

function guardOf(ctx: HubContext): Guard {
  let guard = guards.get(ctx);
  if (!guard) {
    // Configs built by hand (tests) may lack the keys; the schema's defaults apply.
    const t = ctx.config.auth?.signInThrottle ?? DEFAULTS;
    const alerts = ctx.config.alerts;
    const first = t.firstDelaySeconds * 1000;
    guard = {
      throttle: new SignInThrottle({
        accountAddress: { free: t.failures, firstDelayMs: first, maxDelayMs: t.maxDelaySeconds * 1000 },
        address: { free: t.addressFailures, firstDelayMs: first, maxDelayMs: t.maxDelaySeconds * 1000 },
        account: { free: t.accountFailures, firstDelayMs: first, maxDelayMs: Math.min(t.accountMaxDelaySeconds, t.maxDelaySeconds) * 1000 },
        forgetMs: t.forgetMinutes * 60_000,
        now: () => ctx.now().getTime(),
      }),
      burst: new BurstDetector(alerts?.signInFailureThreshold ?? 30, (alerts?.signInWindowMinutes ?? 10) * 60_000),
      recent: new Map(),
    };
    guards.set(ctx, guard);
  }
  return guard;
}

export interface SignInThrottleOptions {
  /** The account name the request tries (e.g. the form's username). */
  account: (c: Context) => string | Promise<string>;
  /** The answer while throttled (Retry-After is set after it); `failedNow`: this attempt's password was checked and wrong. */
  limited: (c: Context, retryAfterSeconds: number, failedNow: boolean) => Response | Promise<Response>;
}

export function signInThrottle(ctx: HubContext, options: SignInThrottleOptions): MiddlewareHandler {
  const guard = guardOf(ctx);
  return async (c, next) => {
    const address = clientAddress(c, ctx.config.server.trustedProxies ?? []);
    const account = await options.account(c);
    const decision = guard.throttle.check(account, address);
    if (!decision.ok) {
      ctx.metrics.signIns.inc({ outcome: "throttled" });
      await unsuccessful(ctx, guard, address);
      const res = await options.limited(c, decision.retryAfterSeconds, false);
      res.headers.set("retry-after", String(decision.retryAfterSeconds));
      return res;
    }
    await next();
    const status = c.res.status;
    if (status === 401) {
      ctx.metrics.signIns.inc({ outcome: "failed" });
      const after = guard.throttle.failed(account, address);
      await unsuccessful(ctx, guard, address);
      if (!after.ok) {
        // Say at once that the next attempt must wait.
        c.res = await options.limited(c, after.retryAfterSeconds, true);
        c.res.headers.set("retry-after", String(after.retryAfterSeconds));
      }
    } else if (status < 400) {
      ctx.metrics.signIns.inc({ outcome: "ok" });
      guard.throttle.succeeded(account, address);
    }
  };
}

async function unsuccessful(ctx: HubContext, guard: Guard, address: string): Promise<void> {
  guard.recent.delete(address);
  guard.recent.set(address, true);
  if (guard.recent.size > 10) guard.recent.delete(guard.recent.keys().next().value!);
  const attempts = guard.burst.note(ctx.now().getTime());
  if (attempts === null) return;
  const addresses = [...guard.recent.keys()].reverse();
  const windowMinutes = ctx.config.alerts?.signInWindowMinutes ?? 10;
  ctx.log.warn({ attempts, windowMinutes, addresses }, "burst of unsuccessful sign-ins");
  await ctx.db.prisma.auditEvent.create({
    data: { actor: "system", action: SIGN_IN_BURST_ACTION, targetType: "session", targetId: "console", at: ctx.now(), details: { attempts, windowMinutes, addresses } },
  });
  // Notify now rather than at the next periodic check.
  void checkAlerts(ctx).catch((error) => ctx.log.error({ err: error }, "alert check after a sign-in burst failed"));
}
