import { useMutation, useQuery } from "@tanstack/react-query";
import { useParams } from "wouter";
import { queryClient, useTRPC } from "../api";
import { ListTable } from "../lists";
import { Failure, formatDate, Page } from "../ui";

const KINDS = ["conversations", "leads", "feedback", "tickets", "knowledge", "audit", "usage"] as const;
const FORMATS = ["csv", "json", "ndjson"] as const;
const PII = ["include", "hash", "omit"] as const;

/** Export jobs: start one, watch its progress (polled while any runs), download by its signed link. */
export function Exports() {
  const { orgId = "" } = useParams<{ orgId: string }>();
  const trpc = useTRPC();
  const exports = useQuery({
    ...trpc.exports.list.queryOptions({ orgId, limit: 50 }),
    refetchInterval: (query) =>
      query.state.data?.items.some((item) => item.status === "queued" || item.status === "running")
        ? 2_000
        : false,
  });
  const create = useMutation(
    trpc.exports.create.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.exports.list.pathFilter()),
    }),
  );
  return (
    <Page title="Exports">
      <form
        className="card inline-form"
        aria-label="New export"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          const from = String(form.get("from"));
          const to = String(form.get("to"));
          create.mutate({
            orgId,
            kind: String(form.get("kind")) as (typeof KINDS)[number],
            format: String(form.get("format")) as (typeof FORMATS)[number],
            pii: String(form.get("pii")) as (typeof PII)[number],
            ...(from ? { from: new Date(from).toISOString() } : {}),
            ...(to ? { to: new Date(to).toISOString() } : {}),
          });
        }}
      >
        <label>
          Data
          <select name="kind">
            {KINDS.map((kind) => (
              <option key={kind}>{kind}</option>
            ))}
          </select>
        </label>
        <label>
          Format
          <select name="format">
            {FORMATS.map((format) => (
              <option key={format}>{format}</option>
            ))}
          </select>
        </label>
        <label>
          Personal data
          <select name="pii">
            {PII.map((mode) => (
              <option key={mode}>{mode}</option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="date" name="from" />
        </label>
        <label>
          To
          <input type="date" name="to" />
        </label>
        <button type="submit" disabled={create.isPending}>
          Start export
        </button>
      </form>
      <Failure error={create.error} />
      <ListTable
        query={exports}
        what="exports"
        empty="No exports yet."
        columns={["Requested", "Data", "Status", "Rows", "File"]}
        row={(item) => (
          <tr key={item.id}>
            <td>{formatDate(item.createdAt)}</td>
            <td>
              {item.kind} ({item.format}, {item.pii})
            </td>
            <td>
              {item.status}
              {item.status === "running" ? ` ${item.progress}%` : ""}
            </td>
            <td>{item.rowsWritten}</td>
            <td>
              {item.downloadUrl ? (
                <a href={item.downloadUrl}>Download</a>
              ) : item.status === "expired" ? (
                "deleted"
              ) : null}
            </td>
          </tr>
        )}
      />
    </Page>
  );
}
