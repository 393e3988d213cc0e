import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useParams } from "wouter";
import { queryClient, useTRPC } from "../api";
import { ListTable } from "../lists";
import { useCurrentOrg, useMe } from "../org";
import { can, type Role } from "../roles";
import { Failure, formatDate, Page } from "../ui";

const ROLES: readonly Role[] = ["owner", "admin", "agent", "viewer"];

function Invitations({ orgId }: { orgId: string }) {
  const trpc = useTRPC();
  const [token, setToken] = useState<{ email: string; token: string; emailSent: boolean } | null>(null);
  const invitations = useQuery(trpc.orgs.invitations.list.queryOptions({ orgId, limit: 100 }));
  const invite = useMutation(
    trpc.orgs.members.invite.mutationOptions({
      onSuccess: (result) => {
        setToken({ email: result.invitation.email, token: result.token, emailSent: result.emailSent });
        return queryClient.invalidateQueries(trpc.orgs.invitations.list.pathFilter());
      },
    }),
  );
  return (
    <>
      <h2>Invitations</h2>
      <form
        className="card inline-form"
        aria-label="Invite"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          invite.mutate({ orgId, email: String(form.get("email")), role: String(form.get("role")) as Role });
        }}
      >
        <label>
          Email
          <input name="email" type="email" required />
        </label>
        <label>
          Role
          <select name="role" defaultValue="agent">
            {ROLES.map((role) => (
              <option key={role}>{role}</option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={invite.isPending}>
          Invite
        </button>
      </form>
      <Failure error={invite.error} />
      {token ? (
        <div className="card secret" role="status">
          <p>
            {token.emailSent
              ? `Invitation mailed to ${token.email}.`
              : `The mail to ${token.email} could not be sent.`}{" "}
            Its token, shown once, if you would rather pass it on yourself:
          </p>
          <code>{token.token}</code>
        </div>
      ) : null}
      <ListTable
        query={invitations}
        what="invitations"
        empty="No pending invitations."
        columns={["Email", "Role", "Status"]}
        row={(invitation) => (
          <tr key={invitation.id}>
            <td>{invitation.email}</td>
            <td>{invitation.role}</td>
            <td>{invitation.status}</td>
          </tr>
        )}
      />
    </>
  );
}

export function Members() {
  const { orgId = "" } = useParams<{ orgId: string }>();
  const { role } = useCurrentOrg();
  const { user } = useMe();
  const manager = can(role, "members:manage");
  const trpc = useTRPC();
  const members = useQuery(trpc.orgs.members.list.queryOptions({ orgId, limit: 100 }));
  const refresh = () => queryClient.invalidateQueries(trpc.orgs.members.list.pathFilter());
  const updateRole = useMutation(trpc.orgs.members.updateRole.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.orgs.members.remove.mutationOptions({ onSuccess: refresh }));
  return (
    <Page title="Members">
      <Failure error={updateRole.error ?? remove.error} />
      <ListTable
        query={members}
        what="members"
        columns={["Name", "Email", "Role", "Joined", ""]}
        row={(member) => {
          const self = member.userId === user?.user.id;
          return (
            <tr key={member.userId}>
              <td>{member.name || "—"}</td>
              <td>{member.email}</td>
              <td>
                {manager && !self ? (
                  <select
                    aria-label={`Role of ${member.email}`}
                    value={member.role}
                    onChange={(event) =>
                      updateRole.mutate({
                        orgId,
                        userId: member.userId,
                        role: event.target.value as Role,
                      })
                    }
                  >
                    {ROLES.map((option) => (
                      <option key={option}>{option}</option>
                    ))}
                  </select>
                ) : (
                  member.role
                )}
              </td>
              <td>{formatDate(member.joinedAt)}</td>
              <td>
                {manager && !self ? (
                  <button
                    type="button"
                    className="danger"
                    onClick={() => remove.mutate({ orgId, userId: member.userId })}
                  >
                    Remove
                  </button>
                ) : null}
              </td>
            </tr>
          );
        }}
      />
      {manager ? <Invitations orgId={orgId} /> : null}
    </Page>
  );
}
