/**
 * Runs `pass` at once and then every `everyMs`, one pass at a time (a tick while a pass runs is
 * skipped); a failed pass goes to `onError`. Returns stop(): no new pass starts, and it waits for
 * the running one. `pass` gets `stopped()` to end a long pass early.
 */
export function startLoop(pass: (stopped: () => boolean) => Promise<unknown>, everyMs: number, onError: (err: unknown) => void): () => Promise<void> {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const isStopped = () => stopped;
  const tick = () => {
    if (stopped) return;
    running ??= pass(isStopped)
      .catch(onError)
      .finally(() => {
        running = null;
      });
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
