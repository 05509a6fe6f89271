/**
 * How long the planner keeps retrying to enqueue a wave of runs it has just reserved, while Redis
 * is briefly away. The reconciler must not call such a run's job "vanished" before this window has
 * passed, or it would fail runs that the planner is still enqueueing.
 */
export const ENQUEUE_RETRY_WINDOW_MS = 10_000;

/** Margin on top of the window for the last attempt's round trip and clock differences between replicas. */
export const ENQUEUE_RETRY_MARGIN_MS = 2_000;

/** How long after a plan pass that could enqueue none of its runs the sweep is planned again. */
export const ENQUEUE_FAILED_REPLAN_MS = 2_000;

/**
 * The producer does not buffer while Redis is away (enableOfflineQueue: false), so a blip of a
 * second (a Redis restart, a dropped connection) would fail every run of the wave just reserved;
 * retries with backoff over ~10 s ride out an outage of a few seconds, including a reconnect
 * that waits behind a CLIENT PAUSE (test/faults/redis-faults.e2e-spec.ts: 5 tries over ~3 s were
 * not always enough). addBulk is one MULTI and job ids are run ids, so a retry cannot enqueue a
 * run twice. `onRetry` hears each failure that is tried again; the last one is thrown.
 */
export async function enqueueWithRetry(enqueue: () => Promise<void>, onRetry: (err: Error) => void, windowMs = ENQUEUE_RETRY_WINDOW_MS): Promise<void> {
  const deadline = Date.now() + windowMs;
  for (let i = 1; ; i++) {
    try {
      return await enqueue();
    } catch (err) {
      const delay = Math.min(2_000, 200 * 2 ** (i - 1));
      if (Date.now() + delay > deadline) throw err;
      onRetry(err as Error);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
