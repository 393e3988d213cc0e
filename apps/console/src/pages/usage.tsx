import type { KyroOutputs } from "@kyro/sdk";
import { useQuery } from "@tanstack/react-query";
import { useParams } from "wouter";
import { trpcClient, useTRPC } from "../api";
import { BarChart } from "../chart";
import { Loaded, Table } from "../lists";
import { Empty, formatDate, Page } from "../ui";

interface Window {
  used: number;
  limit: number;
  resetAt: Date;
}

function Meter({ label, window }: { label: string; window: Window }) {
  return (
    <tr>
      <td>{label}</td>
      <td>
        <meter min={0} max={window.limit} value={window.used} aria-label={label} /> {window.used} /{" "}
        {window.limit}
      </td>
      <td>{formatDate(window.resetAt)}</td>
    </tr>
  );
}

type UsageDailyRow = KyroOutputs["usage"]["daily"]["items"][number];

/**
 * Every page of usage.daily (a row per UTC day and bot, newest first): the chart covers the whole
 * history, not its first 100 rows.
 */
async function allDailyRows(orgId: string) {
  const rows: UsageDailyRow[] = [];
  let cursor: string | undefined;
  do {
    const page = await trpcClient.usage.daily.query({ orgId, limit: 100, cursor });
    rows.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return rows;
}

export function Usage() {
  const { orgId = "" } = useParams<{ orgId: string }>();
  const trpc = useTRPC();
  const limits = useQuery(trpc.limits.get.queryOptions({ orgId }));
  const daily = useQuery({
    // Under usage.daily's key, so invalidating that procedure refreshes the chart too.
    queryKey: [...trpc.usage.daily.queryKey({ orgId }), "every-page"],
    queryFn: () => allDailyRows(orgId),
  });
  // One bar per day across bots, oldest first.
  const days = new Map<string, number>();
  for (const row of daily.data ?? []) days.set(row.day, (days.get(row.day) ?? 0) + row.messages);
  const bars = [...days]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([day, messages]) => ({
      key: day,
      tick: day.slice(5),
      value: messages,
      title: `${day}: ${messages} messages`,
    }));
  return (
    <Page title="Limits and usage">
      <Loaded query={limits} what="limits">
        {({ usage, bots }) => (
          <Table label="Limits" columns={["Limit", "Used", "Resets"]}>
            <Meter label="Requests this minute" window={usage.orgRequestsThisMinute} />
            <Meter label="Requests today" window={usage.requestsToday} />
            <Meter label="Messages today" window={usage.messagesToday} />
            {bots.map((bot) => (
              <Meter key={bot.botId} label={`${bot.name}: messages today`} window={bot.messagesToday} />
            ))}
          </Table>
        )}
      </Loaded>
      <h2>Messages per day</h2>
      <Loaded query={daily} what="usage">
        {() =>
          bars.length === 0 ? <Empty>No usage yet.</Empty> : <BarChart label="Messages per day" bars={bars} />
        }
      </Loaded>
    </Page>
  );
}
