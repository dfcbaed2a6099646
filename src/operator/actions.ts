// State changes made by people through the console or the API; each one is
// audited (in the same transaction as the change).
//
// Delivery decisions use src/delivery (review.ts, replay.ts), which keep the
// pull feed's order right; this module adds "republish" (a rejected message
// goes back through review's approve) and multi-row loops for the console.

import { createApiToken, hashPassword, MIN_PASSWORD_LENGTH, type Role } from "../auth/index.ts";
import type { Prisma } from "../db/index.ts";
import { replayDeliveries, ReplayError, reviewDelivery, ReviewError } from "../delivery/index.ts";
import { audit } from "../audit/index.ts";

export class ActionError extends Error {
  constructor(message: string, readonly status: 400 | 403 | 404 | 409 = 400) {
    super(message);
  }
}

function asActionError(error: unknown): never {
  if (error instanceof ReviewError || error instanceof ReplayError) throw new ActionError(error.message, error.status);
  throw error;
}

type Deps = { prisma: Prisma; now: () => Date };

export async function approveDelivery(deps: Deps, id: string, actor: string, note?: string | null): Promise<void> {
  await reviewDelivery(deps, id, { action: "approve", note: note ?? null }, actor).catch(asActionError);
}

export async function rejectDelivery(deps: Deps, id: string, actor: string, reason: string): Promise<void> {
  await reviewDelivery(deps, id, { action: "reject", reason }, actor).catch(asActionError);
}

/**
 * A rejected message is published after all (a clerk changed their mind): it
 * goes back to held and through review's approve, which re-queues it and
 * moves it to the end of the pull feed. If the approve step fails the row
 * stays held, visible in the review queue: never lost.
 */
export async function republishDelivery(deps: Deps, id: string, actor: string): Promise<void> {
  await deps.prisma.$transaction(async (tx) => {
    const changed = await tx.delivery.updateMany({ where: { id, state: "rejected" }, data: { state: "held" } });
    if (changed.count === 0) {
      const row = await tx.delivery.findUnique({ where: { id }, select: { state: true } });
      throw new ActionError(row ? `only rejected deliveries are republished; this one is ${row.state}` : "no such delivery", row ? 409 : 404);
    }
    await audit(tx, { actor, action: "delivery.republish", targetType: "delivery", targetId: id });
  });
  await approveDelivery(deps, id, actor, "republished");
}

/** Replays each delivery (dead, failed, or delivered to resend); returns how many were queued. */
export async function replayMany(deps: Deps, ids: string[], actor: string): Promise<{ count: number; errors: string[] }> {
  let count = 0;
  const errors: string[] = [];
  for (const id of ids) {
    try {
      count += (await replayDeliveries(deps, { deliveryId: id }, actor)).count;
    } catch (error) {
      if (error instanceof ReplayError) errors.push(`${id}: ${error.message}`);
      else throw error;
    }
  }
  return { count, errors };
}

// ─── Users and tokens (admin) ────────────────────────────────────────────────

const USERNAME = /^[a-z0-9][a-z0-9._-]{1,39}$/;

export async function createUser(
  prisma: Prisma, actor: string,
  input: { username: string; displayName: string; password: string; role: "admin" | "clerk"; locale?: string },
): Promise<string> {
  const username = input.username.trim().toLowerCase();
  if (!USERNAME.test(username)) throw new ActionError("username: 2-40 of a-z 0-9 . _ -");
  if (input.password.length < MIN_PASSWORD_LENGTH) throw new ActionError(`password: at least ${MIN_PASSWORD_LENGTH} characters`);
  if (await prisma.user.findUnique({ where: { username } })) throw new ActionError("username taken", 409);
  const passwordHash = await hashPassword(input.password);
  return prisma.$transaction(async (tx) => {
    const user = await tx.user.create({
      data: { username, displayName: input.displayName.trim() || username, role: input.role, passwordHash, locale: input.locale === "en" ? "en" : "vi" },
    });
    await audit(tx, { actor, action: "user.create", targetType: "user", targetId: username, details: { role: input.role } });
    return user.id;
  });
}

export async function updateUser(
  prisma: Prisma, actor: { name: string; userId?: string | undefined },
  id: string, patch: { disabled?: boolean; role?: "admin" | "clerk"; password?: string; displayName?: string },
): Promise<void> {
  const user = await prisma.user.findUnique({ where: { id } });
  if (!user) throw new ActionError("no such user", 404);
  if (actor.userId === id && (patch.disabled === true || (patch.role && patch.role !== user.role))) {
    throw new ActionError("you cannot disable or demote yourself", 409);
  }
  if (patch.password !== undefined && patch.password.length < MIN_PASSWORD_LENGTH) throw new ActionError(`password: at least ${MIN_PASSWORD_LENGTH} characters`);
  const passwordHash = patch.password !== undefined ? await hashPassword(patch.password) : undefined;
  await prisma.$transaction(async (tx) => {
    await tx.user.update({
      where: { id },
      data: {
        ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}),
        ...(patch.role ? { role: patch.role } : {}),
        ...(patch.displayName ? { displayName: patch.displayName } : {}),
        ...(passwordHash ? { passwordHash } : {}),
      },
    });
    // A disabled user or a new password ends every open session of that user.
    if (patch.disabled || passwordHash) await tx.userSession.deleteMany({ where: { userId: id } });
    const action = patch.password !== undefined ? "user.password" : patch.disabled !== undefined ? (patch.disabled ? "user.disable" : "user.enable") : "user.update";
    await audit(tx, {
      actor: actor.name, action, targetType: "user", targetId: user.username,
      details: { ...(patch.role ? { role: patch.role } : {}), ...(patch.displayName ? { displayName: patch.displayName } : {}) },
    });
  });
}

export async function createToken(
  prisma: Prisma, actor: string,
  input: { name: string; role: Role; siteId?: string | null; expiresAt?: Date | null },
): Promise<{ id: string; token: string }> {
  const name = input.name.trim();
  if (!name) throw new ActionError("a name is required");
  if (input.role === "site") {
    if (!input.siteId) throw new ActionError("a site token needs a site");
    if (!(await prisma.site.findUnique({ where: { id: input.siteId } }))) throw new ActionError(`no site ${input.siteId}`, 404);
  }
  const created = await createApiToken(prisma, { name, role: input.role, siteId: input.role === "site" ? input.siteId! : null, expiresAt: input.expiresAt ?? null });
  await audit(prisma, { actor, action: "token.create", targetType: "token", targetId: created.id, details: { name, role: input.role, site: input.role === "site" ? input.siteId : null } });
  return created;
}

export async function revokeToken(prisma: Prisma, actor: string, id: string, now: Date): Promise<void> {
  const token = await prisma.apiToken.findUnique({ where: { id } });
  if (!token) throw new ActionError("no such token", 404);
  if (token.revokedAt) return;
  await prisma.$transaction(async (tx) => {
    await tx.apiToken.update({ where: { id }, data: { revokedAt: now } });
    await audit(tx, { actor, action: "token.revoke", targetType: "token", targetId: id, details: { name: token.name, role: token.role } });
  });
}
