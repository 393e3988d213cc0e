import { useMutation } from "@tanstack/react-query";
import { Link, useSearch } from "wouter";
import { queryClient, useTRPC } from "../api";
import { Failure, Page } from "../ui";

/**
 * The page the invitation mail links to (/console/accept-invitation?token=…). Signed out, the app shows
 * the sign-in form on this same URL, so signing in lands back here.
 */
export function AcceptInvitation() {
  const trpc = useTRPC();
  const token = new URLSearchParams(useSearch()).get("token") ?? "";
  const accept = useMutation(
    trpc.orgs.members.acceptInvite.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.auth.me.pathFilter()),
    }),
  );
  return (
    <Page title="Join an organization">
      {accept.isSuccess ? (
        <p role="status">
          You joined as {accept.data.role}.{" "}
          <Link href={`/orgs/${accept.data.orgId}/bots`}>Open the organization</Link>
        </p>
      ) : (
        <>
          <p>You were invited to an organization on Kyro.</p>
          <Failure error={accept.error} />
          <button
            type="button"
            onClick={() => accept.mutate({ token })}
            disabled={accept.isPending || !token}
          >
            Accept the invitation
          </button>
        </>
      )}
    </Page>
  );
}
