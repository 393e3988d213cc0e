import { pageInput } from "../../core/pagination";
import { orgUserProcedure, type ProcedureOptions, router } from "../../core/trpc";
import {
  apiKeyListOutput,
  apiKeyOutput,
  apiKeySecretOutput,
  createApiKeyInput,
  keyTargetInput,
  rotateApiKeyInput,
} from "./schemas";
import { createApiKey, listApiKeys, revokeApiKey, rotateApiKey } from "./service";

/** People manage keys; no key, whatever its scopes, can mint, rotate or revoke keys. */
const manageKeys = (options?: ProcedureOptions) => orgUserProcedure("keys:manage", options);

export const apiKeysRouter = router({
  create: manageKeys()
    .input(createApiKeyInput)
    .output(apiKeySecretOutput)
    .mutation(({ ctx, input }) => createApiKey(ctx, input)),

  list: manageKeys()
    .input(pageInput)
    .output(apiKeyListOutput)
    .query(({ ctx, input }) => listApiKeys(ctx, input)),

  rotate: manageKeys()
    .input(rotateApiKeyInput)
    .output(apiKeySecretOutput)
    .mutation(({ ctx, input }) => rotateApiKey(ctx, input)),

  revoke: manageKeys()
    .input(keyTargetInput)
    .output(apiKeyOutput)
    .mutation(({ ctx, input }) => revokeApiKey(ctx, input)),
});
