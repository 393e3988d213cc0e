/**
 * The signed-in user's access token, in memory only: a reload signs in again through the refresh
 * cookie (auth.cookieRefresh), which no script can read. Listeners re-render the app when it changes.
 */
type Listener = () => void;

let accessToken: string | null = null;
const listeners = new Set<Listener>();

export function currentAccessToken(): string | null {
  return accessToken;
}

export function setAccessToken(token: string | null): void {
  accessToken = token;
  for (const listener of listeners) listener();
}

export function onAccessTokenChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
