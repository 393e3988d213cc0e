import type { AppRouter } from "@kyro/api";
import { TRPCClientError, type TRPCLink } from "@trpc/client";
import { observable, type Unsubscribable } from "@trpc/server/observable";
import { INPUT_CREDENTIAL_PROCEDURES } from "./procedures";
import type { Session } from "./session";

function sessionRefused(path: string, error: TRPCClientError<AppRouter>): boolean {
  return error.data?.code === "UNAUTHORIZED" && !INPUT_CREDENTIAL_PROCEDURES.has(path);
}

/**
 * When a call fails with UNAUTHORIZED, renews the session's tokens (one refresh shared by every call
 * failing together) and retries the call once with the new access token. If the refresh fails, the
 * call's original error is what the caller sees. Retrying is safe for mutations too: a call refused as
 * UNAUTHORIZED never ran.
 */
export function refreshLink(session: Session): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        let current: Unsubscribable | undefined;
        let disposed = false;

        const attempt = (isRetry: boolean) => {
          const tokenUsed = session.accessToken;
          current = next(op).subscribe({
            next: (envelope) => observer.next(envelope),
            complete: () => observer.complete(),
            error: (error) => {
              if (isRetry || !session.canRenew || !sessionRefused(op.path, error)) {
                observer.error(error);
                return;
              }
              session.renew(tokenUsed).then(
                (renewed) => {
                  if (disposed) return;
                  if (renewed) attempt(true);
                  else observer.error(error);
                },
                (cause: unknown) =>
                  observer.error(
                    TRPCClientError.from(cause instanceof Error ? cause : new Error(String(cause))),
                  ),
              );
            },
          });
        };

        attempt(false);
        return () => {
          disposed = true;
          current?.unsubscribe();
        };
      });
}
