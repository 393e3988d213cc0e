import { useMutation, useQuery } from "@tanstack/react-query";
import { useParams } from "wouter";
import { authorizedFetch, useTRPC } from "../api";
import { saveFile } from "../download";
import { BotOptions, ListTable, NextPage, useBotNames, useSearchFilters } from "../lists";
import { useCurrentOrg } from "../org";
import { can } from "../roles";
import { Failure, formatDate, Page } from "../ui";

const FILTERS = ["botId", "cursor"] as const;

/**
 * The export streams from the REST route (GET /api/v1/leads/export), which tRPC's JSON links cannot
 * carry; authorizedFetch sends the in-memory access token, renewed once if it expired.
 */
async function downloadCsv(orgId: string, botId: string | undefined): Promise<void> {
  const query = new URLSearchParams({ orgId, format: "csv", ...(botId ? { botId } : {}) });
  const res = await authorizedFetch(`/api/v1/leads/export?${query}`);
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `Export failed (${res.status})`);
  }
  saveFile(await res.blob(), `leads-${new Date().toISOString().slice(0, 10)}.csv`);
}

export function Leads() {
  const { orgId = "" } = useParams<{ orgId: string }>();
  const { role } = useCurrentOrg();
  const { filters, go } = useSearchFilters(FILTERS);
  const { botId } = filters;
  const trpc = useTRPC();
  const { bots, botName } = useBotNames(orgId);
  const leads = useQuery(trpc.leads.list.queryOptions({ orgId, limit: 50, botId, cursor: filters.cursor }));
  const exporter = useMutation({ mutationFn: () => downloadCsv(orgId, botId) });
  return (
    <Page
      title="Leads"
      actions={
        can(role, "leads:export") ? (
          <button type="button" onClick={() => exporter.mutate()} disabled={exporter.isPending}>
            Export CSV
          </button>
        ) : null
      }
    >
      <label className="card inline-form">
        Bot
        <select value={botId ?? ""} onChange={(event) => go({ botId: event.target.value })}>
          <BotOptions bots={bots} />
        </select>
      </label>
      <Failure error={exporter.error} />
      {exporter.isSuccess ? <p role="status">Export downloaded.</p> : null}
      <ListTable
        query={leads}
        what="leads"
        empty="No leads yet."
        columns={["Email", "Name", "Phone", "Bot", "Source", "Received"]}
        row={(lead) => (
          <tr key={lead.id}>
            <td>{lead.email}</td>
            <td>{lead.name ?? "—"}</td>
            <td>{lead.phone ?? "—"}</td>
            <td>{botName(lead.botId)}</td>
            <td>{lead.source}</td>
            <td>{formatDate(lead.updatedAt)}</td>
          </tr>
        )}
        after={<NextPage cursor={leads.data?.nextCursor} onNext={(cursor) => go({ ...filters, cursor })} />}
      />
    </Page>
  );
}
