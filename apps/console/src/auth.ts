import { useEffect, useState, useSyncExternalStore } from "react";
import { renewSession } from "./api";
import { currentAccessToken, onAccessTokenChange } from "./session";

export type AuthState = "checking" | "signed-in" | "signed-out";

/** Signed in when an access token is held; on first load, the refresh cookie is tried once. */
export function useAuthState(): AuthState {
  const token = useSyncExternalStore(onAccessTokenChange, currentAccessToken);
  const [checked, setChecked] = useState(false);
  useEffect(() => {
    renewSession().finally(() => setChecked(true));
  }, []);
  if (token) return "signed-in";
  return checked ? "signed-out" : "checking";
}
