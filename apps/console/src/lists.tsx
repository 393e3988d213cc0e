import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
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
