import { useMutation, useQuery } from "@tanstack/react-query";
import { useLocation, useParams, useSearch } from "wouter";
import { renewSession, useTRPC } from "../api";
import { useCurrentOrg } from "../org";
import { can } from "../roles";
import { currentAccessToken } from "../session";
import { Empty, Failure, formatDate, Loading, Page } from "../ui";

/**
 * The export streams from the REST route (GET /api/v1/leads/export), which tRPC's JSON links cannot
 * carry; the in-memory access token goes in the header, renewed once if it expired.
 */
async function downloadCsv(orgId: string, botId: string | undefined): Promise<void> {
  const query = new URLSearchParams({ orgId, format: "csv", ...(botId ? { botId } : {}) });
  const call = () =>
    fetch(`/api/v1/leads/export?${query}`, {
      headers: { authorization: `Bearer ${currentAccessToken() ?? ""}` },
    });
  let res = await call();
  if (res.status === 401 && (await renewSession())) res = await call();
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `Export failed (${res.status})`);
  }
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = `leads-${new Date().toISOString().slice(0, 10)}.csv`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function Leads() {
  const { orgId = "" } = useParams<{ orgId: string }>();
  const { role } = useCurrentOrg();
  const [location, navigate] = useLocation();
  const params = new URLSearchParams(useSearch());
  const botId = params.get("botId") ?? undefined;
  const cursor = params.get("cursor") ?? undefined;
  const trpc = useTRPC();
  const bots = useQuery(trpc.bots.list.queryOptions({ orgId, limit: 100 }));
  const leads = useQuery(trpc.leads.list.queryOptions({ orgId, limit: 50, botId, cursor }));
  const exporter = useMutation({ mutationFn: () => downloadCsv(orgId, botId) });
  const botName = (id: string) => bots.data?.items.find((bot) => bot.id === id)?.name ?? id.slice(0, 8);
  return (
    <Page
      title="Leads"
      actions={
        can(role, "members:manage") ? (
          <button type="button" onClick={() => exporter.mutate()} disabled={exporter.isPending}>
            Export CSV
          </button>
        ) : null
      }
    >
      <label className="card inline-form">
        Bot
        <select
          value={botId ?? ""}
          onChange={(event) =>
            navigate(event.target.value ? `${location}?botId=${event.target.value}` : location)
          }
        >
          <option value="">Any</option>
          {bots.data?.items.map((bot) => (
            <option key={bot.id} value={bot.id}>
              {bot.name}
            </option>
          ))}
        </select>
      </label>
      <Failure error={exporter.error} />
      {exporter.isSuccess ? <p role="status">Export downloaded.</p> : null}
      {leads.isPending ? (
        <Loading what="leads" />
      ) : leads.isError ? (
        <Failure error={leads.error} />
      ) : leads.data.items.length === 0 ? (
        <Empty>No leads yet.</Empty>
      ) : (
        <>
          <table>
            <thead>
              <tr>
                <th>Email</th>
                <th>Name</th>
                <th>Phone</th>
                <th>Bot</th>
                <th>Source</th>
                <th>Received</th>
              </tr>
            </thead>
            <tbody>
              {leads.data.items.map((lead) => (
                <tr key={lead.id}>
                  <td>{lead.email}</td>
                  <td>{lead.name ?? "—"}</td>
                  <td>{lead.phone ?? "—"}</td>
                  <td>{botName(lead.botId)}</td>
                  <td>{lead.source}</td>
                  <td>{formatDate(lead.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {leads.data.nextCursor ? (
            <p className="pager">
              <button
                type="button"
                onClick={() =>
                  navigate(
                    `${location}?${new URLSearchParams({ ...(botId ? { botId } : {}), cursor: leads.data.nextCursor ?? "" })}`,
                  )
                }
              >
                Next page
              </button>
            </p>
          ) : null}
        </>
      )}
    </Page>
  );
}
