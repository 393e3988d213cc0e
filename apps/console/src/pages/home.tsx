import { Link, Redirect } from "wouter";
import { useMe } from "../org";
import { Empty, Failure, Loading, Page } from "../ui";

/** Straight to the first org's bots; a new user is asked to create one. */
export function Home() {
  const { me, orgs } = useMe();
  if (me.isPending) return <Loading what="your organizations" />;
  if (me.isError) return <Failure error={me.error} />;
  const first = orgs[0];
  if (first) return <Redirect to={`/orgs/${first.id}/bots`} replace />;
  return (
    <Page title="Welcome to Kyro">
      <Empty>
        You are not in any organization yet. <Link href="/orgs/new">Create one</Link> or ask for an
        invitation.
      </Empty>
    </Page>
  );
}
