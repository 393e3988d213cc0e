import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "wouter";
import { queryClient, useTRPC } from "../api";
import { ListTable } from "../lists";
import { ShownOnce } from "../secret";
import { Failure, formatDate, Page } from "../ui";

function Integrations({ orgId }: { orgId: string }) {
  const trpc = useTRPC();
  const integrations = useQuery(trpc.integrations.list.queryOptions({ orgId, limit: 100 }));
  return (
    <ListTable
      query={integrations}
      what="integrations"
      empty="No integrations yet."
      label="Integrations"
      columns={["Name", "Base URL", "Created"]}
      row={(integration) => (
        <tr key={integration.id}>
          <td>{integration.name}</td>
          <td>{integration.baseUrl}</td>
          <td>{formatDate(integration.createdAt)}</td>
        </tr>
      )}
    />
  );
}

export function Webhooks() {
  const { orgId = "" } = useParams<{ orgId: string }>();
  const trpc = useTRPC();
  const [revealed, setRevealed] = useState<{ url: string; secret: string } | null>(null);
  const endpoints = useQuery(trpc.webhooks.endpoints.list.queryOptions({ orgId, limit: 100 }));
  const refresh = () => queryClient.invalidateQueries(trpc.webhooks.pathFilter());
  const reveal = (result: { endpoint: { url: string }; secret: string }) => {
    setRevealed({ url: result.endpoint.url, secret: result.secret });
    return refresh();
  };
  const create = useMutation(trpc.webhooks.endpoints.create.mutationOptions({ onSuccess: reveal }));
  const rotate = useMutation(trpc.webhooks.endpoints.rotateSecret.mutationOptions({ onSuccess: reveal }));
  const enable = useMutation(trpc.webhooks.endpoints.enable.mutationOptions({ onSuccess: refresh }));
  const disable = useMutation(trpc.webhooks.endpoints.disable.mutationOptions({ onSuccess: refresh }));
  return (
    <Page title="Webhooks">
      {revealed ? (
        <ShownOnce
          what="signing secret"
          of={revealed.url}
          secret={revealed.secret}
          testId="webhook-secret"
          onDone={() => setRevealed(null)}
        />
      ) : null}
      <form
        className="card inline-form"
        aria-label="New endpoint"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          create.mutate({
            orgId,
            url: String(form.get("url")).trim(),
            description: String(form.get("description")),
          });
        }}
      >
        <label>
          URL
          <input name="url" type="url" required placeholder="https://example.com/kyro" />
        </label>
        <label>
          Description
          <input name="description" maxLength={500} />
        </label>
        <button type="submit" disabled={create.isPending}>
          Add endpoint
        </button>
      </form>
      <Failure error={create.error ?? rotate.error ?? enable.error ?? disable.error} />
      <ListTable
        query={endpoints}
        what="endpoints"
        empty="No endpoints yet."
        label="Endpoints"
        columns={["URL", "Events", "Status", ""]}
        row={(endpoint) => (
          <tr key={endpoint.id}>
            <td>
              <Link href={`/orgs/${orgId}/webhooks/${endpoint.id}`}>{endpoint.url}</Link>
            </td>
            <td>{endpoint.eventTypes?.join(", ") ?? "all"}</td>
            <td>
              {endpoint.enabled
                ? "enabled"
                : `disabled${endpoint.disabledReason ? ` (${endpoint.disabledReason})` : ""}`}
            </td>
            <td className="row-actions">
              <button type="button" onClick={() => rotate.mutate({ orgId, endpointId: endpoint.id })}>
                Rotate secret
              </button>
              {endpoint.enabled ? (
                <button
                  type="button"
                  className="danger"
                  onClick={() => disable.mutate({ orgId, endpointId: endpoint.id })}
                >
                  Disable
                </button>
              ) : (
                <button type="button" onClick={() => enable.mutate({ orgId, endpointId: endpoint.id })}>
                  Enable
                </button>
              )}
            </td>
          </tr>
        )}
      />
      <h2>Integrations</h2>
      <Integrations orgId={orgId} />
    </Page>
  );
}

/** One endpoint's delivery log, newest first, each with its attempts count and a replay. */
export function WebhookDeliveries() {
  const { orgId = "", endpointId = "" } = useParams<{ orgId: string; endpointId: string }>();
  const trpc = useTRPC();
  const endpoint = useQuery(trpc.webhooks.endpoints.get.queryOptions({ orgId, endpointId }));
  const deliveries = useQuery(trpc.webhooks.deliveries.list.queryOptions({ orgId, endpointId, limit: 50 }));
  const replay = useMutation(
    trpc.webhooks.deliveries.replay.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.webhooks.deliveries.pathFilter()),
    }),
  );
  return (
    <Page
      title={endpoint.data ? `Deliveries to ${endpoint.data.endpoint.url}` : "Deliveries"}
      actions={<Link href={`/orgs/${orgId}/webhooks`}>All endpoints</Link>}
    >
      <Failure error={endpoint.error ?? replay.error} />
      {replay.isSuccess ? <p role="status">Replay queued.</p> : null}
      <ListTable
        query={deliveries}
        what="deliveries"
        empty="No deliveries yet."
        label="Deliveries"
        columns={["Event", "Status", "Attempts", "Last response", "Created", ""]}
        row={(delivery) => (
          <tr key={delivery.id}>
            <td>{delivery.eventType}</td>
            <td>{delivery.status}</td>
            <td>{delivery.attempts}</td>
            <td>{delivery.lastResponseStatus ?? delivery.lastError ?? "—"}</td>
            <td>{formatDate(delivery.createdAt)}</td>
            <td>
              {/* A message still being retried cannot be replayed (the server answers 409). */}
              {delivery.status === "pending" ? null : (
                <button
                  type="button"
                  onClick={() => replay.mutate({ orgId, endpointId, messageId: delivery.id })}
                >
                  Replay
                </button>
              )}
            </td>
          </tr>
        )}
      />
    </Page>
  );
}
