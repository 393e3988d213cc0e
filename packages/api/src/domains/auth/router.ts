import {
  authedProcedure,
  orgUserProcedure,
  principalProcedure,
  publicProcedure,
  router,
} from "../../core/trpc";
import { changePassword, logout, me, switchOrg } from "./account-service";
import { requestPasswordReset, resetPassword } from "./password-reset-service";
import {
  accountEmailInput,
  changePasswordInput,
  loginInput,
  logoutInput,
  meInput,
  meOutput,
  okOutput,
  refreshInput,
  resetPasswordInput,
  sessionOutput,
  signupInput,
  signupOutput,
  switchOrgOutput,
  tokensOutput,
  verifyEmailInput,
} from "./schemas";
import { login, refresh } from "./service";
import { resendVerification, signup, verifyEmail } from "./signup-service";

const publicAuth = publicProcedure();
const signedIn = authedProcedure();

export const authRouter = router({
  signup: publicAuth
    .input(signupInput)
    .output(signupOutput)
    .mutation(({ ctx, input }) => signup(ctx, input)),
  verifyEmail: publicAuth
    .input(verifyEmailInput)
    .output(sessionOutput)
    .mutation(({ ctx, input }) => verifyEmail(ctx, input)),
  resendVerification: publicAuth
    .input(accountEmailInput)
    .output(okOutput)
    .mutation(({ ctx, input }) => resendVerification(ctx, input)),
  requestPasswordReset: publicAuth
    .input(accountEmailInput)
    .output(okOutput)
    .mutation(({ ctx, input }) => requestPasswordReset(ctx, input)),
  resetPassword: publicAuth
    .input(resetPasswordInput)
    .output(okOutput)
    .mutation(({ ctx, input }) => resetPassword(ctx, input)),
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
  me: principalProcedure({ rest: { method: "GET", path: "/me", summary: "The caller", tags: ["auth"] } })
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
