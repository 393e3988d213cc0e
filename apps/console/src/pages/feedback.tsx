import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "wouter";
import { useTRPC } from "../api";
import { ListTable, NextPage, useSearchFilters } from "../lists";
import { formatDate, Page } from "../ui";

const FILTERS = ["helpful", "cursor"] as const;

/** Visitors' and members' verdicts on answers, newest first; filters in the query string. */
export function Feedback() {
  const { orgId = "" } = useParams<{ orgId: string }>();
  const { filters, go } = useSearchFilters(FILTERS);
  const trpc = useTRPC();
  const feedback = useQuery(
    trpc.conversations.feedback.list.queryOptions({
      orgId,
      limit: 50,
      cursor: filters.cursor,
      helpful: filters.helpful === undefined ? undefined : filters.helpful === "true",
    }),
  );
  return (
    <Page title="Feedback">
      <label className="card inline-form">
        Verdict
        <select value={filters.helpful ?? ""} onChange={(event) => go({ helpful: event.target.value })}>
          <option value="">Any</option>
          <option value="true">Helpful</option>
          <option value="false">Not helpful</option>
        </select>
      </label>
      <ListTable
        query={feedback}
        what="feedback"
        empty="No feedback yet."
        columns={["Verdict", "Reason", "From", "Given", ""]}
        row={(item) => (
          <tr key={item.id}>
            <td>{item.helpful ? "👍 helpful" : "👎 not helpful"}</td>
            <td>{item.reason ?? "—"}</td>
            <td>{item.source}</td>
            <td>{formatDate(item.createdAt)}</td>
            <td>
              <Link href={`/orgs/${orgId}/inbox/${item.conversationId}`}>Conversation</Link>
            </td>
          </tr>
        )}
        after={
          <NextPage cursor={feedback.data?.nextCursor} onNext={(cursor) => go({ ...filters, cursor })} />
        }
      />
    </Page>
  );
}
