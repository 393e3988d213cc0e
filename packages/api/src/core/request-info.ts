/** Where a call came from; audit rows, logs and per-IP limits read it. */
export interface RequestInfo {
  requestId: string;
  ip: string;
  userAgent: string | null;
  /** The `Origin` header (browsers send it on cross-origin calls); the widget checks it against its allowlist. */
  origin: string | null;
}

/** The request of work the system does on its own (jobs, quota warnings): audit rows store no IP or request id for it. */
export const NO_REQUEST: RequestInfo = Object.freeze({
  requestId: "",
  ip: "",
  userAgent: null,
  origin: null,
});
