import { useMutation } from "@tanstack/react-query";
import { Link, useSearch } from "wouter";
import { useTRPC } from "../api";
import { Failure } from "../ui";

/** Asks for the mail; the answer is the same whether or not the address has an account. */
function RequestReset() {
  const trpc = useTRPC();
  const request = useMutation(trpc.auth.requestPasswordReset.mutationOptions());
  if (request.isSuccess) {
    return (
      <div className="card narrow" role="status">
        <h1>Check your mail</h1>
        <p>If the address has a Kyro account, a link to choose a new password is on its way.</p>
      </div>
    );
  }
  return (
    <form
      className="card narrow"
      onSubmit={(event) => {
        event.preventDefault();
        request.mutate({ email: String(new FormData(event.currentTarget).get("email")) });
      }}
    >
      <h1>Reset your password</h1>
      <label>
        Email
        <input name="email" type="email" autoComplete="username" required />
      </label>
      <Failure error={request.error} />
      <button type="submit" disabled={request.isPending}>
        Send the link
      </button>
      <p>
        <Link href="/sign-in">Back to sign in</Link>
      </p>
    </form>
  );
}

/** The page the reset mail links to (/console/reset-password?token=…, auth/mails.ts). */
export function ResetPassword() {
  const trpc = useTRPC();
  const token = new URLSearchParams(useSearch()).get("token");
  const reset = useMutation(trpc.auth.resetPassword.mutationOptions());
  if (!token) return <RequestReset />;
  if (reset.isSuccess) {
    return (
      <div className="card narrow" role="status">
        <h1>Password changed</h1>
        <p>
          Every session was signed out. <Link href="/sign-in">Sign in</Link> with the new password.
        </p>
      </div>
    );
  }
  return (
    <form
      className="card narrow"
      onSubmit={(event) => {
        event.preventDefault();
        reset.mutate({ token, newPassword: String(new FormData(event.currentTarget).get("password")) });
      }}
    >
      <h1>Choose a new password</h1>
      <label>
        New password
        <input name="password" type="password" autoComplete="new-password" required minLength={12} />
      </label>
      <Failure error={reset.error} />
      <button type="submit" disabled={reset.isPending}>
        Change password
      </button>
    </form>
  );
}
