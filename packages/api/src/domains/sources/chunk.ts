import { decode, encode } from "gpt-tokenizer";

export interface Chunk {
  content: string;
  tokens: number;
}

export interface ChunkOptions {
  /** Most tokens in one chunk. */
  maxTokens: number;
  /** Tokens of the previous chunk's end repeated at the start of the next, so no passage is cut blind. */
  overlapTokens: number;
}

export const DEFAULT_CHUNKING: ChunkOptions = { maxTokens: 300, overlapTokens: 50 };

/** Paragraphs, then sentences: the seams chunks prefer to end on. */
function segmentsOf(text: string): string[] {
  return text
    .split(/\n{2,}/)
    .flatMap((paragraph) => paragraph.match(/[^.!?\n]+(?:[.!?]+|\n|$)\s*/g) ?? [paragraph])
    .map((segment) => segment.trim())
    .filter(Boolean);
}

/** A segment longer than a chunk is cut into token windows (a table row, a run-on list). */
function splitLong(segment: string, tokens: number[], max: number): { text: string; tokens: number }[] {
  const pieces: { text: string; tokens: number }[] = [];
  for (let start = 0; start < tokens.length; start += max) {
    const window = tokens.slice(start, start + max);
    pieces.push({ text: decode(window), tokens: window.length });
  }
  return pieces.length > 0 ? pieces : [{ text: segment, tokens: tokens.length }];
}

/**
 * Token-aware chunking (o200k, the tokenizer of current OpenAI models; near enough for others): sentences
 * are packed until the next would pass `maxTokens`, and each chunk starts with the last sentences of the
 * previous one, up to `overlapTokens`.
 */
export function chunkText(text: string, options: ChunkOptions = DEFAULT_CHUNKING): Chunk[] {
  const pieces = segmentsOf(text).flatMap((segment) => {
    const tokens = encode(segment);
    return tokens.length > options.maxTokens
      ? splitLong(segment, tokens, options.maxTokens)
      : [{ text: segment, tokens: tokens.length }];
  });
  const chunks: Chunk[] = [];
  let current: typeof pieces = [];
  let size = 0;
  const flush = () => {
    chunks.push({ content: current.map((piece) => piece.text).join(" "), tokens: size });
    const carried: typeof pieces = [];
    let carriedSize = 0;
    for (const piece of [...current].reverse()) {
      if (carriedSize + piece.tokens > options.overlapTokens) break;
      carried.unshift(piece);
      carriedSize += piece.tokens;
    }
    current = carried;
    size = carriedSize;
  };
  let fresh = 0;
  for (const piece of pieces) {
    if (fresh > 0 && size + piece.tokens > options.maxTokens) {
      flush();
      fresh = 0;
    }
    current.push(piece);
    size += piece.tokens;
    fresh++;
  }
  if (fresh > 0) flush();
  return chunks;
}
