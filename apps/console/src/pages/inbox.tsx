import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "wouter";
import { useTRPC } from "../api";
import { BotOptions, ListTable, NextPage, useBotNames, useSearchFilters } from "../lists";
import { useMe } from "../org";
import { formatDate, Page } from "../ui";

const STATUSES = ["open", "escalated", "resolved"] as const;
type Status = (typeof STATUSES)[number];
const FILTERS = ["status", "botId", "assigneeId", "tag", "cursor"] as const;

/** The conversations inbox; its filters live in the query string, so a filtered view is a link. */
export function Inbox() {
  const { orgId = "" } = useParams<{ orgId: string }>();
  const { filters, go } = useSearchFilters(FILTERS);
  const { user } = useMe();
  const trpc = useTRPC();
  const { bots, botName } = useBotNames(orgId);
  const conversations = useQuery(
    trpc.conversations.list.queryOptions({
      orgId,
      limit: 25,
      ...filters,
      status: filters.status as Status | undefined,
    }),
  );
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
            <BotOptions bots={bots} />
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
      <ListTable
        query={conversations}
        what="conversations"
        empty="No conversations match."
        columns={["Last message", "Bot", "Status", "Assignee", "Messages", "Tags"]}
        row={(conversation) => (
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
        )}
        after={
          <NextPage cursor={conversations.data?.nextCursor} onNext={(cursor) => go({ ...filters, cursor })} />
        }
      />
    </Page>
  );
}
