import { z } from "zod";
import { orgProcedure, type ProcedureOptions, router } from "../../core/trpc";
import { listProviderModels, testProvider } from "./probe-service";
import {
  createProviderInput,
  listModelsInput,
  listProvidersInput,
  modelListOutput,
  providerListOutput,
  providerOutput,
  providerTargetInput,
  providerTestOutput,
  rotateProviderKeyInput,
  updateProviderInput,
} from "./schemas";
import {
  createProvider,
  deleteProvider,
  getProvider,
  listProviders,
  rotateProviderKey,
  setDefaultProvider,
  updateProvider,
} from "./service";

const manage = (options?: ProcedureOptions) => orgProcedure("ai:manage", options);
const TAGS = ["providers"] as const;
const BY_ID = "/providers/{providerId}";

/** The org's OpenAI-compatible model providers: keys stored encrypted and shown masked. */
export const providersRouter = router({
  create: manage({
    rest: {
      method: "POST",
      path: "/providers",
      summary: "Add a model provider",
      description:
        "Any OpenAI-compatible API. The base URL must pass the SSRF rules; the key is encrypted at rest and only its last 4 characters come back. The org's first provider becomes its default.",
      tags: TAGS,
      successStatus: 201,
      location: "/providers/{provider.id}",
      conflicts: ["name_taken"],
    },
  })
    .input(createProviderInput)
    .output(providerOutput)
    .mutation(({ ctx, input }) => createProvider(ctx, input)),

  list: manage({ rest: { method: "GET", path: "/providers", summary: "List model providers", tags: TAGS } })
    .input(listProvidersInput)
    .output(providerListOutput)
    .query(({ ctx, input }) => listProviders(ctx, input)),

  get: manage({ rest: { method: "GET", path: BY_ID, summary: "Get a model provider", tags: TAGS } })
    .input(providerTargetInput)
    .output(providerOutput)
    .query(({ ctx, input }) => getProvider(ctx, input.providerId)),

  update: manage({
    rest: {
      method: "PATCH",
      path: BY_ID,
      summary: "Change a model provider",
      tags: TAGS,
      conflicts: ["name_taken"],
    },
  })
    .input(updateProviderInput)
    .output(providerOutput)
    .mutation(({ ctx, input }) => updateProvider(ctx, input)),

  delete: manage({
    rest: {
      method: "DELETE",
      path: BY_ID,
      summary: "Delete a model provider",
      tags: TAGS,
      successStatus: 204,
    },
  })
    .input(providerTargetInput)
    .output(z.void())
    .mutation(({ ctx, input }) => deleteProvider(ctx, input.providerId)),

  test: manage({
    rest: {
      method: "POST",
      path: `${BY_ID}/test`,
      summary: "Test a model provider",
      description: "Lists the provider's models with the stored key; the outcome is kept on the provider.",
      tags: TAGS,
    },
  })
    .input(providerTargetInput)
    .output(providerTestOutput)
    .mutation(({ ctx, input }) => testProvider(ctx, input.providerId)),

  rotateKey: manage({
    rest: { method: "POST", path: `${BY_ID}/rotate-key`, summary: "Replace a provider's key", tags: TAGS },
  })
    .input(rotateProviderKeyInput)
    .output(providerOutput)
    .mutation(({ ctx, input }) => rotateProviderKey(ctx, input)),

  setDefault: manage({
    rest: {
      method: "POST",
      path: `${BY_ID}/set-default`,
      summary: "Make a provider the org's default",
      tags: TAGS,
    },
  })
    .input(providerTargetInput)
    .output(providerOutput)
    .mutation(({ ctx, input }) => setDefaultProvider(ctx, input.providerId)),

  models: router({
    list: manage({
      rest: {
        method: "GET",
        path: `${BY_ID}/models`,
        summary: "List the provider's models",
        description: "Asked of the provider on each call; 422 with the reason when it cannot answer.",
        tags: TAGS,
        unprocessable: ["provider_failed"],
      },
    })
      .input(listModelsInput)
      .output(modelListOutput)
      .query(({ ctx, input }) => listProviderModels(ctx, input)),
  }),
});
