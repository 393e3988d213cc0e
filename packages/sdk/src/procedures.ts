import type { AppRouter } from "@kyro/api";
import type { AnyProcedure, inferProcedureOutput } from "@trpc/server";
import type { KyroTokens } from "./types";

type ProcedureRecord = AppRouter["_def"]["record"];

/** Dotted paths of the router's procedures, optionally only those whose output extends `TOutput`. */
export type PathsOf<TRecord, TOutput = unknown, TPrefix extends string = ""> = {
  [K in keyof TRecord & string]: TRecord[K] extends AnyProcedure
    ? inferProcedureOutput<TRecord[K]> extends TOutput
      ? `${TPrefix}${K}`
      : never
    : PathsOf<TRecord[K], TOutput, `${TPrefix}${K}.`>;
}[keyof TRecord & string];

type ProcedurePath = PathsOf<ProcedureRecord>;

/**
 * Procedures that issue a session's token pair, found by their output's shape as the tokens link
 * finds their results. Each must return a whole `KyroTokens` (what `onTokens` receives):
 * `IncompleteTokenOutputPath` names any that does not, and a type test requires it to be empty.
 */
export type TokenIssuingPath = PathsOf<ProcedureRecord, Pick<KyroTokens, "accessToken" | "refreshToken">>;
export type IncompleteTokenOutputPath = Exclude<TokenIssuingPath, PathsOf<ProcedureRecord, KyroTokens>>;

/**
 * Procedures whose output is a stream need the streaming link. A record over exactly the router's
 * streaming procedures, so this fails to compile when one is added or removed.
 */
const streaming: Record<PathsOf<ProcedureRecord, AsyncIterable<unknown>>, true> = {
  "audit.export": true,
  "exports.download": true,
  "leads.export": true,
  "usage.exportBreakdown": true,
  "widget.messages.stream": true,
};
export const STREAMING_PROCEDURES: ReadonlySet<string> = new Set(Object.keys(streaming));

/**
 * Procedures that check credentials given in their input: their UNAUTHORIZED means a wrong password
 * or refresh token, which renewing the session cannot fix (and retrying would count twice).
 */
export const INPUT_CREDENTIAL_PROCEDURES: ReadonlySet<string> = new Set<ProcedurePath>([
  "auth.login",
  "auth.refresh",
]);
