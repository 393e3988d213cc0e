/** One page of a list: its items and the cursor of the next page (null on the last). */
export interface KyroPage<TItem, TCursor> {
  items: readonly TItem[];
  nextCursor: TCursor | null;
}

type PageCall<TInput, TItem, TCursor> = (input: TInput) => PromiseLike<KyroPage<TItem, TCursor>>;

/**
 * What `paginate` reads pages from: a list procedure of the typed client (`kyro.bots.list`, anything
 * with `.query(input)`), or a function taking the input (`visitor.messages`).
 */
export type KyroPageSource<TInput, TItem, TCursor> =
  | { query: (input: TInput, ...rest: never[]) => PromiseLike<KyroPage<TItem, TCursor>> }
  | PageCall<TInput, TItem, TCursor>;

type PageInput<TInput> = Omit<NonNullable<Exclude<TInput, void>>, "cursor">;

/**
 * The input of every page but `cursor`, which `paginate` sets; optional when every field is. A list
 * without a `cursor` input cannot be paged (it would return its first page forever): `never`.
 */
type PaginateArgs<TInput> = "cursor" extends keyof NonNullable<Exclude<TInput, void>>
  ? undefined extends TInput
    ? [input?: PageInput<TInput>]
    : [input: PageInput<TInput>]
  : [input: never];

/**
 * Iterates over the items of every page of a list, fetching the next page only when the items of
 * the previous one are used up: `for await (const bot of paginate(kyro.bots.list, { orgId })) ...`.
 * `limit` in the input sets the page size. Leaving the loop early fetches no more pages.
 */
export async function* paginate<TInput, TItem, TCursor>(
  source: KyroPageSource<TInput, TItem, TCursor>,
  ...[input]: PaginateArgs<TInput>
): AsyncGenerator<TItem, void, undefined> {
  // A procedure of the typed client is itself a function (a proxy), so look for `query` first.
  const query = (source as { query?: unknown }).query;
  const call =
    typeof query === "function"
      ? (query as PageCall<TInput, TItem, TCursor>)
      : (source as PageCall<TInput, TItem, TCursor>);
  let cursor: TCursor | null = null;
  do {
    const pageInput = (cursor === null ? { ...input } : { ...input, cursor }) as TInput;
    const page: KyroPage<TItem, TCursor> = await call(pageInput);
    yield* page.items;
    cursor = page.nextCursor;
  } while (cursor !== null && cursor !== undefined);
}
