import { orgProcedure, type ProcedureOptions, router } from "../../../core/trpc";
import {
  deliveryPageOutput,
  deliveryResultOutput,
  listDeliveriesInput,
  messageTargetInput,
  queuedOutput,
  recoveredOutput,
  recoverInput,
} from "../schemas";
import { getDelivery, listDeliveries, recoverDeliveries, replayDelivery } from "./service";

const manage = (options?: ProcedureOptions) => orgProcedure("webhooks:manage", options);
const TAGS = ["webhooks"];

export const webhookDeliveriesRouter = router({
  list: manage({
    rest: {
      method: "GET",
      path: "/webhooks/endpoints/{endpointId}/deliveries",
      summary: "List an endpoint's deliveries",
      description: "One row per event sent to the endpoint, newest first, with its status and last attempt.",
      tags: TAGS,
    },
  })
    .input(listDeliveriesInput)
    .output(deliveryPageOutput)
    .query(({ ctx, input }) => listDeliveries(ctx, input)),

  get: manage({
    rest: {
      method: "GET",
      path: "/webhooks/endpoints/{endpointId}/deliveries/{messageId}",
      summary: "Get a delivery with its attempts",
      tags: TAGS,
    },
  })
    .input(messageTargetInput)
    .output(deliveryResultOutput)
    .query(async ({ ctx, input }) => ({ delivery: await getDelivery(ctx, input) })),

  replay: manage({
    rest: {
      method: "POST",
      path: "/webhooks/endpoints/{endpointId}/deliveries/{messageId}/replay",
      summary: "Send a delivery again",
      description:
        "One new attempt now, with the same `webhook-id`. Refused (409) while the message is still being retried or the endpoint is disabled.",
      tags: TAGS,
      successStatus: 202,
      conflicts: ["endpoint_disabled", "in_progress"],
    },
  })
    .input(messageTargetInput)
    .output(queuedOutput)
    .mutation(({ ctx, input }) => replayDelivery(ctx, input)),

  recover: manage({
    rest: {
      method: "POST",
      path: "/webhooks/endpoints/{endpointId}/recover",
      summary: "Re-send an endpoint's failed deliveries",
      description:
        "Re-queues every failed delivery created since `since` (at most 14 days ago), one attempt each. A disabled endpoint answers 409.",
      tags: TAGS,
      successStatus: 202,
      conflicts: ["endpoint_disabled"],
    },
  })
    .input(recoverInput)
    .output(recoveredOutput)
    .mutation(({ ctx, input }) => recoverDeliveries(ctx, input)),
});
