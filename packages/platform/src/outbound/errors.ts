export type OutboundErrorKind = "refused" | "timeout" | "connect" | "network";

/** Every failure of an outbound request; `kind` says whether the guard, the clock or the wire stopped it. */
export class OutboundError extends Error {
  readonly kind: OutboundErrorKind;

  constructor(kind: OutboundErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "OutboundError";
    this.kind = kind;
  }
}
