import { useQuery } from "@tanstack/react-query";
import { useLocation } from "wouter";
import { useTRPC } from "./api";
import type { Role } from "./roles";

/** The signed-in user and their orgs (auth.me), shared by every screen. */
export function useMe() {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  const user = me.data?.kind === "user" ? me.data : undefined;
  return { me, user, orgs: user?.orgs ?? [] };
}

/** The org the URL names (/orgs/:orgId/...), with the caller's role in it. */
export function useCurrentOrg(): {
  orgId: string | undefined;
  role: Role | undefined;
  name: string | undefined;
} {
  const [location] = useLocation();
  const { orgs } = useMe();
  const orgId = /^\/orgs\/([0-9a-f-]{36})/.exec(location)?.[1];
  const org = orgs.find((candidate) => candidate.id === orgId);
  return { orgId, role: org?.role, name: org?.name };
}
