import type { Passage } from "./retrieval";

/** What the model is told to say when the passages do not hold the answer; detected to count a fallback. */
export const UNKNOWN_ANSWER = "I don't know.";

const DEFAULT_PERSONA = "You are a helpful support assistant.";

export interface PromptMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/**
 * The system prompt: the bot's persona, the rules (answer from the passages, cite them as [n], say
 * exactly "I don't know." otherwise), then the passages numbered with their titles and sources.
 */
export function buildPrompt(input: {
  persona: string;
  passages: readonly Passage[];
  history: readonly { role: "visitor" | "bot" | "agent"; content: string }[];
  message: string;
}): PromptMessage[] {
  const passages = input.passages
    .map(
      (passage, index) =>
        `[${index + 1}] ${passage.title}${passage.url ? ` (${passage.url})` : ""}\n${passage.content}`,
    )
    .join("\n\n");
  const system = [
    input.persona.trim() || DEFAULT_PERSONA,
    "Answer the visitor's question using only the passages below. Cite the passages you use as [1], [2] and so on.",
    `If the passages do not contain the answer, reply exactly: ${UNKNOWN_ANSWER}`,
    passages ? `Passages:\n\n${passages}` : "There are no passages for this question.",
  ].join("\n\n");
  return [
    { role: "system", content: system },
    ...input.history.map((turn) => ({
      role: turn.role === "visitor" ? ("user" as const) : ("assistant" as const),
      content: turn.content,
    })),
    { role: "user", content: input.message },
  ];
}

/** The passages an answer cites, by their [n] markers, each once, in order of first mention. */
export function citedPassages(answer: string, passages: readonly Passage[]): Passage[] {
  const cited: Passage[] = [];
  for (const match of answer.matchAll(/\[(\d{1,2})\]/g)) {
    const passage = passages[Number(match[1]) - 1];
    if (passage && !cited.includes(passage)) cited.push(passage);
  }
  return cited;
}

/** "I don't know", however the model dresses it (case, curly apostrophe, trailing words). */
export function isUnknownAnswer(answer: string): boolean {
  return /^\s*i\s+don['’]?t\s+know\b/i.test(answer) || answer.trim() === "";
}
