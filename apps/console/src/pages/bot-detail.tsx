import { useMutation, useQuery } from "@tanstack/react-query";
import { useParams } from "wouter";
import { queryClient, useTRPC } from "../api";
import { Loaded, Table } from "../lists";
import { useCurrentOrg } from "../org";
import { can } from "../roles";
import { Empty, Failure, formatDate, Loading, Page } from "../ui";
import { BotKnowledge } from "./bot-knowledge";
import { BotWidget } from "./bot-widget";

function Versions({ orgId, botId, writer }: { orgId: string; botId: string; writer: boolean }) {
  const trpc = useTRPC();
  const versions = useQuery(trpc.bots.versions.queryOptions({ orgId, botId, limit: 50 }));
  const restore = useMutation(
    trpc.bots.restoreVersion.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.bots.pathFilter()),
    }),
  );
  return (
    <Loaded query={versions} what="versions">
      {({ items }) =>
        items.length === 0 ? (
          <Empty>Not published yet.</Empty>
        ) : (
          <>
            <Failure error={restore.error} />
            <Table columns={["Version", "Published", "By", ""]}>
              {items.map((version) => (
                <tr key={version.id}>
                  <td>
                    v{version.version} {version.current ? <span className="badge">current</span> : null}
                  </td>
                  <td>{formatDate(version.createdAt)}</td>
                  <td>{version.createdBy?.email ?? "—"}</td>
                  <td>
                    {writer && !version.current ? (
                      <button
                        type="button"
                        onClick={() => restore.mutate({ orgId, botId, versionId: version.id })}
                      >
                        Restore this version
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </Table>
          </>
        )
      }
    </Loaded>
  );
}

export function BotDetail() {
  const { orgId = "", botId = "" } = useParams<{ orgId: string; botId: string }>();
  const { role } = useCurrentOrg();
  const writer = can(role, "bots:write");
  const trpc = useTRPC();
  const bot = useQuery(trpc.bots.get.queryOptions({ orgId, botId }));
  const refresh = () => queryClient.invalidateQueries(trpc.bots.pathFilter());
  const update = useMutation(trpc.bots.update.mutationOptions({ onSuccess: refresh }));
  const publish = useMutation(trpc.bots.publish.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.bots.delete.mutationOptions({ onSuccess: refresh }));
  const restore = useMutation(trpc.bots.restore.mutationOptions({ onSuccess: refresh }));

  if (bot.isPending) return <Loading what="the bot" />;
  if (bot.isError) return <Failure error={bot.error} />;
  const current = bot.data.bot;
  const deleted = current.deletedAt !== null;
  return (
    <Page
      title={current.name}
      actions={
        writer ? (
          deleted ? (
            <button type="button" onClick={() => restore.mutate({ orgId, botId })}>
              Restore bot
            </button>
          ) : (
            <>
              <button
                type="button"
                onClick={() => publish.mutate({ orgId, botId })}
                disabled={publish.isPending}
              >
                Publish
              </button>
              <button type="button" className="danger" onClick={() => remove.mutate({ orgId, botId })}>
                Delete
              </button>
            </>
          )
        ) : null
      }
    >
      <Failure error={publish.error ?? remove.error ?? restore.error} />
      <p className="meta">
        Status: {deleted ? "deleted" : current.status} · Published version: {current.currentVersion ?? "none"}
      </p>
      <form
        className="card"
        aria-label="Bot settings"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          update.mutate({
            orgId,
            botId,
            name: String(form.get("name")),
            description: String(form.get("description")),
            config: {
              persona: String(form.get("persona")),
              welcomeMessage: String(form.get("welcomeMessage")),
              fallbackMessage: String(form.get("fallbackMessage")),
            },
          });
        }}
      >
        <fieldset disabled={!writer || deleted}>
          <label>
            Name
            <input name="name" defaultValue={current.name} required maxLength={100} />
          </label>
          <label>
            Description
            <input name="description" defaultValue={current.description} />
          </label>
          <label>
            Persona
            <textarea name="persona" defaultValue={current.config.persona} rows={3} />
          </label>
          <label>
            Welcome message
            <textarea name="welcomeMessage" defaultValue={current.config.welcomeMessage} rows={2} />
          </label>
          <label>
            Fallback message
            <textarea name="fallbackMessage" defaultValue={current.config.fallbackMessage} rows={2} />
          </label>
          <Failure error={update.error} />
          {writer ? (
            <button type="submit" disabled={update.isPending}>
              Save draft
            </button>
          ) : null}
        </fieldset>
        {update.isSuccess ? <p role="status">Saved. Publish to make it live.</p> : null}
      </form>
      <h2>Versions</h2>
      <Versions orgId={orgId} botId={botId} writer={writer} />
      <h2>Widget</h2>
      <BotWidget orgId={orgId} botId={botId} writer={writer} />
      <BotKnowledge orgId={orgId} botId={botId} writer={writer} />
    </Page>
  );
}
