import type { DocumentOperation, ObservedResponse } from "@kyro/api/testing/contract";
import type { FuzzInput } from "./inputs";
import type { FuzzWorld } from "./seed";

/** The credential an operation's declared security asks for, as request headers. */
export function credentialsFor(entry: DocumentOperation, world: FuzzWorld): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const parameter of entry.parameters) {
    // The widget runtime's page origin, when the document declares it as a header parameter.
    if (parameter.in === "header" && parameter.name.toLowerCase() === "origin")
      headers.origin = world.widget.origin;
  }
  const scopes = (entry.operation as { "x-kyro-scopes"?: string[] })["x-kyro-scopes"] ?? [];
  for (const requirement of entry.operation.security ?? []) {
    for (const scheme of Object.keys(requirement)) {
      if (scheme === "widgetSession") {
        return { ...headers, authorization: `Bearer ${world.widget.token}`, origin: world.widget.origin };
      }
      if (scheme === "accessToken" || (scheme === "bearerAuth" && scopes.length === 0)) {
        return { ...headers, authorization: `Bearer ${world.org.owner.accessToken}` };
      }
      if (scheme === "apiKey" || scheme === "bearerAuth")
        return { ...headers, authorization: `Bearer ${world.apiKey}` };
    }
  }
  return headers;
}

/** A path parameter as one path segment: dots too, so `.` and `..` stay values, not path steps. */
const segment = (value: string) => encodeURIComponent(value).replaceAll(".", "%2E");

export function urlOf(origin: string, base: string, entry: DocumentOperation, input: FuzzInput): string {
  const path = entry.path.replace(/\{(\w+)\}/g, (_match, name: string) => segment(input.path[name] ?? ""));
  const query = new URLSearchParams();
  for (const [name, texts] of Object.entries(input.query)) for (const text of texts) query.append(name, text);
  const search = query.toString();
  return `${origin}${base}${path}${search ? `?${search}` : ""}`;
}

/** Sends `input` and reads the whole answer, as the contract check wants it. */
export async function send(
  url: string,
  entry: DocumentOperation,
  input: FuzzInput,
  credentials: Record<string, string>,
): Promise<ObservedResponse> {
  const headers: Record<string, string> = { ...credentials };
  let body: string | undefined;
  if (input.body) {
    const json = input.body.mediaType.includes("json");
    headers["content-type"] = json ? "application/json" : "text/plain; charset=utf-8";
    body = json ? JSON.stringify(input.body.value) : String(input.body.value);
  }
  const method = entry.method.toUpperCase();
  // A server that never answers fails the run here rather than stalling the whole file.
  const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(20_000) });
  const received: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    received[name] = value;
  });
  return {
    method,
    pathname: new URL(url).pathname,
    status: res.status,
    headers: received,
    body: Buffer.from(await res.arrayBuffer()),
  };
}
