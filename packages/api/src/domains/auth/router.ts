import { authedProcedure, orgUserProcedure, principalProcedure, publicProcedure, router } from "../../trpc";
import { changePassword, logout, me, switchOrg } from "./account-service";
import {
  changePasswordInput,
  loginInput,
  logoutInput,
  meInput,
  meOutput,
  okOutput,
  refreshInput,
  sessionOutput,
  signupInput,
  switchOrgOutput,
  tokensOutput,
} from "./schemas";
import { login, refresh, signup } from "./service";

const publicAuth = publicProcedure.meta({ requires: "public" });
const signedIn = authedProcedure.meta({ requires: "authenticated" });

export const authRouter = router({
  signup: publicAuth
    .input(signupInput)
    .output(sessionOutput)
    .mutation(({ ctx, input }) => signup(ctx, input)),
  login: publicAuth
    .input(loginInput)
    .output(sessionOutput)
    .mutation(({ ctx, input }) => login(ctx, input)),
  refresh: publicAuth
    .input(refreshInput)
    .output(tokensOutput)
    .mutation(({ ctx, input }) => refresh(ctx, input)),
  logout: signedIn
    .input(logoutInput)
    .output(okOutput)
    .mutation(({ ctx, input }) => logout(ctx, input)),
  me: principalProcedure
    .meta({
      requires: "authenticated",
      rest: { method: "GET", path: "/me", summary: "The caller", tags: ["auth"] },
    })
    .input(meInput)
    .output(meOutput)
    .query(({ ctx }) => me(ctx)),
  changePassword: signedIn
    .input(changePasswordInput)
    .output(okOutput)
    .mutation(({ ctx, input }) => changePassword(ctx, input)),
  // Any member may switch to an org; orgUserProcedure answers NOT_FOUND to non-members.
  switchOrg: orgUserProcedure("org:read")
    .output(switchOrgOutput)
    .mutation(({ ctx }) => switchOrg(ctx)),
});
