import type { KyroOutputs } from "@kyro/sdk";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useLocation, useParams } from "wouter";
import { queryClient, useTRPC } from "../api";
import { saveFile } from "../download";
import { Loaded } from "../lists";
import { useCurrentOrg } from "../org";
import { can } from "../roles";
import { Empty, Failure, Page } from "../ui";

type Retention = KyroOutputs["retention"]["get"]["retention"];
type Category = keyof Retention["days"];

const CATEGORIES: Record<Category, string> = {
  messages: "Conversations and messages",
  leads: "Leads",
  feedback: "Feedback",
  audit: "Audit log",
  webhookDeliveries: "Webhook deliveries",
  inboundEvents: "Inbound events",
  usageEvents: "Usage events",
  exports: "Export files",
};

/** Days per kind of data; a blank field follows the platform default again. */
function RetentionForm({ orgId, retention }: { orgId: string; retention: Retention }) {
  const trpc = useTRPC();
  const update = useMutation(
    trpc.retention.update.mutationOptions({
      onSuccess: (data) => queryClient.setQueryData(trpc.retention.get.queryKey({ orgId }), data),
    }),
  );
  const categories = Object.keys(CATEGORIES) as Category[];
  return (
    <form
      className="card"
      aria-label="Retention"
      onSubmit={(event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        const days = Object.fromEntries(
          categories.map((category) => {
            const value = String(form.get(category) ?? "").trim();
            return [category, value === "" ? null : Number(value)];
          }),
        );
        update.mutate({ orgId, ...days });
      }}
    >
      <p>
        Days each kind of data is kept before the daily purge deletes it. Blank: the platform default. The
        audit log is kept at least {retention.auditMinimumDays} days.
      </p>
      <div className="fields">
        {categories.map((category) => (
          <label key={category}>
            {CATEGORIES[category]}
            <input
              name={category}
              type="number"
              min={1}
              defaultValue={retention.defaulted.includes(category) ? "" : retention.days[category]}
              placeholder={`default ${retention.defaults[category]}`}
            />
          </label>
        ))}
      </div>
      <p>
        <button type="submit" disabled={update.isPending}>
          Save retention
        </button>
      </p>
      <Failure error={update.error} />
      {update.isSuccess ? <p role="status">Retention saved.</p> : null}
    </form>
  );
}

/** A person's data, found by the email they left or the widget userId: exported, or erased once confirmed. */
function ContactTools({ orgId }: { orgId: string }) {
  const trpc = useTRPC();
  const [by, setBy] = useState<"email" | "userId">("email");
  const [value, setValue] = useState("");
  const [confirming, setConfirming] = useState(false);
  const contact = by === "email" ? { email: value.trim() } : { userId: value.trim() };
  const exporter = useMutation(
    trpc.compliance.exportContact.mutationOptions({
      onSuccess: (data) =>
        saveFile(
          new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }),
          `contact-${new Date().toISOString().slice(0, 10)}.json`,
        ),
    }),
  );
  const eraser = useMutation(
    trpc.compliance.eraseContact.mutationOptions({
      onSuccess: () => {
        setConfirming(false);
        // Conversations, leads, feedback and tickets may all have lost rows.
        return queryClient.invalidateQueries();
      },
    }),
  );
  const counts = eraser.data?.receipt.counts;
  return (
    <form className="card" aria-label="Contact" onSubmit={(event) => event.preventDefault()}>
      <div className="fields">
        <label>
          Identify by
          <select value={by} onChange={(event) => setBy(event.target.value as "email" | "userId")}>
            <option value="email">Email</option>
            <option value="userId">Widget userId</option>
          </select>
        </label>
        <label>
          Contact
          <input value={value} onChange={(event) => setValue(event.target.value)} required />
        </label>
        <button type="button" disabled={!value.trim()} onClick={() => exporter.mutate({ orgId, ...contact })}>
          Export data
        </button>
        <button type="button" className="danger" disabled={!value.trim()} onClick={() => setConfirming(true)}>
          Erase data…
        </button>
      </div>
      {confirming ? (
        <div role="alertdialog" aria-label="Confirm erasure" className="confirm">
          <p>
            Erase everything held about <strong>{value.trim()}</strong>? Their conversations, messages,
            feedback, leads and tickets are deleted. This cannot be undone.
          </p>
          <button
            type="button"
            className="danger"
            disabled={eraser.isPending}
            onClick={() => eraser.mutate({ orgId, ...contact })}
          >
            Erase permanently
          </button>{" "}
          <button type="button" className="ghost" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : null}
      <Failure error={exporter.error ?? eraser.error} />
      {exporter.isSuccess ? <p role="status">Contact data downloaded.</p> : null}
      {counts ? (
        <p role="status">
          Erased: {counts.conversations} conversations, {counts.messages} messages, {counts.leads} leads,{" "}
          {counts.feedback} feedback, {counts.tickets} tickets.
        </p>
      ) : null}
    </form>
  );
}

/** Deleting the org (the owner's alone), confirmed by typing its name as the server asks. */
function DeleteOrg({ orgId, name }: { orgId: string; name: string }) {
  const trpc = useTRPC();
  const [, navigate] = useLocation();
  const [typed, setTyped] = useState("");
  const remove = useMutation(
    trpc.orgs.delete.mutationOptions({
      onSuccess: async () => {
        // The org list must lose it before home picks the first org to open.
        await queryClient.invalidateQueries(trpc.auth.me.queryFilter());
        navigate("/", { replace: true });
      },
    }),
  );
  return (
    <form
      className="card"
      aria-label="Delete organization"
      onSubmit={(event) => {
        event.preventDefault();
        remove.mutate({ orgId, confirmName: typed });
      }}
    >
      <p>
        Deletes <strong>{name}</strong> with its bots, conversations, leads and keys, and ends its members'
        access. This cannot be undone.
      </p>
      <label>
        Type the organization's name to confirm
        <input value={typed} onChange={(event) => setTyped(event.target.value)} />
      </label>
      <p>
        <button type="submit" className="danger" disabled={typed !== name || remove.isPending}>
          Delete organization
        </button>
      </p>
      <Failure error={remove.error} />
    </form>
  );
}

export function Privacy() {
  const { orgId = "" } = useParams<{ orgId: string }>();
  const { role, name } = useCurrentOrg();
  const trpc = useTRPC();
  const allowed = can(role, "retention:manage");
  const retention = useQuery({ ...trpc.retention.get.queryOptions({ orgId }), enabled: allowed });
  if (!allowed) return <Empty>Data and privacy settings are for admins and owners.</Empty>;
  return (
    <Page title="Data & privacy">
      <h2>Retention</h2>
      <Loaded query={retention} what="the retention policy">
        {(data) => <RetentionForm orgId={orgId} retention={data.retention} />}
      </Loaded>
      {can(role, "compliance:manage") ? (
        <>
          <h2>A person's data</h2>
          <ContactTools orgId={orgId} />
        </>
      ) : null}
      {can(role, "org:delete") && name ? (
        <>
          <h2>Delete the organization</h2>
          <DeleteOrg orgId={orgId} name={name} />
        </>
      ) : null}
    </Page>
  );
}
