import type { AppDeps } from "../../core/deps";
import type { RequestInfo } from "../../core/request-info";
import { NO_REQUEST } from "../../core/request-info";
import { dailySpec, minuteSpec, utcDay } from "./request-limits";

/**
 * Counts one visitor message of a widget conversation: the per-conversation rate
 * (KYRO_LIMIT_CONVERSATION_MPM a minute), the org's messagesPerDay and the bot's botMessagesPerDay,
 * all at once. Over any of them it throws 429 (RATE_LIMITED or QUOTA_EXCEEDED) and counts nothing;
 * otherwise the message is added to the day's usage. Quota warnings (80 %, 100 %) are recorded once
 * per day. The target must already be verified (the bot belongs to the org, the conversation to the bot).
 */
export async function consumeWidgetMessage(
  deps: AppDeps,
  target: { orgId: string; botId: string; conversationId: string },
  request: RequestInfo = NO_REQUEST,
): Promise<void> {
  const limits = deps.requestLimits;
  const org = await limits.cache.org(target.orgId);
  const bot = (await limits.cache.bot(target.orgId, target.botId)) ?? {
    botMessagesPerDay: org.botMessagesPerDay,
  };
  const today = utcDay();
  const specs = [
    minuteSpec(
      "conversation",
      "conversation",
      target.conversationId,
      limits.settings.conversationMessagesPerMinute,
    ),
    dailySpec("messagesPerDay", target.orgId, null, org.messagesPerDay, today),
    dailySpec("botMessagesPerDay", target.orgId, target.botId, bot.botMessagesPerDay, today),
  ];
  await limits.consume(specs, request);
  limits.usage.add(target.orgId, target.botId, today.day, { messages: 1 });
}
