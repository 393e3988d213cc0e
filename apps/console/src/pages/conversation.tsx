import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "wouter";
import { queryClient, useTRPC } from "../api";
import { useCurrentOrg, useMe } from "../org";
import { can } from "../roles";
import { Empty, Failure, formatDate, Loading, Page } from "../ui";

function Transcript({ orgId, conversationId }: { orgId: string; conversationId: string }) {
  const trpc = useTRPC();
  const messages = useQuery(trpc.conversations.messages.queryOptions({ orgId, conversationId, limit: 100 }));
  if (messages.isPending) return <Loading what="messages" />;
  if (messages.isError) return <Failure error={messages.error} />;
  if (messages.data.items.length === 0) return <Empty>No messages yet.</Empty>;
  return (
    <ol className="transcript" aria-label="Messages">
      {messages.data.items.map((message) => (
        <li key={message.id} className={`message ${message.role}`}>
          <span className="meta">
            {message.role} · {formatDate(message.createdAt)}
            {message.feedback.map((feedback) => (
              <span key={feedback.id} className="badge">
                {feedback.helpful ? "helpful" : "not helpful"}
              </span>
            ))}
          </span>
          <p>{message.content}</p>
        </li>
      ))}
    </ol>
  );
}

/** One conversation: its transcript and the handoff controls (take over, reply, hand back, tags). */
export function Conversation() {
  const { orgId = "", conversationId = "" } = useParams<{ orgId: string; conversationId: string }>();
  const { role } = useCurrentOrg();
  const { user } = useMe();
  const agent = can(role, "conversations:reply");
  const trpc = useTRPC();
  const [draft, setDraft] = useState("");
  const conversation = useQuery(trpc.conversations.get.queryOptions({ orgId, conversationId }));
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.conversations.pathFilter()),
      queryClient.invalidateQueries(trpc.escalations.pathFilter()),
    ]);
  const options = { onSuccess: refresh };
  const assign = useMutation(trpc.conversations.assign.mutationOptions(options));
  const handBack = useMutation(trpc.conversations.handBack.mutationOptions(options));
  const resolve = useMutation(trpc.conversations.resolve.mutationOptions(options));
  const reopen = useMutation(trpc.conversations.reopen.mutationOptions(options));
  const tags = useMutation(trpc.conversations.tags.replace.mutationOptions(options));
  const escalate = useMutation(trpc.escalations.create.mutationOptions(options));
  const reply = useMutation(
    trpc.conversations.reply.mutationOptions({
      onSuccess: () => {
        setDraft("");
        return refresh();
      },
    }),
  );

  if (conversation.isPending) return <Loading what="the conversation" />;
  if (conversation.isError) return <Failure error={conversation.error} />;
  const current = conversation.data.conversation;
  const mine = current.assigneeId !== null && current.assigneeId === user?.user.id;
  return (
    <Page title="Conversation" actions={<Link href={`/orgs/${orgId}/inbox`}>Back to the inbox</Link>}>
      <p className="meta" data-testid="conversation-state">
        Status: {current.status} · Held by:{" "}
        {current.assigneeId === null ? "the bot" : mine ? "you" : current.assigneeId} · Started{" "}
        {formatDate(current.createdAt)}
        {current.origin ? ` on ${current.origin}` : ""} · Tags: {current.tags.join(", ") || "none"}
      </p>
      <Failure
        error={
          assign.error ??
          handBack.error ??
          resolve.error ??
          reopen.error ??
          tags.error ??
          escalate.error ??
          reply.error
        }
      />
      {agent ? (
        <div className="row-actions">
          {mine || !user ? null : (
            <button
              type="button"
              onClick={() => assign.mutate({ orgId, conversationId, assigneeId: user.user.id })}
            >
              Assign to me
            </button>
          )}
          {current.assigneeId === null ? null : (
            <button type="button" onClick={() => handBack.mutate({ orgId, conversationId })}>
              Hand back to the bot
            </button>
          )}
          {current.status === "resolved" ? (
            <button type="button" onClick={() => reopen.mutate({ orgId, conversationId })}>
              Reopen
            </button>
          ) : (
            <button type="button" onClick={() => resolve.mutate({ orgId, conversationId })}>
              Resolve
            </button>
          )}
          <button
            type="button"
            onClick={() =>
              escalate.mutate({
                orgId,
                botId: current.botId,
                conversationId,
                subject: `Conversation of ${formatDate(current.createdAt)}`,
              })
            }
          >
            Open a ticket
          </button>
        </div>
      ) : null}
      {escalate.isSuccess ? (
        <p role="status">
          Ticket opened. <Link href={`/orgs/${orgId}/tickets`}>See the board</Link>
        </p>
      ) : null}
      <form
        className="card inline-form"
        aria-label="Tags"
        onSubmit={(event) => {
          event.preventDefault();
          const value = String(new FormData(event.currentTarget).get("tags"));
          const list = value
            .split(",")
            .map((tag) => tag.trim())
            .filter(Boolean);
          tags.mutate({ orgId, conversationId, tags: list });
        }}
      >
        <fieldset disabled={!agent}>
          <label>
            Tags (comma-separated)
            <input name="tags" key={current.tags.join(",")} defaultValue={current.tags.join(", ")} />
          </label>
          {agent ? <button type="submit">Save tags</button> : null}
        </fieldset>
      </form>
      <h2>Messages</h2>
      <Transcript orgId={orgId} conversationId={conversationId} />
      {agent ? (
        <form
          className="card"
          aria-label="Reply"
          onSubmit={(event) => {
            event.preventDefault();
            reply.mutate({ orgId, conversationId, content: draft });
          }}
        >
          <label>
            Reply as an agent
            <textarea
              value={draft}
              onChange={(event) => setDraft(event.target.value)}
              rows={3}
              maxLength={4000}
              required
            />
          </label>
          <button type="submit" disabled={reply.isPending}>
            Send reply
          </button>
        </form>
      ) : null}
    </Page>
  );
}
