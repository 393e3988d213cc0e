import { useMutation } from "@tanstack/react-query";
import { Link } from "wouter";
import { useTRPC } from "../api";
import { Failure } from "../ui";

export function SignUp() {
  const trpc = useTRPC();
  const signup = useMutation(trpc.auth.signup.mutationOptions());
  if (signup.data) {
    return (
      <div className="card narrow" role="status">
        <h1>Check your mail</h1>
        <p>
          We sent a confirmation link to <strong>{signup.data.email}</strong>. Open it to finish signing up.
        </p>
      </div>
    );
  }
  return (
    <form
      className="card narrow"
      onSubmit={(event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        const name = String(form.get("name") ?? "").trim();
        signup.mutate({
          email: String(form.get("email")),
          password: String(form.get("password")),
          ...(name ? { name } : {}),
        });
      }}
    >
      <h1>Create your Kyro account</h1>
      <label>
        Name
        <input name="name" autoComplete="name" />
      </label>
      <label>
        Email
        <input name="email" type="email" autoComplete="username" required />
      </label>
      <label>
        Password
        <input name="password" type="password" autoComplete="new-password" minLength={12} required />
      </label>
      <Failure error={signup.error} />
      <button type="submit" disabled={signup.isPending}>
        Sign up
      </button>
      <p>
        Have an account? <Link href="/sign-in">Sign in</Link>
      </p>
    </form>
  );
}
