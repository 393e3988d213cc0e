import type { Logger } from "@kyro/platform";

export const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGTERM", "SIGINT"];

/**
 * Resolves with the first SIGTERM or SIGINT; the process no longer dies of either. Any later one is
 * logged and otherwise ignored: a signal sent to the whole process group (systemd's default
 * KillMode=control-group, Ctrl-C in a terminal, `kill -TERM -<pgid>`) reaches this process directly and
 * again relayed by npm, and that second copy must not cut the drain short. The grace periods bound the
 * drain; an operator who cannot wait has SIGKILL.
 */
export function firstStopSignal(logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let first: NodeJS.Signals | null = null;
    const onSignal = (signal: NodeJS.Signals) => {
      if (first) {
        logger.warn({ signal }, "already shutting down: still draining (SIGKILL stops at once)");
        return;
      }
      first = signal;
      resolve(signal);
    };
    for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  });
}
