import { pageInput } from "../../core/pagination";
import { orgProcedure, type ProcedureOptions, router } from "../../core/trpc";
import { testIntegration } from "./health";
import { inboundRouter } from "./inbound/router";
import {
  createIntegrationInput,
  integrationListOutput,
  integrationOutput,
  integrationTargetInput,
  integrationTestOutput,
  testIntegrationInput,
  updateIntegrationInput,
} from "./schemas";
import { createIntegration, getIntegration, listIntegrations, updateIntegration } from "./service";

const manage = (options?: ProcedureOptions) => orgProcedure("integrations:manage", options);
const TAGS = ["integrations"] as const;

export const integrationsRouter = router({
  create: manage({
    rest: {
      method: "POST",
      path: "/integrations",
      summary: "Create an HTTP integration",
      description:
        "The base URL must be https and must not point at a private, loopback or metadata address. Credentials are encrypted at rest and never returned (only their last 4 characters).",
      tags: TAGS,
      successStatus: 201,
      location: "/integrations/{integration.id}",
      conflicts: ["name_taken"],
    },
  })
    .input(createIntegrationInput)
    .output(integrationOutput)
    .mutation(({ ctx, input }) => createIntegration(ctx, input)),

  list: manage({
    rest: {
      method: "GET",
      path: "/integrations",
      summary: "List integrations and their health",
      tags: TAGS,
    },
  })
    .input(pageInput)
    .output(integrationListOutput)
    .query(({ ctx, input }) => listIntegrations(ctx, input)),

  get: manage({
    rest: {
      method: "GET",
      path: "/integrations/{integrationId}",
      summary: "Get an integration",
      tags: TAGS,
    },
  })
    .input(integrationTargetInput)
    .output(integrationOutput)
    .query(({ ctx, input }) => getIntegration(ctx, input)),

  update: manage({
    rest: {
      method: "PATCH",
      path: "/integrations/{integrationId}",
      summary: "Update an integration",
      description: "A new base URL or auth resets the health to unknown.",
      tags: TAGS,
      conflicts: ["name_taken"],
    },
  })
    .input(updateIntegrationInput)
    .output(integrationOutput)
    .mutation(({ ctx, input }) => updateIntegration(ctx, input)),

  test: manage({
    rest: {
      method: "POST",
      path: "/integrations/{integrationId}/test",
      summary: "Test an integration",
      description:
        "Sends a GET to the base URL (or `path` below it) with the integration's auth, through the outbound guard, and records status, latency and error as the integration's health.",
      tags: TAGS,
    },
  })
    .input(testIntegrationInput)
    .output(integrationTestOutput)
    .mutation(({ ctx, input }) => testIntegration(ctx, input)),

  inbound: inboundRouter,
});
