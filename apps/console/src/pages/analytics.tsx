import type { KyroOutputs } from "@kyro/sdk";
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "wouter";
import { useTRPC } from "../api";
import { BarChart } from "../chart";
import { Loaded, Table, useBotNames, useSearchFilters } from "../lists";
import { Empty, Page } from "../ui";

type Report = KyroOutputs["analytics"]["overview"]["report"];
type Metrics = Report["totals"];

const RANGES = [
  { value: "today", label: "Today" },
  { value: "7d", label: "7 days" },
  { value: "30d", label: "30 days" },
  { value: "90d", label: "90 days" },
] as const;
type Range = (typeof RANGES)[number]["value"];

/** The range in the query string (a link to share); the server's default, 7 days, otherwise. */
function useRange(): { range: Range; setRange: (range: Range) => void } {
  const { filters, go } = useSearchFilters(["range"] as const);
  const range = RANGES.find((option) => option.value === filters.range)?.value ?? "7d";
  return { range, setRange: (next) => go({ range: next }) };
}

function RangePicker({ range, setRange }: ReturnType<typeof useRange>) {
  return (
    <label className="card inline-form">
      Period
      <select value={range} onChange={(event) => setRange(event.target.value as Range)}>
        {RANGES.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </label>
  );
}

const percent = (rate: number | null) => (rate === null ? "—" : `${Math.round(rate * 100)}%`);
const decimal = (value: number | null) => (value === null ? "—" : value.toFixed(1));
const seconds = (ms: number | null) => (ms === null ? "—" : `${(ms / 1000).toFixed(1)} s`);

/** The headline numbers; definitions in docs/analytics.md. */
function Totals({ totals }: { totals: Metrics }) {
  const stats: [string, string][] = [
    ["Conversations", String(totals.conversations)],
    ["Messages", String(totals.messages)],
    ["Messages per conversation", decimal(totals.messagesPerConversation)],
    ["Resolved by the bot", percent(totals.resolutionRate)],
    ["Durably resolved", percent(totals.durableResolutionRate)],
    ["Escalated", percent(totals.escalationRate)],
    ["Helpful feedback", percent(totals.helpfulShare)],
    ["Leads", String(totals.leads)],
    ["First response", seconds(totals.firstResponseMs)],
  ];
  return (
    <dl className="stats" aria-label="Totals">
      {stats.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Totals, conversations per local day, and the reasons people escalated or disliked an answer. */
function ReportView({ report }: { report: Report }) {
  const bars = report.series.map(({ date, metrics }) => ({
    key: date,
    tick: date.slice(5),
    value: metrics.conversations,
    title: `${date}: ${metrics.conversations} conversations, ${metrics.messages} messages`,
  }));
  const reasons = [
    ...report.escalationReasons.map((item) => ({ ...item, kind: "Escalation" })),
    ...report.feedbackReasons.map((item) => ({ ...item, kind: "Unhelpful answer" })),
  ];
  return (
    <>
      <p className="muted">
        {report.from} to {report.to} ({report.timeZone})
      </p>
      <Totals totals={report.totals} />
      <h2>Conversations per day</h2>
      <BarChart label="Conversations per day" bars={bars} />
      {reasons.length > 0 ? (
        <Table label="Reasons" columns={["Kind", "Reason", "Count"]}>
          {reasons.map((item) => (
            <tr key={`${item.kind}:${item.reason}`}>
              <td>{item.kind}</td>
              <td>{item.reason}</td>
              <td>{item.count}</td>
            </tr>
          ))}
        </Table>
      ) : null}
    </>
  );
}

/** The org's analytics (analytics.overview), with a row per bot leading to that bot's own report. */
export function Analytics() {
  const { orgId = "" } = useParams<{ orgId: string }>();
  const picker = useRange();
  const trpc = useTRPC();
  const overview = useQuery(trpc.analytics.overview.queryOptions({ orgId, range: picker.range }));
  return (
    <Page title="Analytics">
      <RangePicker {...picker} />
      <Loaded query={overview} what="analytics">
        {({ report }) => (
          <>
            <ReportView report={report} />
            <h2>By bot</h2>
            {report.bots.length === 0 ? (
              <Empty>No bot had a conversation in this period.</Empty>
            ) : (
              <Table
                label="Bots"
                columns={["Bot", "Conversations", "Messages", "Resolved by the bot", "Escalated", "Leads"]}
              >
                {report.bots.map((bot) => (
                  <tr key={bot.botId}>
                    <td>
                      <Link href={`/orgs/${orgId}/analytics/bots/${bot.botId}?range=${picker.range}`}>
                        {bot.name}
                      </Link>
                    </td>
                    <td>{bot.metrics.conversations}</td>
                    <td>{bot.metrics.messages}</td>
                    <td>{percent(bot.metrics.resolutionRate)}</td>
                    <td>{percent(bot.metrics.escalationRate)}</td>
                    <td>{bot.metrics.leads}</td>
                  </tr>
                ))}
              </Table>
            )}
          </>
        )}
      </Loaded>
    </Page>
  );
}

/** One bot's report (analytics.bot). */
export function BotAnalytics() {
  const { orgId = "", botId = "" } = useParams<{ orgId: string; botId: string }>();
  const picker = useRange();
  const trpc = useTRPC();
  const { botName } = useBotNames(orgId);
  const report = useQuery(trpc.analytics.bot.queryOptions({ orgId, botId, range: picker.range }));
  return (
    <Page
      title={`Analytics: ${botName(botId)}`}
      actions={<Link href={`/orgs/${orgId}/analytics?range=${picker.range}`}>All bots</Link>}
    >
      <RangePicker {...picker} />
      <Loaded query={report} what="the bot's analytics">
        {(data) => <ReportView report={data.report} />}
      </Loaded>
    </Page>
  );
}
