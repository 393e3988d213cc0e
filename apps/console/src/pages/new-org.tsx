import { useMutation } from "@tanstack/react-query";
import { useLocation } from "wouter";
import { queryClient, useTRPC } from "../api";
import { Failure, Page } from "../ui";

export function NewOrg() {
  const trpc = useTRPC();
  const [, navigate] = useLocation();
  const create = useMutation(
    trpc.orgs.create.mutationOptions({
      onSuccess: async (result) => {
        await queryClient.invalidateQueries(trpc.auth.me.queryFilter());
        navigate(`/orgs/${result.org.id}/bots`);
      },
    }),
  );
  return (
    <Page title="New organization">
      <form
        className="card narrow"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate({ name: String(new FormData(event.currentTarget).get("name")) });
        }}
      >
        <label>
          Name
          <input name="name" required maxLength={200} />
        </label>
        <Failure error={create.error} />
        <button type="submit" disabled={create.isPending}>
          Create organization
        </button>
      </form>
    </Page>
  );
}
