import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useParams } from "wouter";
import { queryClient, useTRPC } from "../api";
import { ListTable } from "../lists";
import { ShownOnce } from "../secret";
import { Failure, formatDate, Page } from "../ui";

const SCOPES = ["read:bots", "write:bots", "run:actions", "read:analytics", "admin:org"] as const;
type Scope = (typeof SCOPES)[number];

export function ApiKeys() {
  const { orgId = "" } = useParams<{ orgId: string }>();
  const trpc = useTRPC();
  const [revealed, setRevealed] = useState<{ name: string; secret: string } | null>(null);
  const keys = useQuery(trpc.apiKeys.list.queryOptions({ orgId }));
  const refresh = () => queryClient.invalidateQueries(trpc.apiKeys.list.pathFilter());
  const reveal = (result: { apiKey: { name: string }; key: string }) => {
    setRevealed({ name: result.apiKey.name, secret: result.key });
    return refresh();
  };
  const create = useMutation(trpc.apiKeys.create.mutationOptions({ onSuccess: reveal }));
  const rotate = useMutation(trpc.apiKeys.rotate.mutationOptions({ onSuccess: reveal }));
  const revoke = useMutation(trpc.apiKeys.revoke.mutationOptions({ onSuccess: refresh }));
  return (
    <Page title="API keys">
      {revealed ? (
        <ShownOnce
          what="secret"
          of={revealed.name}
          secret={revealed.secret}
          testId="api-key-secret"
          onDone={() => setRevealed(null)}
        />
      ) : null}
      <form
        className="card inline-form"
        aria-label="New API key"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          const scopes = form.getAll("scopes").map(String) as Scope[];
          create.mutate({ orgId, name: String(form.get("name")), scopes });
        }}
      >
        <label>
          Name
          <input name="name" required maxLength={100} />
        </label>
        <fieldset className="scopes">
          <legend>Scopes</legend>
          {SCOPES.map((scope) => (
            <label key={scope} className="check">
              <input type="checkbox" name="scopes" value={scope} defaultChecked={scope === "read:bots"} />
              {scope}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={create.isPending}>
          Create key
        </button>
      </form>
      <Failure error={create.error ?? rotate.error ?? revoke.error} />
      <ListTable
        query={keys}
        what="API keys"
        empty="No API keys yet."
        columns={["Name", "Key", "Scopes", "Status", "Last used", ""]}
        row={(key) => (
          <tr key={key.id}>
            <td>{key.name}</td>
            <td>
              <code>
                {key.prefix}…{key.last4}
              </code>
            </td>
            <td>{key.scopes.join(", ")}</td>
            <td>{key.status}</td>
            <td>{formatDate(key.lastUsedAt)}</td>
            <td className="row-actions">
              {key.revokedAt ? null : (
                <>
                  <button type="button" onClick={() => rotate.mutate({ orgId, keyId: key.id })}>
                    Rotate
                  </button>
                  <button
                    type="button"
                    className="danger"
                    onClick={() => revoke.mutate({ orgId, keyId: key.id })}
                  >
                    Revoke
                  </button>
                </>
              )}
            </td>
          </tr>
        )}
      />
    </Page>
  );
}
