import { useMutation, useQuery } from "@tanstack/react-query";
import { Link, useParams } from "wouter";
import { queryClient, useTRPC } from "../api";
import { Loaded } from "../lists";
import { useCurrentOrg } from "../org";
import { can } from "../roles";
import { Failure, formatDate, Page } from "../ui";

type TicketStatus = "open" | "pending" | "in_progress" | "resolved" | "closed";
const COLUMNS: readonly TicketStatus[] = ["open", "pending", "in_progress", "resolved", "closed"];
const LABELS: Record<TicketStatus, string> = {
  open: "Open",
  pending: "Pending",
  in_progress: "In progress",
  resolved: "Resolved",
  closed: "Closed",
};
/** Mirrors the server's lifecycle (escalations/transitions.ts) to offer only moves it allows. */
const NEXT: Record<TicketStatus, readonly TicketStatus[]> = {
  open: ["pending", "in_progress", "closed"],
  pending: ["in_progress", "closed"],
  in_progress: ["pending", "resolved"],
  resolved: ["closed", "open"],
  closed: ["open"],
};

/** Escalation tickets as a board, one column per status; a card moves by the transitions it allows. */
export function Tickets() {
  const { orgId = "" } = useParams<{ orgId: string }>();
  const { role } = useCurrentOrg();
  const writer = can(role, "conversations:reply");
  const trpc = useTRPC();
  const tickets = useQuery(trpc.escalations.list.queryOptions({ orgId, limit: 100 }));
  const update = useMutation(
    trpc.escalations.update.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.escalations.pathFilter()),
    }),
  );
  return (
    <Page title="Tickets" actions={<Link href={`/orgs/${orgId}/inbox`}>Inbox</Link>}>
      <Failure error={update.error} />
      <Loaded query={tickets} what="tickets">
        {({ items }) => (
          <div className="board">
            {COLUMNS.map((status) => {
              const cards = items.filter((ticket) => ticket.status === status);
              return (
                <section key={status} className="column" aria-label={LABELS[status]}>
                  <h2>
                    {LABELS[status]} <span className="badge">{cards.length}</span>
                  </h2>
                  {cards.map((ticket) => (
                    <article key={ticket.id} className="card ticket">
                      <strong>{ticket.subject}</strong>
                      <p className="meta">
                        {ticket.priority} · {ticket.reason} · {formatDate(ticket.createdAt)}
                      </p>
                      {ticket.conversationId ? (
                        <Link href={`/orgs/${orgId}/inbox/${ticket.conversationId}`}>Conversation</Link>
                      ) : null}
                      {writer ? (
                        <div className="row-actions">
                          {NEXT[status].map((next) => (
                            <button
                              key={next}
                              type="button"
                              disabled={update.isPending}
                              onClick={() => update.mutate({ orgId, ticketId: ticket.id, status: next })}
                            >
                              → {LABELS[next]}
                            </button>
                          ))}
                        </div>
                      ) : null}
                    </article>
                  ))}
                </section>
              );
            })}
          </div>
        )}
      </Loaded>
    </Page>
  );
}
