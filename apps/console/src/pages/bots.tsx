import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useLocation, useParams } from "wouter";
import { queryClient, useTRPC } from "../api";
import { ListTable } from "../lists";
import { useCurrentOrg } from "../org";
import { can } from "../roles";
import { Failure, formatDate, Page } from "../ui";

function CreateBot({ orgId }: { orgId: string }) {
  const trpc = useTRPC();
  const [, navigate] = useLocation();
  const templates = useQuery(trpc.bots.templates.queryOptions({ orgId, limit: 100 }));
  const create = useMutation(
    trpc.bots.create.mutationOptions({
      onSuccess: async ({ bot }) => {
        await queryClient.invalidateQueries(trpc.bots.list.pathFilter());
        navigate(`/orgs/${orgId}/bots/${bot.id}`);
      },
    }),
  );
  return (
    <form
      className="card inline-form"
      aria-label="New bot"
      onSubmit={(event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        const templateId = String(form.get("templateId") ?? "");
        const name = String(form.get("name") ?? "").trim();
        create.mutate({ orgId, ...(templateId ? { templateId } : {}), ...(name ? { name } : {}) });
      }}
    >
      <label>
        Template
        <select name="templateId" defaultValue="">
          <option value="">Blank bot</option>
          {templates.data?.items.map((template) => (
            <option key={template.id} value={template.id}>
              {template.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Name
        <input name="name" maxLength={100} placeholder="From the template when empty" />
      </label>
      <button type="submit" disabled={create.isPending}>
        Create bot
      </button>
      <Failure error={create.error ?? templates.error} />
    </form>
  );
}

export function Bots() {
  const { orgId = "" } = useParams<{ orgId: string }>();
  const { role } = useCurrentOrg();
  const trpc = useTRPC();
  const writer = can(role, "bots:write");
  const [showDeleted, setShowDeleted] = useState(false);
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const bots = useQuery(
    trpc.bots.list.queryOptions({
      orgId,
      includeDeleted: writer && showDeleted,
      limit: 20,
      ...(cursor ? { cursor } : {}),
    }),
  );
  const restore = useMutation(
    trpc.bots.restore.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.bots.list.pathFilter()),
    }),
  );
  return (
    <Page
      title="Bots"
      actions={
        writer ? (
          <label className="check">
            <input
              type="checkbox"
              checked={showDeleted}
              onChange={(event) => setShowDeleted(event.target.checked)}
            />
            Show deleted
          </label>
        ) : null
      }
    >
      {writer ? <CreateBot orgId={orgId} /> : null}
      <Failure error={restore.error} />
      <ListTable
        query={bots}
        what="bots"
        empty={`No bots yet.${writer ? " Create one from a template above." : ""}`}
        columns={["Name", "Status", "Published version", "Updated", ""]}
        row={(bot) => (
          <tr key={bot.id}>
            <td>
              <Link href={`/orgs/${orgId}/bots/${bot.id}`}>{bot.name}</Link>
            </td>
            <td>{bot.deletedAt ? "deleted" : bot.status}</td>
            <td>{bot.currentVersion ?? "—"}</td>
            <td>{formatDate(bot.updatedAt)}</td>
            <td>
              {writer && bot.deletedAt ? (
                <button type="button" onClick={() => restore.mutate({ orgId, botId: bot.id })}>
                  Restore
                </button>
              ) : null}
            </td>
          </tr>
        )}
      />
      <div className="pager">
        <button
          type="button"
          disabled={cursors.length === 0}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Previous
        </button>
        <button
          type="button"
          disabled={!bots.data?.nextCursor}
          onClick={() => bots.data?.nextCursor && setCursors([...cursors, bots.data.nextCursor])}
        >
          Next
        </button>
      </div>
    </Page>
  );
}
