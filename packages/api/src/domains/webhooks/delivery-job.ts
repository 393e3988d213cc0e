import { webhookMessages } from "@kyro/db";
import { defineJob } from "../../core/jobs";
import { deliverMessage } from "./delivery";
import { DELIVERY_JOB_OPTIONS, DELIVERY_QUEUE, type DeliveryJobData } from "./fanout";

/** Sends webhook attempts: batches of 25 per poll, 4 polling loops per worker process. */
export const webhookDeliveryJob = defineJob<DeliveryJobData>({
  name: DELIVERY_QUEUE,
  batchSize: 25,
  workers: 4,
  // A suspended org's deliveries wait, still pending, without an attempt counted.
  ownerOf: (data) => ({ table: webhookMessages, id: data.messageId }),
  enqueueOptions: DELIVERY_JOB_OPTIONS,
  handle: deliverMessage,
});
