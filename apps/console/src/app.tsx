import { lazy, Suspense } from "react";
import { Redirect, Route, Router, Switch } from "wouter";
import { useAuthState } from "./auth";
import { Shell } from "./shell";
import { Loading } from "./ui";

// One chunk per screen: the first screen loads only what it shows.
const SignIn = lazy(() => import("./pages/sign-in").then((m) => ({ default: m.SignIn })));
const SignUp = lazy(() => import("./pages/sign-up").then((m) => ({ default: m.SignUp })));
const VerifyEmail = lazy(() => import("./pages/verify-email").then((m) => ({ default: m.VerifyEmail })));
const ResetPassword = lazy(() =>
  import("./pages/reset-password").then((m) => ({ default: m.ResetPassword })),
);
const AcceptInvitation = lazy(() =>
  import("./pages/accept-invitation").then((m) => ({ default: m.AcceptInvitation })),
);
const Home = lazy(() => import("./pages/home").then((m) => ({ default: m.Home })));
const NewOrg = lazy(() => import("./pages/new-org").then((m) => ({ default: m.NewOrg })));
const Bots = lazy(() => import("./pages/bots").then((m) => ({ default: m.Bots })));
const BotDetail = lazy(() => import("./pages/bot-detail").then((m) => ({ default: m.BotDetail })));
const ApiKeys = lazy(() => import("./pages/api-keys").then((m) => ({ default: m.ApiKeys })));
const Members = lazy(() => import("./pages/members").then((m) => ({ default: m.Members })));
const Audit = lazy(() => import("./pages/audit").then((m) => ({ default: m.Audit })));
const Inbox = lazy(() => import("./pages/inbox").then((m) => ({ default: m.Inbox })));
const Conversation = lazy(() => import("./pages/conversation").then((m) => ({ default: m.Conversation })));
const Feedback = lazy(() => import("./pages/feedback").then((m) => ({ default: m.Feedback })));
const Leads = lazy(() => import("./pages/leads").then((m) => ({ default: m.Leads })));
const Webhooks = lazy(() => import("./pages/webhooks").then((m) => ({ default: m.Webhooks })));
const WebhookDeliveries = lazy(() =>
  import("./pages/webhooks").then((m) => ({ default: m.WebhookDeliveries })),
);
const Usage = lazy(() => import("./pages/usage").then((m) => ({ default: m.Usage })));
const Tickets = lazy(() => import("./pages/tickets").then((m) => ({ default: m.Tickets })));
const Analytics = lazy(() => import("./pages/analytics").then((m) => ({ default: m.Analytics })));
const BotAnalytics = lazy(() => import("./pages/analytics").then((m) => ({ default: m.BotAnalytics })));
const Privacy = lazy(() => import("./pages/privacy").then((m) => ({ default: m.Privacy })));
const Exports = lazy(() => import("./pages/exports").then((m) => ({ default: m.Exports })));

export function App() {
  const auth = useAuthState();
  return (
    <Router base="/console">
      <Suspense fallback={<Loading what="the page" />}>
        {auth === "checking" ? (
          <Loading what="your session" />
        ) : auth === "signed-out" ? (
          <Switch>
            <Route path="/sign-up" component={SignUp} />
            <Route path="/verify-email" component={VerifyEmail} />
            <Route path="/sign-in" component={SignIn} />
            {/* The sign-in link in account mails (auth/mails.ts). */}
            <Route path="/login" component={SignIn} />
            {/* The links in the reset and invitation mails; signing in here lands back on the invitation. */}
            <Route path="/reset-password" component={ResetPassword} />
            <Route path="/accept-invitation" component={SignIn} />
            <Route>
              <Redirect to="/sign-in" replace />
            </Route>
          </Switch>
        ) : (
          <Shell>
            <Switch>
              <Route path="/orgs/new" component={NewOrg} />
              <Route path="/accept-invitation" component={AcceptInvitation} />
              <Route path="/orgs/:orgId/bots/:botId" component={BotDetail} />
              <Route path="/orgs/:orgId/bots" component={Bots} />
              <Route path="/orgs/:orgId/keys" component={ApiKeys} />
              <Route path="/orgs/:orgId/members" component={Members} />
              <Route path="/orgs/:orgId/audit" component={Audit} />
              <Route path="/orgs/:orgId/inbox/:conversationId" component={Conversation} />
              <Route path="/orgs/:orgId/inbox" component={Inbox} />
              <Route path="/orgs/:orgId/tickets" component={Tickets} />
              <Route path="/orgs/:orgId/feedback" component={Feedback} />
              <Route path="/orgs/:orgId/leads" component={Leads} />
              <Route path="/orgs/:orgId/webhooks/:endpointId" component={WebhookDeliveries} />
              <Route path="/orgs/:orgId/webhooks" component={Webhooks} />
              <Route path="/orgs/:orgId/limits" component={Usage} />
              <Route path="/orgs/:orgId/exports" component={Exports} />
              <Route path="/orgs/:orgId/analytics/bots/:botId" component={BotAnalytics} />
              <Route path="/orgs/:orgId/analytics" component={Analytics} />
              <Route path="/orgs/:orgId/privacy" component={Privacy} />
              <Route component={Home} />
            </Switch>
          </Shell>
        )}
      </Suspense>
    </Router>
  );
}
