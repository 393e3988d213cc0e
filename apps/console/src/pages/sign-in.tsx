import { useMutation } from "@tanstack/react-query";
import { Link } from "wouter";
import { useTRPC } from "../api";
import { setAccessToken } from "../session";
import { Failure } from "../ui";

export function SignIn() {
  const trpc = useTRPC();
  // cookieLogin: the refresh token goes into an HttpOnly cookie, the access token stays in memory.
  const login = useMutation(
    trpc.auth.cookieLogin.mutationOptions({ onSuccess: (session) => setAccessToken(session.accessToken) }),
  );
  return (
    <form
      className="card narrow"
      onSubmit={(event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        login.mutate({ email: String(form.get("email")), password: String(form.get("password")) });
      }}
    >
      <h1>Sign in to Kyro</h1>
      <label>
        Email
        <input name="email" type="email" autoComplete="username" required />
      </label>
      <label>
        Password
        <input name="password" type="password" autoComplete="current-password" required />
      </label>
      <Failure error={login.error} />
      <button type="submit" disabled={login.isPending}>
        Sign in
      </button>
      <p>
        No account? <Link href="/sign-up">Sign up</Link> ·{" "}
        <Link href="/reset-password">Forgot your password?</Link>
      </p>
    </form>
  );
}
