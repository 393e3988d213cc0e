import { type UseQueryResult, useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useLocation, useSearch } from "wouter";
import { useTRPC } from "./api";
import { Empty, Failure, Loading } from "./ui";

// The scaffolding the list screens share. Kept out of ui.tsx, which the first screen loads: only the
// lazily loaded pages need it.

/** A query's states before its data (loading, then its failure); `children` renders the data. */
export function Loaded<T>({
  query,
  what,
  children,
}: {
  query: UseQueryResult<T, unknown>;
  /** Ends "Loading …". */
  what: string;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <Loading what={what} />;
  if (query.isError) return <Failure error={query.error} />;
  return children(query.data);
}

/** A table with one header row; `children` are its body rows. */
export function Table({
  label,
  columns,
  children,
}: {
  /** The table's accessible name. */
  label?: string;
  /** Header cells; "" for an unlabelled one (a column of buttons). */
  columns: readonly string[];
  children: ReactNode;
}) {
  return (
    <table aria-label={label}>
      <thead>
        <tr>
          {columns.map((column, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a fixed header, where "" may repeat.
            <th key={index}>{column}</th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}

/**
 * A list query as a table, one `row` (a keyed `<tr>`) per item. With `empty`, an empty list shows that
 * note instead; `after` (a pager) shows below a table that has rows.
 */
export function ListTable<T>({
  query,
  what,
  empty,
  label,
  columns,
  row,
  after,
}: {
  query: UseQueryResult<{ items: T[] }, unknown>;
  what: string;
  empty?: ReactNode;
  label?: string;
  columns: readonly string[];
  row: (item: T, index: number) => ReactNode;
  after?: ReactNode;
}) {
  return (
    <Loaded query={query} what={what}>
      {({ items }) =>
        empty !== undefined && items.length === 0 ? (
          <Empty>{empty}</Empty>
        ) : (
          <>
            <Table label={label} columns={columns}>
              {items.map(row)}
            </Table>
            {after}
          </>
        )
      }
    </Loaded>
  );
}

/** The next-page button of a cursor-paged list; nothing on its last page. */
export function NextPage({
  cursor,
  onNext,
}: {
  cursor: string | null | undefined;
  onNext: (cursor: string) => void;
}) {
  return cursor ? (
    <p className="pager">
      <button type="button" onClick={() => onNext(cursor)}>
        Next page
      </button>
    </p>
  ) : null;
}

/**
 * Filters kept in the query string, so a filtered view is a link to share. `go` replaces them all,
 * dropping blank ones.
 */
export function useSearchFilters<Name extends string>(names: readonly Name[]) {
  const [location, navigate] = useLocation();
  const params = new URLSearchParams(useSearch());
  const filters: Partial<Record<Name, string>> = {};
  for (const name of names) {
    const value = params.get(name);
    if (value) filters[name] = value;
  }
  const go = (next: Partial<Record<Name, string>>) => {
    const query = new URLSearchParams(
      Object.entries<string | undefined>(next).flatMap(([name, value]) => (value ? [[name, value]] : [])),
    ).toString();
    navigate(query ? `${location}?${query}` : location);
  };
  return { filters, go };
}

/** The org's bots for a filter, and a bot's name for a row (its id's start until the list is in). */
export function useBotNames(orgId: string) {
  const trpc = useTRPC();
  const bots = useQuery(trpc.bots.list.queryOptions({ orgId, limit: 100 }));
  const botName = (botId: string) =>
    bots.data?.items.find((bot) => bot.id === botId)?.name ?? botId.slice(0, 8);
  return { bots: bots.data?.items ?? [], botName };
}

/** The options of a bot filter: any bot, then each by name. */
export function BotOptions({ bots }: { bots: readonly { id: string; name: string }[] }) {
  return (
    <>
      <option value="">Any</option>
      {bots.map((bot) => (
        <option key={bot.id} value={bot.id}>
          {bot.name}
        </option>
      ))}
    </>
  );
}
