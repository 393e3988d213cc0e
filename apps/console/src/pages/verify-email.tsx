import { useMutation } from "@tanstack/react-query";
import { useSearch } from "wouter";
import { useTRPC } from "../api";
import { setAccessToken } from "../session";
import { Failure } from "../ui";

/** The page the confirmation mail links to (/console/verify-email?token=…): the password confirms it. */
export function VerifyEmail() {
  const trpc = useTRPC();
  const token = new URLSearchParams(useSearch()).get("token") ?? "";
  const verify = useMutation(
    trpc.auth.cookieVerifyEmail.mutationOptions({
      onSuccess: (session) => setAccessToken(session.accessToken),
    }),
  );
  return (
    <form
      className="card narrow"
      onSubmit={(event) => {
        event.preventDefault();
        verify.mutate({ token, password: String(new FormData(event.currentTarget).get("password")) });
      }}
    >
      <h1>Confirm your email address</h1>
      <p>Enter the password you chose when signing up.</p>
      <label>
        Password
        <input name="password" type="password" autoComplete="current-password" required />
      </label>
      <Failure error={verify.error} />
      <button type="submit" disabled={verify.isPending || !token}>
        Confirm
      </button>
    </form>
  );
}
