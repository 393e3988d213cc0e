import type { ReactNode } from "react";
import { describeFailure } from "./api";

export function Loading({ what }: { what: string }) {
  return (
    <p className="state" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state empty">{children}</p>;
}

/** A failed call: its message, and the request id to quote to an operator (it is in the server log). */
export function Failure({ error }: { error: unknown }) {
  if (!error) return null;
  const { message, requestId, code } = describeFailure(error);
  return (
    <div className="failure" role="alert">
      <strong>{code ?? "Error"}</strong>: {message}
      {requestId ? (
        <div className="request-id">
          Request id: <code>{requestId}</code>
        </div>
      ) : null}
    </div>
  );
}

export function Page({
  title,
  actions,
  children,
}: {
  title: string;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section className="page">
      <header className="page-head">
        <h1>{title}</h1>
        <div className="actions">{actions}</div>
      </header>
      {children}
    </section>
  );
}

export function formatDate(value: Date | string | null | undefined): string {
  if (!value) return "—";
  return new Date(value).toLocaleString();
}
