import type { AppRouter } from "@kyro/api";
import type {
  AnyTRPCProcedure,
  TRPCBuiltRouter,
  TRPCMutationProcedure,
  TRPCQueryProcedure,
  TRPCRouterRecord,
} from "@trpc/server";

/**
 * The router as each kind of client may call it, mapped from `AppRouter` (no procedure is listed by
 * hand): an org-scoped procedure (one whose input has `orgId`) needs `orgId` from a user session,
 * which may belong to many orgs, while an API key belongs to one org, which the server fills in.
 */

type Flatten<T> = { [K in keyof T]: T[K] } & {};

type OrgIdMode = "required" | "optional";

/** The input with `orgId` required or optional; inputs without `orgId` (and `void`) stay as they are. */
type WithOrgId<TInput, TMode extends OrgIdMode> = TInput extends object
  ? "orgId" extends keyof TInput
    ? TMode extends "optional"
      ? Flatten<Omit<TInput, "orgId"> & { orgId?: Exclude<TInput["orgId"], undefined> }>
      : Flatten<Omit<TInput, "orgId"> & { orgId: Exclude<TInput["orgId"], undefined> }>
    : TInput
  : TInput;

interface MappedDef<TProcedure extends AnyTRPCProcedure, TMode extends OrgIdMode> {
  meta: TProcedure["_def"]["meta"];
  input: WithOrgId<TProcedure["_def"]["$types"]["input"], TMode>;
  output: TProcedure["_def"]["$types"]["output"];
  errorShape: TProcedure["_def"]["$types"]["errorShape"];
}

type MapProcedure<
  TProcedure extends AnyTRPCProcedure,
  TMode extends OrgIdMode,
> = TProcedure["_def"]["type"] extends "query"
  ? TRPCQueryProcedure<MappedDef<TProcedure, TMode>>
  : TProcedure["_def"]["type"] extends "mutation"
    ? TRPCMutationProcedure<MappedDef<TProcedure, TMode>>
    : TProcedure;

type MapRecord<TRecord extends TRPCRouterRecord, TMode extends OrgIdMode> = {
  [K in keyof TRecord]: TRecord[K] extends AnyTRPCProcedure
    ? MapProcedure<TRecord[K], TMode>
    : TRecord[K] extends TRPCRouterRecord
      ? MapRecord<TRecord[K], TMode>
      : TRecord[K];
};

type RootTypes = AppRouter["_def"]["_config"]["$types"];
type Record_ = AppRouter["_def"]["record"];

/** What a user session calls: `orgId` required wherever a procedure takes it. */
export type KyroSessionRouter = TRPCBuiltRouter<RootTypes, MapRecord<Record_, "required">>;
/** What an API key calls: `orgId` optional (the key's org when left out; another org answers 404). */
export type KyroApiKeyRouter = TRPCBuiltRouter<RootTypes, MapRecord<Record_, "optional">>;
