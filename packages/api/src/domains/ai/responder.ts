import { and, desc, eq, messages } from "@kyro/db";
import type { AppDeps } from "../../core/deps";
import {
  type BotReply,
  createKnowledgeResponder,
  type Responder,
  type ResponderInput,
} from "../conversations/index";
import { ANSWER_THRESHOLD, searchKnowledge } from "../knowledge/index";
import { describeModelError, type ResolvedModel, resolveModel } from "../providers/index";
import { buildPrompt, citedPassages, isUnknownAnswer } from "./prompt";
import { retrievePassages } from "./retrieval";

async function recentTurns(deps: AppDeps, input: ResponderInput, count: number) {
  if (!input.conversationId || count === 0) return [];
  const rows = await deps.db
    .select({ role: messages.role, content: messages.content })
    .from(messages)
    .where(and(eq(messages.conversationId, input.conversationId), eq(messages.orgId, input.orgId)))
    .orderBy(desc(messages.id))
    .limit(count);
  return rows.reverse();
}

/**
 * Streams the model's answer (deltas to `onDelta` as they arrive) and returns the whole text with the
 * usage the provider reports in its last chunk. Retries and the per-attempt timeout are the client's;
 * the overall deadline also covers a provider that stalls in the middle of a stream.
 */
async function complete(
  deps: AppDeps,
  { target, client }: ResolvedModel,
  input: ResponderInput,
  prompt: ReturnType<typeof buildPrompt>,
) {
  const { ai } = input.config;
  const model = ai.model ?? target.chatModel;
  const { callTimeoutMs, maxRetries } = deps.settings.ai;
  const stream = await client.chat.completions.create(
    {
      model,
      messages: prompt,
      temperature: ai.temperature,
      max_tokens: ai.maxTokens,
      stream: true,
      stream_options: { include_usage: true },
    },
    { signal: AbortSignal.timeout(callTimeoutMs * (maxRetries + 1)) },
  );
  let text = "";
  let usage = { inputTokens: 0, outputTokens: 0 };
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta?.content;
    if (delta) {
      text += delta;
      input.onDelta?.(delta);
    }
    if (chunk.usage) {
      usage = { inputTokens: chunk.usage.prompt_tokens, outputTokens: chunk.usage.completion_tokens };
    }
  }
  return { text: text.trim(), model, usage };
}

/**
 * The answering responder: a bot whose org has a model provider (and whose config leaves AI on) answers
 * in its own words from its sources; otherwise the Q/A responder answers, as before. A Q/A entry that
 * matches still wins (curated answers, no model call). A failed model call falls back to the bot's
 * fallback message — the visitor's message is stored either way — and "I don't know" counts as a fallback.
 */
export function createAnswerResponder(deps: AppDeps): Responder {
  const knowledge = createKnowledgeResponder(deps.db);
  return {
    async reply(input): Promise<BotReply> {
      const { ai } = input.config;
      const resolved = ai.enabled ? await resolveModel(deps, input.orgId, ai.providerId) : null;
      if (!resolved) return knowledge.reply(input);
      // Read together: waiting for the Q/A search to miss before retrieving put one more round trip
      // before the first token. When a Q/A entry answers, the passages read are simply dropped.
      const [[entry], passages, history] = await Promise.all([
        searchKnowledge(deps.db, input, input.content, 1),
        retrievePassages(deps.db, input, input.content, ai.maxPassages),
        recentTurns(deps, input, ai.historyMessages),
      ]);
      if (entry && entry.score >= ANSWER_THRESHOLD) {
        input.onDelta?.(entry.answer);
        return { content: entry.answer, kind: "answer", knowledgeEntryId: entry.id, score: entry.score };
      }
      const score = passages[0]?.score ?? null;
      const fallback = {
        content: input.config.fallbackMessage,
        kind: "fallback" as const,
        knowledgeEntryId: null,
        score,
      };
      let answer: Awaited<ReturnType<typeof complete>>;
      try {
        answer = await complete(
          deps,
          resolved,
          input,
          buildPrompt({ persona: input.config.persona, passages, history, message: input.content }),
        );
      } catch (error) {
        deps.logger.warn(
          {
            orgId: input.orgId,
            botId: input.botId,
            providerId: resolved.target.providerId,
            reason: describeModelError(error),
          },
          "model call failed; the bot sent its fallback message",
        );
        return fallback;
      }
      const usage = {
        providerId: resolved.target.providerId,
        model: answer.model,
        kind: "chat" as const,
        ...answer.usage,
      };
      if (isUnknownAnswer(answer.text)) return { ...fallback, usage };
      const citations = citedPassages(answer.text, passages).map((passage) => ({
        sourceId: passage.sourceId,
        documentId: passage.documentId,
        chunkId: passage.chunkId,
        title: passage.title,
        url: passage.url,
      }));
      return { content: answer.text, kind: "answer", knowledgeEntryId: null, score, citations, usage };
    },
  };
}
