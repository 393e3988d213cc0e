import type { RestRoute } from "../rest";
import { auditExportRoute } from "./audit-export";

/** Every REST shim route; anything else under /api/v1 answers the 404 envelope. */
export const restRoutes: readonly RestRoute[] = [auditExportRoute];
