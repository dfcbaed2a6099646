// Slowing password guessing: failures per key earn exponentially growing
// waits, and a burst of failed sign-ins is noticed. Pure and in memory (one
// process's view; docs/security.md): the clock is injected.
//
// A sign-in is keyed three ways, so neither a guesser nor someone trying to
// lock a clerk out gets far:
// - account + address: strict (a handful of free failures), cleared by a
//   successful sign-in from that address;
// - address, any account: looser (one address spraying many accounts);
// - account, any address: looser, and its wait is capped short, since it also
//   holds back the real clerk (guessing from many addresses).

export interface BackoffPolicy {
  /** Failures allowed before waits start. */
  free: number;
  /** The first wait; each further failure doubles it. */
  firstDelayMs: number;
  maxDelayMs: number;
}

interface Entry {
  failures: number;
  /** Until when attempts are refused. */
  lockedUntil: number;
  /** The later of the last failure and the lock's end: the quiet period counts from here. */
  quietSince: number;
}

/** Failures per key with exponential back-off; a key is forgotten after `forgetMs` of quiet. */
export class FailureBackoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly forgetMs: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** Milliseconds until `key` may try again (0: now). */
  waitMs(key: string, now: number): number {
    const entry = this.current(key, now);
    return entry ? Math.max(0, entry.lockedUntil - now) : 0;
  }

  /** Records a failure; returns the wait it starts (0 while failures are still free). */
  fail(key: string, now: number): number {
    const failures = (this.current(key, now)?.failures ?? 0) + 1;
    const delay = delayAfter(this.policy, failures);
    const lockedUntil = now + delay;
    // Re-inserting keeps the Map in least-recently-failed order for pruning.
    this.entries.delete(key);
    this.entries.set(key, { failures, lockedUntil, quietSince: lockedUntil });
    if (this.entries.size > this.maxKeys) this.prune(now);
    return delay;
  }

  clear(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private current(key: string, now: number): Entry | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (now - entry.quietSince >= this.forgetMs) {
      this.entries.delete(key);
      return null;
    }
    return entry;
  }

  private prune(now: number): void {
    for (const [key, entry] of this.entries) if (now - entry.quietSince >= this.forgetMs) this.entries.delete(key);
    // Still too many: forget the least recently failed (an unlocked key first would be fairer, but this bounds memory).
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxKeys) break;
      this.entries.delete(key);
    }
  }
}

export function delayAfter(policy: BackoffPolicy, failures: number): number {
  if (failures <= policy.free) return 0;
  return Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** Math.min(30, failures - policy.free - 1));
}

export interface SignInThrottleOptions {
  accountAddress: BackoffPolicy;
  address: BackoffPolicy;
  account: BackoffPolicy;
  /** A key's failures are forgotten after this long without one (counted from the end of its wait). */
  forgetMs: number;
  now: () => number;
  maxKeys?: number;
}

export type ThrottleDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

/** The sign-in throttle: ask `check` before checking a password, then report the outcome. */
export class SignInThrottle {
  private readonly pair: FailureBackoff;
  private readonly byAddress: FailureBackoff;
  private readonly byAccount: FailureBackoff;

  constructor(private readonly options: SignInThrottleOptions) {
    this.pair = new FailureBackoff(options.accountAddress, options.forgetMs, options.maxKeys);
    this.byAddress = new FailureBackoff(options.address, options.forgetMs, options.maxKeys);
    this.byAccount = new FailureBackoff(options.account, options.forgetMs, options.maxKeys);
  }

  check(account: string, address: string): ThrottleDecision {
    const now = this.options.now();
    const [pair, byAddress, byAccount] = this.keys(account, address);
    const wait = Math.max(this.pair.waitMs(pair, now), this.byAddress.waitMs(byAddress, now), this.byAccount.waitMs(byAccount, now));
    return wait > 0 ? { ok: false, retryAfterSeconds: Math.ceil(wait / 1000) } : { ok: true };
  }

  /** A wrong password (or unknown account): returns the check's answer for the next attempt. */
  failed(account: string, address: string): ThrottleDecision {
    const now = this.options.now();
    const [pair, byAddress, byAccount] = this.keys(account, address);
    this.pair.fail(pair, now);
    this.byAddress.fail(byAddress, now);
    this.byAccount.fail(byAccount, now);
    return this.check(account, address);
  }

  /** A successful sign-in clears that account's failures from that address (not the looser keys). */
  succeeded(account: string, address: string): void {
    this.pair.clear(this.keys(account, address)[0]);
  }

  private keys(account: string, address: string): [string, string, string] {
    const name = normaliseAccount(account);
    return [`${name}\u0000${address}`, address, name];
  }
}

/** Sign-in names as the user table compares them, folded so case variants share a count. */
export function normaliseAccount(account: string): string {
  return account.trim().normalize("NFC").toLowerCase().slice(0, 200);
}

/**
 * Notices a burst: `threshold` unsuccessful attempts within `windowMs`.
 * Reports it once, then not again until a window has passed.
 */
export class BurstDetector {
  private readonly times: number[] = [];
  private lastReported = -Infinity;

  constructor(
    private readonly threshold: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one attempt; returns the attempts in the window when this one completes a burst to report. */
  note(now: number): number | null {
    this.times.push(now);
    while (this.times.length > 0 && now - this.times[0]! > this.windowMs) this.times.shift();
    // Only the last `threshold` matter.
    if (this.times.length > this.threshold) this.times.splice(0, this.times.length - this.threshold);
    if (this.times.length < this.threshold || now - this.lastReported < this.windowMs) return null;
    this.lastReported = now;
    return this.times.length;
  }
}
