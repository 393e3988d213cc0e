import { defineJob } from "../../core/jobs";
import { deliverMessage } from "./delivery";
import { DELIVERY_QUEUE, type DeliveryJobData } from "./fanout";

/** Sends webhook attempts: batches of 25 per poll, 4 polling loops per worker process. */
export const webhookDeliveryJob = defineJob<DeliveryJobData>({
  name: DELIVERY_QUEUE,
  batchSize: 25,
  workers: 4,
  handle: deliverMessage,
});
