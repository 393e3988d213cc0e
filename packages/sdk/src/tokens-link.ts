import type { AppRouter } from "@kyro/api";
import { TRPCClientError, type TRPCLink } from "@trpc/client";
import { observable } from "@trpc/server/observable";
import type { Session } from "./session";
import type { KyroTokens } from "./types";

/**
 * The pair in a call's result, if it carries one. Recognised by shape, not by procedure name, so a
 * token-issuing procedure added later is covered too; a type test (sdk-types.test.ts) requires every
 * output with both tokens to be a whole `KyroTokens`, expiry included.
 */
function issuedTokens(data: unknown): KyroTokens | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const { accessToken, refreshToken, accessTokenExpiresAt } = data as Partial<
    Record<keyof KyroTokens, unknown>
  >;
  if (typeof accessToken !== "string" || typeof refreshToken !== "string") return undefined;
  if (!(accessTokenExpiresAt instanceof Date)) return undefined;
  return { accessToken, refreshToken, accessTokenExpiresAt };
}

/**
 * Adopts every pair a successful call returns (auth.login, auth.verifyEmail, auth.refresh,
 * auth.switchOrg, ...) before the caller sees the result: the server retired the refresh token the
 * session held, and presenting it at the next refresh would revoke the whole session as reuse.
 * A failure of `onTokens` fails the call, as it does for a refresh.
 */
export function tokensLink(session: Session): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        // Set while `onTokens` runs: the result and the completion wait for it, in order (the
        // promise a call returns rejects if the observable completes before delivering its value).
        let pending: Promise<void> | undefined;
        const inOrder = (step: () => void) => {
          if (pending) pending = pending.then(step);
          else step();
        };
        const subscription = next(op).subscribe({
          next: (envelope) => {
            const tokens = envelope.result.type === "data" ? issuedTokens(envelope.result.data) : undefined;
            if (!tokens) {
              inOrder(() => observer.next(envelope));
              return;
            }
            // Adopted now, so calls made from here on already use the new pair.
            const adopted = pending ? pending.then(() => session.adopt(tokens)) : session.adopt(tokens);
            pending = adopted.then(
              () => observer.next(envelope),
              (cause: unknown) =>
                observer.error(
                  TRPCClientError.from(cause instanceof Error ? cause : new Error(String(cause))),
                ),
            );
          },
          error: (error) => inOrder(() => observer.error(error)),
          complete: () => inOrder(() => observer.complete()),
        });
        return () => subscription.unsubscribe();
      });
}
