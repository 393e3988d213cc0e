import { useMutation, useQuery } from "@tanstack/react-query";
import { queryClient, useTRPC } from "../api";
import { ListTable, Table } from "../lists";
import { Empty, Failure, formatDate, Loading } from "../ui";

interface Props {
  orgId: string;
  botId: string;
  writer: boolean;
}

/** Question-and-answer entries. The API replaces the whole list, so adding one sends the list plus it. */
function Entries({ orgId, botId, writer }: Props) {
  const trpc = useTRPC();
  const entries = useQuery(trpc.knowledge.entries.list.queryOptions({ orgId, botId, limit: 100 }));
  const replace = useMutation(
    trpc.knowledge.entries.replace.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.knowledge.pathFilter()),
    }),
  );
  if (entries.isPending) return <Loading what="knowledge" />;
  if (entries.isError) return <Failure error={entries.error} />;
  const items = entries.data.items;
  // Only a list seen whole can be replaced without losing entries beyond this page.
  const complete = entries.data.total === items.length;
  const current = items.map(({ question, answer, tags }) => ({ question, answer, tags }));
  return (
    <>
      {items.length === 0 ? (
        <Empty>No knowledge entries yet.</Empty>
      ) : (
        <Table label="Knowledge entries" columns={["Question", "Answer", "Tags", ""]}>
          {items.map((entry, index) => (
            <tr key={entry.id}>
              <td>{entry.question}</td>
              <td>{entry.answer}</td>
              <td>{entry.tags.join(", ")}</td>
              <td>
                {writer && complete ? (
                  <button
                    type="button"
                    className="danger"
                    onClick={() =>
                      replace.mutate({ orgId, botId, entries: current.filter((_, at) => at !== index) })
                    }
                  >
                    Remove
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </Table>
      )}
      <Failure error={replace.error} />
      {writer && complete ? (
        <form
          className="card inline-form"
          aria-label="New knowledge entry"
          onSubmit={(event) => {
            event.preventDefault();
            const target = event.currentTarget;
            const form = new FormData(target);
            const entry = {
              question: String(form.get("question")),
              answer: String(form.get("answer")),
              tags: String(form.get("tags"))
                .split(",")
                .map((tag) => tag.trim())
                .filter(Boolean),
            };
            replace.mutate(
              { orgId, botId, entries: [...current, entry] },
              { onSuccess: () => target.reset() },
            );
          }}
        >
          <label>
            Question
            <input name="question" required maxLength={1000} />
          </label>
          <label>
            Answer
            <input name="answer" required maxLength={10000} />
          </label>
          <label>
            Tags
            <input name="tags" placeholder="billing, refund" />
          </label>
          <button type="submit" disabled={replace.isPending}>
            Add entry
          </button>
        </form>
      ) : null}
    </>
  );
}

/** Documents the bot answers from: pasted text or a web page, synced in the background. */
function Sources({ orgId, botId, writer }: Props) {
  const trpc = useTRPC();
  const sources = useQuery({
    ...trpc.sources.list.queryOptions({ orgId, botId, limit: 100 }),
    // A sync runs in the background: look again while one is under way.
    refetchInterval: (query) =>
      query.state.data?.items.some((source) => source.status === "pending" || source.status === "syncing")
        ? 2_000
        : false,
  });
  const refresh = () => queryClient.invalidateQueries(trpc.sources.pathFilter());
  const create = useMutation(trpc.sources.create.mutationOptions({ onSuccess: refresh }));
  const sync = useMutation(trpc.sources.sync.mutationOptions({ onSuccess: refresh }));
  return (
    <>
      <ListTable
        query={sources}
        what="sources"
        empty="No sources yet."
        label="Sources"
        columns={["Name", "Kind", "Status", "Last synced", ""]}
        row={(source) => (
          <tr key={source.id}>
            <td>{source.name}</td>
            <td>{source.settings.url ?? source.kind}</td>
            <td>
              {source.status}
              {source.lastError ? <div className="meta">{source.lastError}</div> : null}
            </td>
            <td>{formatDate(source.lastSyncedAt)}</td>
            <td>
              {writer && source.kind !== "webhook" ? (
                <button type="button" onClick={() => sync.mutate({ orgId, sourceId: source.id })}>
                  Sync now
                </button>
              ) : null}
            </td>
          </tr>
        )}
      />
      <Failure error={create.error ?? sync.error} />
      {writer ? (
        <form
          className="card inline-form"
          aria-label="New source"
          onSubmit={(event) => {
            event.preventDefault();
            const target = event.currentTarget;
            const form = new FormData(target);
            const name = String(form.get("name"));
            const content = String(form.get("content")).trim();
            const config = /^https?:\/\//.test(content)
              ? { kind: "url" as const, url: content }
              : { kind: "text" as const, text: content };
            create.mutate({ orgId, botId, name, config }, { onSuccess: () => target.reset() });
          }}
        >
          <label>
            Name
            <input name="name" required maxLength={200} />
          </label>
          <label>
            Text, or a page's URL
            <textarea name="content" required rows={2} />
          </label>
          <button type="submit" disabled={create.isPending}>
            Add source
          </button>
        </form>
      ) : null}
    </>
  );
}

export function BotKnowledge(props: Props) {
  return (
    <>
      <h2>Knowledge</h2>
      <Entries {...props} />
      <h2>Sources</h2>
      <Sources {...props} />
    </>
  );
}
