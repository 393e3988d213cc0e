import { useQuery } from "@tanstack/react-query";
import { useParams } from "wouter";
import { useTRPC } from "../api";
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

/** Messages per UTC day as bars: plain SVG, no chart library in the bundle. */
function DailyChart({ days }: { days: { day: string; messages: number }[] }) {
  const width = 640;
  const height = 160;
  const max = Math.max(1, ...days.map((day) => day.messages));
  const bar = width / Math.max(days.length, 1);
  return (
    <svg className="chart" viewBox={`0 0 ${width} ${height + 20}`} role="img" aria-label="Messages per day">
      {days.map((day, index) => {
        const barHeight = (day.messages / max) * height;
        return (
          <g key={day.day}>
            <title>{`${day.day}: ${day.messages} messages`}</title>
            <rect
              x={index * bar + 2}
              y={height - barHeight}
              width={Math.max(bar - 4, 1)}
              height={barHeight}
            />
            <text x={index * bar + bar / 2} y={height + 14} textAnchor="middle">
              {day.day.slice(5)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

export function Usage() {
  const { orgId = "" } = useParams<{ orgId: string }>();
  const trpc = useTRPC();
  const limits = useQuery(trpc.limits.get.queryOptions({ orgId }));
  const daily = useQuery(trpc.usage.daily.queryOptions({ orgId, limit: 100 }));
  // One bar per day across bots, oldest first.
  const days = new Map<string, number>();
  for (const row of daily.data?.items ?? []) days.set(row.day, (days.get(row.day) ?? 0) + row.messages);
  const series = [...days]
    .map(([day, messages]) => ({ day, messages }))
    .sort((a, b) => (a.day < b.day ? -1 : 1));
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
        {() => (series.length === 0 ? <Empty>No usage yet.</Empty> : <DailyChart days={series} />)}
      </Loaded>
    </Page>
  );
}
