import { randomBytes } from "node:crypto";
import { and, asc, eq, memberships, ne, organizations, type Role } from "@kyro/db";
import { type AuditScope, recordAudit } from "../../core/audit-log";
import type { AppDeps } from "../../core/deps";
import { AppError, conflict, isUniqueViolation, notFound } from "../../core/errors";
import { emitEvent } from "../../core/events/emit";
import type { OrgScope, UserOrgScope } from "../../core/org-scope";
import { decodeOffset, offsetPageOf, type PageInput } from "../../core/pagination";
import type { UserPrincipal } from "../../core/principal";
import type { CreateOrgInput, Org, UpdateOrgInput } from "./schemas";

export interface UserServiceContext {
  deps: AppDeps;
  audit: AuditScope;
  principal: UserPrincipal;
}

/** Member management: only a user session, never an API key. */
export interface OrgServiceContext extends UserServiceContext {
  org: UserOrgScope;
}

/** Org reads and settings: a member or an API key whose scopes allow it. */
export interface OrgCallerContext {
  deps: AppDeps;
  audit: AuditScope;
  org: OrgScope;
}

const SLUG_BASE_MAX = 48;
const AUTO_SLUG_ATTEMPTS = 5;

/** A URL-safe slug from a display name: accents dropped, anything else non-alphanumeric becomes a hyphen. */
export function slugify(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, SLUG_BASE_MAX)
    .replace(/-+$/, "");
  if (slug.length >= 2) return slug;
  return slug ? `org-${slug}` : "org";
}

function slugConflict(slug: string): AppError {
  return conflict("slug_taken", `The slug "${slug}" is already taken`, "slug");
}

export async function createOrg(ctx: UserServiceContext, input: CreateOrgInput): Promise<Org> {
  const base = input.slug ?? slugify(input.name);
  return ctx.deps.db.transaction(async (tx) => {
    let created:
      | { id: string; slug: string; escalationEmail: string | null; timeZone: string; createdAt: Date }
      | undefined;
    for (let attempt = 0; !created && attempt < AUTO_SLUG_ATTEMPTS; attempt++) {
      const slug = attempt === 0 ? base : `${base}-${randomBytes(3).toString("hex")}`;
      // ON CONFLICT DO NOTHING keeps the transaction usable when the slug is taken, even by a concurrent create.
      [created] = await tx
        .insert(organizations)
        .values({ name: input.name, slug, createdBy: ctx.principal.userId })
        .onConflictDoNothing({ target: organizations.slug })
        .returning({
          id: organizations.id,
          slug: organizations.slug,
          escalationEmail: organizations.escalationEmail,
          timeZone: organizations.timeZone,
          createdAt: organizations.createdAt,
        });
      if (!created && input.slug) throw slugConflict(input.slug);
    }
    if (!created) throw conflict("slug_taken", "Could not find a free slug; choose one explicitly", "slug");
    await tx.insert(memberships).values({ orgId: created.id, userId: ctx.principal.userId, role: "owner" });
    await recordAudit(tx, ctx.audit, {
      orgId: created.id,
      action: "org.created",
      resourceType: "organization",
      resourceId: created.id,
      after: { name: input.name, slug: created.slug },
    });
    return {
      id: created.id,
      name: input.name,
      slug: created.slug,
      escalationEmail: created.escalationEmail,
      timeZone: created.timeZone,
      createdAt: created.createdAt,
      role: "owner",
    };
  });
}

/** An org seen by one of its members: the role is always known. */
export type MemberOrg = Org & { role: Role };

type MemberContext = Pick<UserServiceContext, "deps" | "principal">;

/** The caller's orgs by name; ids break ties so pages are stable. */
function selectMemberOrgs(ctx: MemberContext) {
  return ctx.deps.db
    .select({
      id: organizations.id,
      name: organizations.name,
      slug: organizations.slug,
      escalationEmail: organizations.escalationEmail,
      timeZone: organizations.timeZone,
      createdAt: organizations.createdAt,
      role: memberships.role,
    })
    .from(memberships)
    .innerJoin(organizations, eq(organizations.id, memberships.orgId))
    .where(eq(memberships.userId, ctx.principal.userId))
    .orderBy(asc(organizations.name), asc(organizations.id));
}

/** Every org of the caller, for the account view (a person belongs to a handful). */
export function memberOrgs(ctx: MemberContext): Promise<MemberOrg[]> {
  return selectMemberOrgs(ctx);
}

export async function listOrgs(
  ctx: MemberContext,
  page: PageInput,
): Promise<{ items: MemberOrg[]; nextCursor: string | null }> {
  const rows = await selectMemberOrgs(ctx)
    .limit(page.limit + 1)
    .offset(decodeOffset(page.cursor));
  return offsetPageOf(rows, page);
}

export async function getOrg(ctx: Pick<OrgCallerContext, "deps" | "org">): Promise<Org> {
  const [org] = await ctx.deps.db
    .select({
      id: organizations.id,
      name: organizations.name,
      slug: organizations.slug,
      escalationEmail: organizations.escalationEmail,
      timeZone: organizations.timeZone,
      createdAt: organizations.createdAt,
    })
    .from(organizations)
    .where(eq(organizations.id, ctx.org.orgId))
    .limit(1);
  if (!org) throw notFound("Organization");
  return { ...org, role: ctx.org.role };
}

export async function updateOrg(ctx: OrgCallerContext, input: UpdateOrgInput): Promise<Org> {
  if (
    input.name === undefined &&
    input.slug === undefined &&
    input.escalationEmail === undefined &&
    input.timeZone === undefined
  ) {
    throw new AppError(
      "BAD_REQUEST",
      "Nothing to update: provide a name, a slug, an escalation email or a time zone",
    );
  }
  const { orgId } = ctx.org;
  try {
    return await ctx.deps.db.transaction(async (tx) => {
      const [current] = await tx
        .select({
          id: organizations.id,
          name: organizations.name,
          slug: organizations.slug,
          escalationEmail: organizations.escalationEmail,
          timeZone: organizations.timeZone,
          createdAt: organizations.createdAt,
        })
        .from(organizations)
        .where(eq(organizations.id, orgId))
        .for("update");
      if (!current) throw notFound("Organization");
      type Changes = { name?: string; slug?: string; escalationEmail?: string | null; timeZone?: string };
      const before: Changes = {};
      const after: Changes = {};
      if (input.timeZone !== undefined && input.timeZone !== current.timeZone) {
        before.timeZone = current.timeZone;
        after.timeZone = input.timeZone;
      }
      if (input.escalationEmail !== undefined && input.escalationEmail !== current.escalationEmail) {
        before.escalationEmail = current.escalationEmail;
        after.escalationEmail = input.escalationEmail;
      }
      if (input.name !== undefined && input.name !== current.name) {
        before.name = current.name;
        after.name = input.name;
      }
      if (input.slug !== undefined && input.slug !== current.slug) {
        const [taken] = await tx
          .select({ id: organizations.id })
          .from(organizations)
          .where(and(eq(organizations.slug, input.slug), ne(organizations.id, orgId)))
          .limit(1);
        if (taken) throw slugConflict(input.slug);
        before.slug = current.slug;
        after.slug = input.slug;
      }
      if (Object.keys(after).length === 0) return { ...current, role: ctx.org.role };
      await tx.update(organizations).set(after).where(eq(organizations.id, orgId));
      await recordAudit(tx, ctx.audit, {
        orgId,
        action: "org.updated",
        resourceType: "organization",
        resourceId: orgId,
        before,
        after,
      });
      await emitEvent(tx, {
        orgId,
        type: "org.updated",
        data: { orgId, name: after.name ?? current.name, changedFields: Object.keys(after) },
      });
      return { ...current, ...after, role: ctx.org.role };
    });
  } catch (error) {
    // The pre-check cannot see a slug taken by a transaction that commits between it and the update.
    if (input.slug !== undefined && isUniqueViolation(error)) throw slugConflict(input.slug);
    throw error;
  }
}
