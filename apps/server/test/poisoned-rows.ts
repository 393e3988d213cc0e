import type { Database } from "@kyro/db";
import { sql } from "@kyro/db";

/**
 * Makes the database itself fail to read one row of `table`, for tests of failures part-way through a
 * read: the table is renamed and replaced by a view of it whose `column` goes through a function that
 * raises on `poisonId`. The function is stable (so the view is flattened into the query) and costly, so
 * Postgres evaluates it only for the rows a query returns, after ORDER BY and LIMIT: pages that skip
 * the row still succeed, whichever plan is chosen. Returns the undo.
 */
export async function poisonRow(
  db: Database,
  table: string,
  column: string,
  poisonId: string,
): Promise<() => Promise<void>> {
  // Inlined into the view definition, which cannot take bound parameters.
  if (!/^[0-9a-f-]{36}$/.test(poisonId)) throw new Error(`not a uuid: ${poisonId}`);
  const stored = `${table}__rows`;
  const ident = (name: string) => sql.identifier(name);
  const result = await db.execute<{ column_name: string }>(
    sql`select column_name from information_schema.columns
        where table_schema = 'public' and table_name = ${table} order by ordinal_position`,
  );
  const rows = Array.isArray(result) ? result : (result as { rows: { column_name: string }[] }).rows;
  const columns = sql.join(
    rows.map(({ column_name: name }) =>
      name === column
        ? sql`kyro_test_poison(${ident("id")}, ${sql.raw(`'${poisonId}'`)}::uuid, ${ident(name)}) as ${ident(name)}`
        : ident(name),
    ),
    sql`, `,
  );
  await db.execute(sql`create or replace function kyro_test_poison(row_id uuid, poison uuid, value anyelement)
    returns anyelement language plpgsql stable cost 10000 as $$
    begin
      if row_id = poison then raise exception 'poisoned row %', row_id; end if;
      return value;
    end $$`);
  await db.execute(sql`alter table ${ident(table)} rename to ${ident(stored)}`);
  await db.execute(sql`create view ${ident(table)} as select ${columns} from ${ident(stored)}`);
  return async () => {
    await db.execute(sql`drop view ${ident(table)}`);
    await db.execute(sql`alter table ${ident(stored)} rename to ${ident(table)}`);
  };
}
