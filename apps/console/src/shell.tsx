import { useMutation } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { Link, useLocation } from "wouter";
import { queryClient, useTRPC } from "./api";
import { useCurrentOrg, useMe } from "./org";
import { type Ability, can } from "./roles";
import { setAccessToken } from "./session";
import { currentTheme, setTheme } from "./theme";

/**
 * The org's sections, each shown to the roles holding the permission its page reads with (the server's
 * names), so no link leads to a FORBIDDEN.
 */
const SECTIONS: readonly { path: string; label: string; needs: Ability }[] = [
  { path: "bots", label: "Bots", needs: "bots:read" },
  { path: "analytics", label: "Analytics", needs: "analytics:read" },
  { path: "inbox", label: "Inbox", needs: "conversations:read" },
  { path: "feedback", label: "Feedback", needs: "conversations:read" },
  { path: "leads", label: "Leads", needs: "leads:read" },
  { path: "members", label: "Members", needs: "members:read" },
  { path: "keys", label: "API keys", needs: "keys:manage" },
  { path: "audit", label: "Audit log", needs: "audit:read" },
  { path: "webhooks", label: "Webhooks", needs: "webhooks:manage" },
  { path: "limits", label: "Limits", needs: "limits:read" },
  { path: "exports", label: "Exports", needs: "exports:manage" },
  { path: "privacy", label: "Data & privacy", needs: "retention:manage" },
];

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
            {SECTIONS.filter((section) => can(role, section.needs)).map((section) => (
              <Link key={section.path} href={`/orgs/${orgId}/${section.path}`}>
                {section.label}
              </Link>
            ))}
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
