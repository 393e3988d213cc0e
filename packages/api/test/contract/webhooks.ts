import type { oas31 } from "zod-openapi";
import { type DocumentSchemas, describeErrors } from "./document";
import type { ContractMismatch } from "./gaps";

/** A webhook request as the receiver got it (lower-cased header names). */
export interface DeliveredWebhook {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * What in a delivery disagrees with the document's `webhooks` section: the entry of its event type,
 * that entry's required header parameters (the Standard Webhooks headers) and its body schema.
 */
export function webhookMismatches(schemas: DocumentSchemas, delivery: DeliveredWebhook): ContractMismatch[] {
  let payload: { type?: unknown };
  try {
    payload = JSON.parse(delivery.body) as { type?: unknown };
  } catch {
    return [{ check: "webhook", operation: "(unparsed)", message: "the delivered body is not JSON" }];
  }
  const type = typeof payload?.type === "string" ? payload.type : "(no type)";
  const mismatch = (message: string): ContractMismatch => ({ check: "webhook", operation: type, message });
  const webhooks = (schemas.document as { webhooks?: Record<string, oas31.PathItemObject> }).webhooks;
  if (!webhooks) return [mismatch("the document has no webhooks section")];
  const operation = schemas.deref<oas31.PathItemObject>(webhooks[type])?.post;
  if (!operation) return [mismatch(`the webhooks section declares no ${type} event`)];
  const found: ContractMismatch[] = [];
  for (const declared of operation.parameters ?? []) {
    const parameter = schemas.deref<oas31.ParameterObject>(declared);
    if (parameter?.in !== "header") continue;
    const value = delivery.headers[parameter.name.toLowerCase()];
    if (value === undefined) {
      if (parameter.required) found.push(mismatch(`header ${parameter.name} is missing`));
      continue;
    }
    const validate = parameter.schema ? schemas.validator(parameter.schema) : undefined;
    if (validate && !validate(value))
      found.push(mismatch(`header ${parameter.name}: ${describeErrors(validate).join("; ")}`));
  }
  const body = schemas.deref<oas31.RequestBodyObject>(operation.requestBody);
  const schema = body?.content?.["application/json"]?.schema;
  if (!schema) return [...found, mismatch(`the ${type} event declares no JSON body`)];
  const validate = schemas.validator(schema);
  if (!validate(payload)) found.push(...describeErrors(validate).map(mismatch));
  return found;
}
