import { useQuery } from "@tanstack/react-query";
import { Link, useLocation, useParams, useSearch } from "wouter";
import { useTRPC } from "../api";
import { useMe } from "../org";
import { Empty, Failure, formatDate, Loading, Page } from "../ui";

const STATUSES = ["open", "escalated", "resolved"] as const;
type Status = (typeof STATUSES)[number];
const FILTERS = ["status", "botId", "assigneeId", "tag", "cursor"] as const;

/** The conversations inbox; its filters live in the query string, so a filtered view is a link. */
export function Inbox() {
  const { orgId = "" } = useParams<{ orgId: string }>();
  const [location, navigate] = useLocation();
  const params = new URLSearchParams(useSearch());
  const filters = Object.fromEntries(
    FILTERS.flatMap((name) => {
      const value = params.get(name);
      return value ? [[name, value]] : [];
    }),
  ) as Partial<Record<(typeof FILTERS)[number], string>>;
  const { user } = useMe();
  const trpc = useTRPC();
  const bots = useQuery(trpc.bots.list.queryOptions({ orgId, limit: 100 }));
  const conversations = useQuery(
    trpc.conversations.list.queryOptions({
      orgId,
      limit: 25,
      ...filters,
      status: filters.status as Status | undefined,
    }),
  );
  const botName = (botId: string) =>
    bots.data?.items.find((bot) => bot.id === botId)?.name ?? botId.slice(0, 8);
  const go = (next: Record<string, string>) => {
    const query = new URLSearchParams(Object.entries(next).filter(([, value]) => value !== "")).toString();
    navigate(query ? `${location}?${query}` : location);
  };
  return (
    <Page title="Inbox" actions={<Link href={`/orgs/${orgId}/tickets`}>Tickets board</Link>}>
      <form
        className="card inline-form"
        aria-label="Filters"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          go({
            status: String(form.get("status")),
            botId: String(form.get("botId")),
            assigneeId: String(form.get("assigneeId")),
            tag: String(form.get("tag")).trim(),
          });
        }}
      >
        <label>
          Status
          <select name="status" defaultValue={filters.status ?? ""}>
            <option value="">Any</option>
            {STATUSES.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </label>
        <label>
          Bot
          <select name="botId" defaultValue={filters.botId ?? ""}>
            <option value="">Any</option>
            {bots.data?.items.map((bot) => (
              <option key={bot.id} value={bot.id}>
                {bot.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Assignee
          <select name="assigneeId" defaultValue={filters.assigneeId ?? ""}>
            <option value="">Anyone</option>
            {user ? <option value={user.user.id}>Me</option> : null}
          </select>
        </label>
        <label>
          Tag
          <input name="tag" defaultValue={filters.tag} />
        </label>
        <button type="submit">Filter</button>
      </form>
      {conversations.isPending ? (
        <Loading what="conversations" />
      ) : conversations.isError ? (
        <Failure error={conversations.error} />
      ) : conversations.data.items.length === 0 ? (
        <Empty>No conversations match.</Empty>
      ) : (
        <>
          <table>
            <thead>
              <tr>
                <th>Last message</th>
                <th>Bot</th>
                <th>Status</th>
                <th>Assignee</th>
                <th>Messages</th>
                <th>Tags</th>
              </tr>
            </thead>
            <tbody>
              {conversations.data.items.map((conversation) => (
                <tr key={conversation.id}>
                  <td>
                    <Link href={`/orgs/${orgId}/inbox/${conversation.id}`}>
                      {formatDate(conversation.lastMessageAt ?? conversation.createdAt)}
                    </Link>
                  </td>
                  <td>{botName(conversation.botId)}</td>
                  <td>{conversation.status}</td>
                  <td>
                    {conversation.assigneeId === null
                      ? "bot"
                      : conversation.assigneeId === user?.user.id
                        ? "me"
                        : conversation.assigneeId.slice(0, 8)}
                  </td>
                  <td>{conversation.messageCount}</td>
                  <td>{conversation.tags.join(", ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {conversations.data.nextCursor ? (
            <p className="pager">
              <button
                type="button"
                onClick={() => go({ ...filters, cursor: conversations.data.nextCursor ?? "" })}
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
