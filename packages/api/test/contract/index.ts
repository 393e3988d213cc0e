export { type DocumentSchemas, describeErrors, loadDocumentSchemas, type OpenApiDocument } from "./document";
export { CONTRACT_GAPS, type ContractGap, type ContractMismatch, describeMismatch, gapFor } from "./gaps";
export { type DocumentOperation, HTTP_METHODS, indexOperations, type OperationIndex } from "./operations";
export {
  loadResponseContract,
  type ObservedResponse,
  type ResponseContract,
  responseContract,
} from "./responses";
export { type DeliveredWebhook, webhookMismatches } from "./webhooks";
