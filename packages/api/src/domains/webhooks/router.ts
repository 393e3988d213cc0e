import { describeEventTypes } from "../../core/events/json-schema";
import { pageOfArray } from "../../core/pagination";
import { principalProcedure, router } from "../../core/trpc";
import { webhookDeliveriesRouter } from "./deliveries/router";
import { webhookEndpointsRouter } from "./endpoints/router";
import { eventTypesInput, eventTypesOutput } from "./schemas";

export const webhooksRouter = router({
  endpoints: webhookEndpointsRouter,
  deliveries: webhookDeliveriesRouter,

  /** The catalogue is the same for every org: any signed-in caller or key may read it. */
  eventTypes: principalProcedure({
    rest: {
      method: "GET",
      path: "/webhooks/event-types",
      summary: "List webhook event types",
      description: "Every event an endpoint can subscribe to, with its payload version and JSON Schema.",
      tags: ["webhooks"],
    },
  })
    .input(eventTypesInput)
    .output(eventTypesOutput)
    .query(({ input }) => pageOfArray(describeEventTypes(), input)),
});
