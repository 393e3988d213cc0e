import { z } from "zod";
import { pageInput } from "../../../core/pagination";
import { orgProcedure, type ProcedureOptions, router } from "../../../core/trpc";
import {
  createEndpointInput,
  endpointListOutput,
  endpointResultOutput,
  endpointTargetInput,
  endpointWithSecretOutput,
  updateEndpointInput,
} from "../schemas";
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listEndpoints,
  rotateEndpointSecret,
  setEndpointEnabled,
  updateEndpoint,
} from "./service";

const manage = (options?: ProcedureOptions) => orgProcedure("webhooks:manage", options);
const TAGS = ["webhooks"];

export const webhookEndpointsRouter = router({
  create: manage({
    rest: {
      method: "POST",
      path: "/webhooks/endpoints",
      summary: "Create a webhook endpoint",
      description:
        "Returns the signing secret (`whsec_…`) once. The URL must be https and must not point at a private, loopback or metadata address.",
      tags: TAGS,
      successStatus: 201,
      location: "/webhooks/endpoints/{endpoint.id}",
    },
  })
    .input(createEndpointInput)
    .output(endpointWithSecretOutput)
    .mutation(({ ctx, input }) => createEndpoint(ctx, input)),

  list: manage({
    rest: { method: "GET", path: "/webhooks/endpoints", summary: "List webhook endpoints", tags: TAGS },
  })
    .input(pageInput)
    .output(endpointListOutput)
    .query(({ ctx, input }) => listEndpoints(ctx, input)),

  get: manage({
    rest: {
      method: "GET",
      path: "/webhooks/endpoints/{endpointId}",
      summary: "Get a webhook endpoint",
      tags: TAGS,
    },
  })
    .input(endpointTargetInput)
    .output(endpointResultOutput)
    .query(({ ctx, input }) => getEndpoint(ctx, input)),

  update: manage({
    rest: {
      method: "PATCH",
      path: "/webhooks/endpoints/{endpointId}",
      summary: "Update a webhook endpoint",
      tags: TAGS,
    },
  })
    .input(updateEndpointInput)
    .output(endpointResultOutput)
    .mutation(({ ctx, input }) => updateEndpoint(ctx, input)),

  rotateSecret: manage({
    rest: {
      method: "POST",
      path: "/webhooks/endpoints/{endpointId}/rotate-secret",
      summary: "Rotate an endpoint's signing secret",
      description:
        "Returns the new secret once. For 24 hours deliveries carry a second signature made with the previous secret.",
      tags: TAGS,
    },
  })
    .input(endpointTargetInput)
    .output(endpointWithSecretOutput)
    .mutation(({ ctx, input }) => rotateEndpointSecret(ctx, input)),

  enable: manage({
    rest: {
      method: "POST",
      path: "/webhooks/endpoints/{endpointId}/enable",
      summary: "Enable a webhook endpoint",
      tags: TAGS,
    },
  })
    .input(endpointTargetInput)
    .output(endpointResultOutput)
    .mutation(({ ctx, input }) => setEndpointEnabled(ctx, input, true)),

  disable: manage({
    rest: {
      method: "POST",
      path: "/webhooks/endpoints/{endpointId}/disable",
      summary: "Disable a webhook endpoint",
      tags: TAGS,
    },
  })
    .input(endpointTargetInput)
    .output(endpointResultOutput)
    .mutation(({ ctx, input }) => setEndpointEnabled(ctx, input, false)),

  delete: manage({
    rest: {
      method: "DELETE",
      path: "/webhooks/endpoints/{endpointId}",
      summary: "Delete a webhook endpoint",
      description:
        "Deletes the endpoint and its delivery log for good (no restore); attempts still queued are dropped.",
      tags: TAGS,
      successStatus: 204,
    },
  })
    .input(endpointTargetInput)
    .output(z.void())
    .mutation(({ ctx, input }) => deleteEndpoint(ctx, input)),
});
