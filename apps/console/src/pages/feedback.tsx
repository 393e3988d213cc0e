import { useQuery } from "@tanstack/react-query";
import { Link, useLocation, useParams, useSearch } from "wouter";
import { useTRPC } from "../api";
import { Empty, Failure, formatDate, Loading, Page } from "../ui";

/** Visitors' and members' verdicts on answers, newest first; filters in the query string. */
export function Feedback() {
  const { orgId = "" } = useParams<{ orgId: string }>();
  const [location, navigate] = useLocation();
  const params = new URLSearchParams(useSearch());
  const verdict = params.get("helpful");
  const cursor = params.get("cursor") ?? undefined;
  const trpc = useTRPC();
  const feedback = useQuery(
    trpc.conversations.feedback.list.queryOptions({
      orgId,
      limit: 50,
      cursor,
      helpful: verdict === null ? undefined : verdict === "true",
    }),
  );
  return (
    <Page title="Feedback">
      <label className="card inline-form">
        Verdict
        <select
          value={verdict ?? ""}
          onChange={(event) =>
            navigate(event.target.value ? `${location}?helpful=${event.target.value}` : location)
          }
        >
          <option value="">Any</option>
          <option value="true">Helpful</option>
          <option value="false">Not helpful</option>
        </select>
      </label>
      {feedback.isPending ? (
        <Loading what="feedback" />
      ) : feedback.isError ? (
        <Failure error={feedback.error} />
      ) : feedback.data.items.length === 0 ? (
        <Empty>No feedback yet.</Empty>
      ) : (
        <>
          <table>
            <thead>
              <tr>
                <th>Verdict</th>
                <th>Reason</th>
                <th>From</th>
                <th>Given</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {feedback.data.items.map((item) => (
                <tr key={item.id}>
                  <td>{item.helpful ? "👍 helpful" : "👎 not helpful"}</td>
                  <td>{item.reason ?? "—"}</td>
                  <td>{item.source}</td>
                  <td>{formatDate(item.createdAt)}</td>
                  <td>
                    <Link href={`/orgs/${orgId}/inbox/${item.conversationId}`}>Conversation</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {feedback.data.nextCursor ? (
            <p className="pager">
              <button
                type="button"
                onClick={() =>
                  navigate(
                    `${location}?${new URLSearchParams({ ...(verdict ? { helpful: verdict } : {}), cursor: feedback.data.nextCursor ?? "" })}`,
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
