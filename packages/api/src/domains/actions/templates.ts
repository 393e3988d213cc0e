import { checkOutboundUrl } from "@kyro/platform";
import { invalidField } from "../../core/errors";

/** `{{name}}` with optional spaces inside the braces; names are the parameter schema's properties. */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

function textOf(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** Fills the placeholders from the parameters; `encode` escapes each value for where it lands. */
export function render(
  template: string,
  params: Record<string, unknown>,
  encode: (value: string) => string = (value) => value,
): string {
  return template.replace(PLACEHOLDER, (_, name: string) => encode(textOf(params[name])));
}

/** Header values carry no line breaks or other control characters (header injection). */
export const headerValue = (value: string): string =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  value.replace(/[\u0000-\u001F\u007F]/g, " ");

export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1] as string);
}

/** Every placeholder must name a declared parameter: a typo would otherwise send an empty value. */
export function assertPlaceholders(field: string, template: string, declared: Set<string>): void {
  for (const name of placeholdersOf(template)) {
    if (!declared.has(name)) {
      throw invalidField(field, `{{${name}}} is not a parameter of the action's schema`);
    }
  }
}

/**
 * Checks a URL template when saved: a sample rendering passes the SSRF rules, and the placeholders sit
 * after the host (two different fillings keep the same origin), so a run's parameters, possibly chosen
 * by a language model, can never pick which server is called.
 */
export function assertUrlTemplate(template: string, allowCidrs: readonly string[]): void {
  const sample = (filling: string) => template.replace(PLACEHOLDER, filling);
  const check = checkOutboundUrl(sample("x"), allowCidrs);
  if (!check.ok) {
    throw invalidField(
      "config.urlTemplate",
      `urlTemplate is not allowed: ${check.reason}`,
      "url_not_allowed",
    );
  }
  const originOf = (url: string) => {
    try {
      return new URL(url).origin;
    } catch {
      return null;
    }
  };
  if (originOf(sample("x")) !== originOf(sample("y.z"))) {
    throw invalidField("config.urlTemplate", "Placeholders may only appear after the host (path and query)");
  }
}
