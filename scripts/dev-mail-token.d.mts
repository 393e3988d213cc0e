/** Waits for the newest `page` link mailed to `email` in `mailDir` (the dev mailer's .eml files); resolves with its token. */
export declare function mailedToken(
  email: string,
  page: "verify-email" | "reset-password" | "accept-invitation",
  mailDir?: string,
  timeoutMs?: number,
): Promise<string>;
