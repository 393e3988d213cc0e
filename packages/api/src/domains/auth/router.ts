import {
  authedProcedure,
  orgUserProcedure,
  principalProcedure,
  publicProcedure,
  router,
} from "../../core/trpc";
import { changePassword, logout, me, switchOrg } from "./account-service";
import { deleteAccount } from "./delete-account-service";
import { requestPasswordReset, resetPassword } from "./password-reset-service";
import { clearRefreshCookie, intoRefreshCookie, refreshTokenFromCookie } from "./refresh-cookie";
import {
  accountEmailInput,
  changePasswordInput,
  cookieRefreshInput,
  cookieSessionOutput,
  cookieTokensOutput,
  deleteAccountInput,
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
  // The browser flavours of verifyEmail, login and refresh: the same services, with the refresh token
  // in an HttpOnly cookie scoped to auth.cookieRefresh instead of the body (docs/console.md).
  cookieVerifyEmail: publicAuth
    .input(verifyEmailInput)
    .output(cookieSessionOutput)
    .mutation(async ({ ctx, input }) => intoRefreshCookie(ctx, await verifyEmail(ctx, input))),
  cookieLogin: publicAuth
    .input(loginInput)
    .output(cookieSessionOutput)
    .mutation(async ({ ctx, input }) => intoRefreshCookie(ctx, await login(ctx, input))),
  cookieRefresh: publicAuth
    .input(cookieRefreshInput)
    .output(cookieTokensOutput)
    .mutation(async ({ ctx }) =>
      intoRefreshCookie(ctx, await refresh(ctx, { refreshToken: refreshTokenFromCookie(ctx) })),
    ),
  logout: signedIn
    .input(logoutInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      const result = await logout(ctx, input);
      clearRefreshCookie(ctx);
      return result;
    }),
  me: principalProcedure({ rest: { method: "GET", path: "/me", summary: "The caller", tags: ["auth"] } })
    .input(meInput)
    .output(meOutput)
    .query(({ ctx }) => me(ctx)),
  changePassword: signedIn
    .input(changePasswordInput)
    .output(okOutput)
    .mutation(({ ctx, input }) => changePassword(ctx, input)),
  deleteAccount: signedIn
    .input(deleteAccountInput)
    .output(okOutput)
    .mutation(({ ctx, input }) => deleteAccount(ctx, input.password)),
  // Any member may switch to an org; orgUserProcedure answers NOT_FOUND to non-members.
  switchOrg: orgUserProcedure("org:read")
    .output(switchOrgOutput)
    .mutation(({ ctx }) => switchOrg(ctx)),
});
