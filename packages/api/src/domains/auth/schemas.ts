import { ROLES } from "@kyro/db";
import { z } from "zod";
import { NOT_BLANK, singleLine, text, token } from "../../core/text-input";
import { apiKeyScopeSchema, emailSchema } from "../shared/schemas";

/** Transport bound only; the password policy (password-policy.ts) enforces the real limits with named rules. */
const newPasswordSchema = text().max(1024);
const presentedPasswordSchema = text().min(1).max(1024);

export const signupInput = z.object({
  email: emailSchema,
  password: newPasswordSchema,
  name: singleLine().trim().max(200).optional(),
});

/** Not validated as an address: a malformed one must get exactly the answer an unknown one gets. */
const presentedEmailSchema = singleLine()
  .trim()
  .toLowerCase()
  .min(1)
  .regex(NOT_BLANK, "Must not be blank")
  .max(254);

export const loginInput = z.object({
  email: presentedEmailSchema,
  password: presentedPasswordSchema,
});

/** A token from a mailed link (verification or password reset). */
const linkTokenSchema = token().min(1).max(200);

/**
 * The link and the password chosen at sign-up: the mailbox alone must not confirm an account someone
 * else opened with that address (pre-hijacking), and the password alone must not either.
 */
export const verifyEmailInput = z.object({ token: linkTokenSchema, password: presentedPasswordSchema });

/** resendVerification and requestPasswordReset: answered the same whether the address has an account. */
export const accountEmailInput = z.object({ email: emailSchema });

export const resetPasswordInput = z.object({
  token: linkTokenSchema,
  newPassword: newPasswordSchema,
});

export const refreshInput = z.object({ refreshToken: token().min(1).max(200) });

export const logoutInput = z.object({ allSessions: z.boolean().optional() }).optional();

export const meInput = z.object({}).optional();

/** The password again: deleting an account needs more than a stolen access token. */
export const deleteAccountInput = z.object({ password: presentedPasswordSchema });

export const changePasswordInput = z.object({
  currentPassword: presentedPasswordSchema,
  newPassword: newPasswordSchema,
});

const tokenFields = {
  accessToken: z.string(),
  refreshToken: z.string(),
  accessTokenExpiresAt: z.date(),
};

export const tokensOutput = z.object(tokenFields).meta({ id: "AuthTokens" });

export const sessionOutput = z
  .object({
    ...tokenFields,
    user: z.object({ id: z.uuid(), email: z.string(), name: z.string() }),
  })
  .meta({ id: "AuthSession" });

/** The same for a new address and a registered one, so sign-up cannot tell which addresses have accounts. */
/** `auth.cookieRefresh` reads its token from the cookie: nothing in the body. */
export const cookieRefreshInput = z.object({}).optional();

const cookieTokenFields = { accessToken: z.string(), accessTokenExpiresAt: z.date() };

/** The cookie flavours: the refresh token went into the HttpOnly cookie, not the body. */
export const cookieTokensOutput = z.object(cookieTokenFields).meta({ id: "AuthCookieTokens" });

export const cookieSessionOutput = z
  .object({ ...cookieTokenFields, user: sessionOutput.shape.user })
  .meta({ id: "AuthCookieSession" });

export const signupOutput = z
  .object({ verificationRequired: z.literal(true), email: z.string() })
  .meta({ id: "AuthSignupResult" });

export const switchOrgOutput = z
  .object({ ...tokenFields, activeOrgId: z.uuid() })
  .meta({ id: "AuthSwitchOrgResult" });

export const okOutput = z.object({ ok: z.literal(true) });

const userMeOutput = z
  .object({
    kind: z.literal("user"),
    user: z.object({ id: z.uuid(), email: z.string(), name: z.string(), createdAt: z.date() }),
    activeOrgId: z.uuid().nullable(),
    orgs: z.array(z.object({ id: z.uuid(), name: z.string(), slug: z.string(), role: z.enum(ROLES) })),
  })
  .meta({ id: "AuthMeUser" });

const apiKeyMeOutput = z
  .object({
    kind: z.literal("apiKey"),
    apiKey: z.object({
      id: z.uuid(),
      name: z.string(),
      scopes: z.array(apiKeyScopeSchema),
      botId: z.uuid().nullable(),
    }),
    org: z.object({ id: z.uuid(), name: z.string(), slug: z.string() }),
  })
  .meta({ id: "AuthMeApiKey" });

/** The caller: a signed-in user with their orgs, or an API key with its org and scopes. */
export const meOutput = z.discriminatedUnion("kind", [userMeOutput, apiKeyMeOutput]).meta({ id: "AuthMe" });

export type SignupInput = z.infer<typeof signupInput>;
export type SignupResult = z.infer<typeof signupOutput>;
export type LoginInput = z.infer<typeof loginInput>;
export type VerifyEmailInput = z.infer<typeof verifyEmailInput>;
export type AccountEmailInput = z.infer<typeof accountEmailInput>;
export type ResetPasswordInput = z.infer<typeof resetPasswordInput>;
export type RefreshInput = z.infer<typeof refreshInput>;
export type LogoutInput = z.infer<typeof logoutInput>;
export type ChangePasswordInput = z.infer<typeof changePasswordInput>;
export type SessionResult = z.infer<typeof sessionOutput>;
export type TokensResult = z.infer<typeof tokensOutput>;
export type SwitchOrgResult = z.infer<typeof switchOrgOutput>;
export type MeResult = z.infer<typeof meOutput>;
export type UserMeResult = z.infer<typeof userMeOutput>;
export type ApiKeyMeResult = z.infer<typeof apiKeyMeOutput>;
