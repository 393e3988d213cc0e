import type { oas31 } from "zod-openapi";
import type { DocumentSchemas } from "./document";

export const HTTP_METHODS = ["get", "put", "post", "delete", "patch"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** One REST operation of the document, with what it takes to match a request to it. */
export interface DocumentOperation {
  method: HttpMethod;
  /** The path template as the document writes it (`/bots/{botId}`), without the server base. */
  path: string;
  /** `GET /bots/{botId}`, the name the checks and the gap list use. */
  name: string;
  operation: oas31.OperationObject;
  parameters: oas31.ParameterObject[];
}

interface PathTemplate {
  path: string;
  pattern: RegExp;
  /** Literal segments score higher, so `/leads/export` wins over `/leads/{leadId}`. */
  specificity: number[];
  operations: Map<HttpMethod, DocumentOperation>;
}

export interface OperationIndex {
  /** The server base of every path (`/api/v1`). */
  base: string;
  operations: DocumentOperation[];
  /** The template a request path falls under, if any, and what it declares for `method`. */
  match(
    method: string,
    pathname: string,
  ): { path: string; operation?: DocumentOperation; allowed: string[] } | undefined;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function templateOf(path: string): Pick<PathTemplate, "pattern" | "specificity"> {
  const segments = path.split("/").slice(1);
  const pattern = segments.map((segment) => (/^\{\w+\}$/.test(segment) ? "[^/]+" : escapeRegExp(segment)));
  return {
    pattern: new RegExp(`^/${pattern.join("/")}$`),
    specificity: segments.map((segment) => (segment.startsWith("{") ? 0 : 1)),
  };
}

function moreSpecific(a: PathTemplate, b: PathTemplate): number {
  for (let index = 0; index < a.specificity.length; index++) {
    const difference = (b.specificity[index] ?? 0) - (a.specificity[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

export function indexOperations(schemas: DocumentSchemas): OperationIndex {
  const { document } = schemas;
  const base = document.servers?.[0]?.url ?? "";
  const templates: PathTemplate[] = [];
  const operations: DocumentOperation[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    if (!item) continue;
    const template: PathTemplate = { path, ...templateOf(path), operations: new Map() };
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])].flatMap(
        (parameter) => schemas.deref<oas31.ParameterObject>(parameter) ?? [],
      );
      const entry = { method, path, name: `${method.toUpperCase()} ${path}`, operation, parameters };
      template.operations.set(method, entry);
      operations.push(entry);
    }
    templates.push(template);
  }
  templates.sort(moreSpecific);
  return {
    base,
    operations,
    match(method, pathname) {
      if (!pathname.startsWith(`${base}/`)) return undefined;
      const relative = pathname.slice(base.length);
      const template = templates.find((candidate) => candidate.pattern.test(relative));
      if (!template) return undefined;
      const verb = (method === "HEAD" ? "get" : method.toLowerCase()) as HttpMethod;
      const allowed = [...template.operations.keys()].map((name) => name.toUpperCase());
      return { path: template.path, operation: template.operations.get(verb), allowed };
    },
  };
}
