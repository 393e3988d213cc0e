// `@kyro/sdk/widget`: the visitor client alone, importing nothing (for the widget script and pages).

export type { KyroPage, KyroPageSource } from "./paginate";
export { paginate } from "./paginate";
export { createKyroWidgetClient, isKyroWidgetError, KyroWidgetError } from "./widget-client";
export type {
  KyroJson,
  KyroWidgetClient,
  KyroWidgetClientOptions,
  KyroWidgetExchange,
  KyroWidgetFeedback,
  KyroWidgetFeedbackInput,
  KyroWidgetHandoff,
  KyroWidgetIdentity,
  KyroWidgetLeadInput,
  KyroWidgetLeadReceipt,
  KyroWidgetMessage,
  KyroWidgetMessagePage,
  KyroWidgetPageRequest,
  KyroWidgetSession,
  KyroWidgetSessionInfo,
  KyroWidgetStreamEvent,
} from "./widget-types";
