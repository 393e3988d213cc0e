/**
 * A REST route, declared once as metadata on the procedure it serves. The server's generic adapter
 * serves it under /api/v1 through createCaller, and the OpenAPI document is generated from it and the
 * procedure's own zod input/output schemas — so the three can never drift apart.
 */
export interface RestMeta {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path below /api/v1 with `{field}` segments named after input fields, e.g. `/bots/{botId}`. */
  path: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  /** HTTP status of a success (default 200; 201 for creations). */
  successStatus?: number;
}
