import { useQuery } from "@tanstack/react-query";
import { useParams } from "wouter";
import { useTRPC } from "../api";
import { ListTable, useSearchFilters } from "../lists";
import { Failure, formatDate, Page } from "../ui";

const FILTERS = ["action", "resourceType", "resourceId", "cursor"] as const;

/** Filters live in the query string, so a filtered view is a link you can share. */
export function Audit() {
  const { orgId = "" } = useParams<{ orgId: string }>();
  const { filters, go } = useSearchFilters(FILTERS);
  const trpc = useTRPC();
  const events = useQuery(trpc.audit.list.queryOptions({ orgId, limit: 50, ...filters }));
  // Walks the whole chain, so only on request.
  const verify = useQuery({ ...trpc.audit.verify.queryOptions({ orgId }), enabled: false, retry: false });
  return (
    <Page title="Audit log">
      <section className="card inline-form" aria-label="Chain verification">
        <button type="button" disabled={verify.isFetching} onClick={() => void verify.refetch()}>
          {verify.isFetching ? "Verifying…" : "Verify chain"}
        </button>
        {verify.isError ? (
          <Failure error={verify.error} />
        ) : verify.data?.ok ? (
          <p role="status">Chain intact: {verify.data.count} events verified.</p>
        ) : verify.data?.broken ? (
          <p role="alert">
            Chain broken ({verify.data.broken.kind}) at event <code>{verify.data.broken.id ?? "—"}</code>
            {verify.data.broken.chainSeq === null ? null : ` (#${verify.data.broken.chainSeq})`}: expected{" "}
            <code>{verify.data.broken.expected}</code>, found <code>{verify.data.broken.found}</code>.
          </p>
        ) : null}
      </section>
      <form
        className="card inline-form"
        aria-label="Filters"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          go({
            action: String(form.get("action")).trim(),
            resourceType: String(form.get("resourceType")).trim(),
            resourceId: String(form.get("resourceId")).trim(),
          });
        }}
      >
        <label>
          Action
          <input name="action" defaultValue={filters.action} placeholder="bot.created" />
        </label>
        <label>
          Resource type
          <input name="resourceType" defaultValue={filters.resourceType} placeholder="bot" />
        </label>
        <label>
          Resource id
          <input name="resourceId" defaultValue={filters.resourceId} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <ListTable
        query={events}
        what="audit events"
        empty="No events match."
        columns={["When", "Actor", "Action", "Resource", "Request id"]}
        row={(event) => (
          <tr key={event.id}>
            <td>{formatDate(event.createdAt)}</td>
            <td>{event.actor.label ?? event.actor.type}</td>
            <td>{event.action}</td>
            <td>
              {event.resourceType} <code>{event.resourceId}</code>
            </td>
            <td>
              <code>{event.requestId}</code>
            </td>
          </tr>
        )}
      />
      {events.data?.nextCursor ? (
        <div className="pager">
          <button type="button" onClick={() => go({ ...filters, cursor: events.data.nextCursor ?? "" })}>
            Older events
          </button>
        </div>
      ) : null}
    </Page>
  );
}
