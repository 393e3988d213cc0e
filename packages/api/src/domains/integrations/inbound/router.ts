import { pageInput } from "../../../core/pagination";
import { orgProcedure, type ProcedureOptions, publicProcedure, router } from "../../../core/trpc";
import { receiveInbound } from "./receive";
import {
  createInboundInput,
  inboundEndpointListOutput,
  inboundEndpointSecretOutput,
  inboundEventPageOutput,
  listInboundEventsInput,
  receiveInboundInput,
  receiveInboundOutput,
  rotateInboundSecretInput,
} from "./schemas";
import {
  createInboundEndpoint,
  listInboundEndpoints,
  listInboundEvents,
  rotateInboundSecret,
} from "./service";

const manage = (options?: ProcedureOptions) => orgProcedure("integrations:manage", options);
const TAGS = ["integrations"] as const;

/** The hmac profile needs its header and encoding; the other profiles take neither (the input's refinements). */
const HMAC_PROFILE_RULES = {
  oneOf: [
    { properties: { profile: { const: "hmac" } }, required: ["profile", "hmacHeader", "hmacEncoding"] },
    {
      properties: { profile: { not: { const: "hmac" } } },
      not: {
        anyOf: [
          { required: ["hmacHeader"] },
          { required: ["hmacEncoding"] },
          { required: ["deliveryIdHeader"] },
        ],
      },
    },
  ],
};

export const inboundRouter = router({
  create: manage({
    rest: {
      method: "POST",
      path: "/inbound-endpoints",
      summary: "Create an inbound webhook endpoint",
      description:
        "Third parties POST to `/api/v1/hooks/{slug}`. The signing `secret` is returned only in this response.",
      tags: TAGS,
      successStatus: 201,
      conflicts: ["slug_taken"],
      bodyRules: HMAC_PROFILE_RULES,
    },
  })
    .input(createInboundInput)
    .output(inboundEndpointSecretOutput)
    .mutation(({ ctx, input }) => createInboundEndpoint(ctx, input)),

  list: manage({
    rest: {
      method: "GET",
      path: "/inbound-endpoints",
      summary: "List inbound webhook endpoints",
      tags: TAGS,
    },
  })
    .input(pageInput)
    .output(inboundEndpointListOutput)
    .query(({ ctx, input }) => listInboundEndpoints(ctx, input)),

  rotateSecret: manage({
    rest: {
      method: "POST",
      path: "/inbound-endpoints/{endpointId}/rotate-secret",
      summary: "Replace an inbound endpoint's signing secret",
      description: "The old secret stops verifying at once. The new `secret` is returned only here.",
      tags: TAGS,
    },
  })
    .input(rotateInboundSecretInput)
    .output(inboundEndpointSecretOutput)
    .mutation(({ ctx, input }) => rotateInboundSecret(ctx, input)),

  events: manage({
    rest: {
      method: "GET",
      path: "/inbound-endpoints/{endpointId}/events",
      summary: "List events received by an inbound endpoint",
      description: "Newest first. Pass `nextCursor` back as `cursor` for the next page.",
      tags: TAGS,
    },
  })
    .input(listInboundEventsInput)
    .output(inboundEventPageOutput)
    .query(({ ctx, input }) => listInboundEvents(ctx, input)),

  /** The public receiver; signed by the sender, so it needs no Kyro credentials. */
  receive: publicProcedure({
    rest: {
      method: "POST",
      path: "/hooks/{slug}",
      summary: "Receive a webhook",
      description:
        "Verifies the signature against the raw body with the endpoint's profile, stores the event once per delivery id and once per signed content (a duplicate or replay answers 202 with `duplicate: true`) and processes it in the background. 401 on a bad signature or stale timestamp, 413 over 512 KiB.",
      tags: TAGS,
      successStatus: 202,
      rawBody: true,
      unprocessable: ["not_utf8"],
    },
  })
    .input(receiveInboundInput)
    .output(receiveInboundOutput)
    .mutation(({ ctx, input }) =>
      receiveInbound(ctx.deps, { slug: input.slug, rawBody: ctx.rawBody, headers: ctx.headers }),
    ),
});
