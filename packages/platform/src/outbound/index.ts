export { type AddressCategory, classifyAddress } from "./address-policy";
export {
  createOutboundClient,
  type OutboundClient,
  type OutboundClientOptions,
  type OutboundRequest,
  type OutboundResponse,
} from "./client";
export { OutboundError, type OutboundErrorKind } from "./errors";
export { checkOutboundUrl, type UrlCheck } from "./url-policy";
