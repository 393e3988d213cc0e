import { useMutation } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { Link, useLocation } from "wouter";
import { queryClient, useTRPC } from "./api";
import { useCurrentOrg, useMe } from "./org";
import { can } from "./roles";
import { setAccessToken } from "./session";
import { currentTheme, setTheme } from "./theme";

function OrgSwitcher() {
  const { orgs } = useMe();
  const { orgId } = useCurrentOrg();
  const [, navigate] = useLocation();
  return (
    <label className="org-switcher">
      <span className="sr-only">Organization</span>
      <select
        aria-label="Organization"
        value={orgId ?? ""}
        onChange={(event) =>
          navigate(event.target.value === "new" ? "/orgs/new" : `/orgs/${event.target.value}/bots`)
        }
      >
        <option value="" disabled>
          Choose an organization
        </option>
        {orgs.map((org) => (
          <option key={org.id} value={org.id}>
            {org.name} ({org.role})
          </option>
        ))}
        <option value="new">+ New organization</option>
      </select>
    </label>
  );
}

function ThemeToggle() {
  const [theme, setState] = useState(currentTheme);
  const next = theme === "dark" ? "light" : "dark";
  return (
    <button
      type="button"
      className="ghost"
      onClick={() => {
        setTheme(next);
        setState(next);
      }}
    >
      {next === "dark" ? "Dark" : "Light"} mode
    </button>
  );
}

function SignOut() {
  const trpc = useTRPC();
  const logout = useMutation(
    trpc.auth.logout.mutationOptions({
      onSettled: () => {
        setAccessToken(null);
        queryClient.clear();
      },
    }),
  );
  return (
    <button
      type="button"
      className="ghost"
      onClick={() => logout.mutate(undefined)}
      disabled={logout.isPending}
    >
      Sign out
    </button>
  );
}

export function Shell({ children }: { children: ReactNode }) {
  const { user } = useMe();
  const { orgId, role } = useCurrentOrg();
  return (
    <div className="shell">
      <header className="topbar">
        <Link href="/" className="brand">
          Kyro
        </Link>
        <OrgSwitcher />
        {orgId ? (
          <nav aria-label="Sections">
            <Link href={`/orgs/${orgId}/bots`}>Bots</Link>
            <Link href={`/orgs/${orgId}/members`}>Members</Link>
            {can(role, "keys:manage") ? <Link href={`/orgs/${orgId}/keys`}>API keys</Link> : null}
            {can(role, "audit:read") ? <Link href={`/orgs/${orgId}/audit`}>Audit log</Link> : null}
            <Link href={`/orgs/${orgId}/inbox`}>Inbox</Link>
            <Link href={`/orgs/${orgId}/feedback`}>Feedback</Link>
            <Link href={`/orgs/${orgId}/leads`}>Leads</Link>
            {can(role, "webhooks:manage") ? <Link href={`/orgs/${orgId}/webhooks`}>Webhooks</Link> : null}
            <Link href={`/orgs/${orgId}/limits`}>Limits</Link>
            {can(role, "exports:manage") ? <Link href={`/orgs/${orgId}/exports`}>Exports</Link> : null}
          </nav>
        ) : null}
        <span className="spacer" />
        <span className="who">{user?.user.email}</span>
        <ThemeToggle />
        <SignOut />
      </header>
      <main>{children}</main>
    </div>
  );
}
