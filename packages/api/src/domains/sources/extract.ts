import { Readability } from "@mozilla/readability";
import { parseHTML } from "linkedom";
import mammoth from "mammoth";
import { extractText } from "unpdf";

export const FILE_TYPES = ["pdf", "docx", "html", "markdown", "text"] as const;
export type FileType = (typeof FILE_TYPES)[number];

export interface ExtractedText {
  title: string | null;
  text: string;
}

/** Thrown for content that cannot be read; its message is what the sync job records. */
export class ExtractionError extends Error {}

const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const HTML_START = /^\s*(<!doctype html|<html[\s>]|<head[\s>]|<body[\s>])/i;
const MARKDOWN_NAME = /\.(md|markdown)$/i;
const decoder = new TextDecoder("utf-8", { fatal: true });

function asUtf8(bytes: Buffer): string | null {
  try {
    const text = decoder.decode(bytes);
    // NUL and other C0 controls (tab and line breaks aside) mean binary, whatever the bytes decode to.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the pattern exists to find control characters.
    return /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(text) ? null : text;
  } catch {
    return null;
  }
}

/**
 * The file's type from its bytes, never from the name or a client's Content-Type: PDF and DOCX by their
 * signatures, HTML by its opening, anything else that is clean UTF-8 as text (Markdown when so named).
 * Null: not a type Kyro reads.
 */
export function detectFileType(bytes: Buffer, fileName: string): FileType | null {
  if (bytes.subarray(0, 5).toString("latin1") === "%PDF-") return "pdf";
  if (bytes.subarray(0, 4).equals(ZIP)) {
    // A DOCX is a zip whose entries include word/document.xml; other zips (xlsx, jar) are refused.
    return bytes.includes("word/document.xml") ? "docx" : null;
  }
  const text = asUtf8(bytes);
  if (text === null) return null;
  if (HTML_START.test(text)) return "html";
  return MARKDOWN_NAME.test(fileName) ? "markdown" : "text";
}

/** The readable text of an HTML page: Readability's article when it finds one, else the body's text. */
type HtmlDocument = ReturnType<typeof parseHTML>["document"];

export function extractHtml(html: string): ExtractedText & { document: HtmlDocument } {
  const { document } = parseHTML(html);
  const title = document.querySelector("title")?.textContent?.trim() || null;
  // Readability mutates the document it reads; links are collected from a separate parse by the crawler.
  const article = new Readability(parseHTML(html).document as never).parse();
  const text = article?.textContent?.trim() || document.body?.textContent?.trim() || "";
  return { title: article?.title?.trim() || title, text: normalize(text), document };
}

/** Collapses runs of spaces and blank lines left by markup, keeping paragraph breaks. */
function normalize(text: string): string {
  return text
    .replace(/[ \t\f\v]+/g, " ")
    .replace(/ *\n[ \n]*\n */g, "\n\n")
    .replace(/ *\n */g, "\n")
    .trim();
}

export async function extractFile(bytes: Buffer, type: FileType): Promise<ExtractedText> {
  try {
    switch (type) {
      case "pdf": {
        const { text } = await extractText(new Uint8Array(bytes), { mergePages: true });
        return { title: null, text: normalize(text) };
      }
      case "docx": {
        const { value } = await mammoth.extractRawText({ buffer: bytes });
        return { title: null, text: normalize(value) };
      }
      case "html":
        return extractHtml(bytes.toString("utf8"));
      case "markdown":
      case "text":
        return { title: null, text: normalize(bytes.toString("utf8")) };
    }
  } catch (error) {
    // Libraries throw their own wording for a damaged file; the job records a stable reason instead.
    throw new ExtractionError(`The ${type.toUpperCase()} file could not be read (damaged or unsupported)`, {
      cause: error,
    });
  }
}
