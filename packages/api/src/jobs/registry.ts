import { purgeDeletedBotsJob } from "../domains/bots/purge";
import { inboundProcessJob } from "../domains/integrations/inbound-job";
import { webhookDeliveryJob } from "../domains/webhooks/delivery-job";
import type { JobDefinition } from "./types";

/** Every job the worker runs. Add a domain's job here; the worker creates its queue and polls it. */
// biome-ignore lint/suspicious/noExplicitAny: each entry has its own payload type.
export const JOBS: JobDefinition<any>[] = [purgeDeletedBotsJob, inboundProcessJob, webhookDeliveryJob];
