import { FAILING_RUNS_WARNING } from '@lawsweep/contracts';
import type { HistoryPoint, SweepView } from '../client/planner-api.types';
import { FINAL_STATES } from '../client/planner-api.types';
import type { PlannerClient } from '../client/planner-client';
import { PlannerUnreachableError } from '../client/planner-client';
import type { ProgressView } from './progress-view';

export interface WatchOptions {
  intervalMs?: number;
  /** Stop waiting (Ctrl-C): resolves with the last state seen. */
  signal?: AbortSignal;
  /** Give up after this long (0 = never). */
  timeoutMs?: number;
}

/**
 * Polls a sweep (GET /sweeps/:id and /history) and feeds a progress view until the sweep reaches a
 * final state (done, cancelled, failed) or the circuit breaker paused it (its runs keep failing). A planner that stops answering for a while (a restart)
 * is waited for, up to 30 s, before the watch gives up with the unreachable error.
 */
export class SweepWatcher {
  constructor(
    private readonly client: PlannerClient,
    private readonly view: ProgressView,
  ) {}

  async watch(id: string, options: WatchOptions = {}): Promise<SweepView> {
    const interval = options.intervalMs ?? 1000;
    const deadline = options.timeoutMs ? Date.now() + options.timeoutMs : Infinity;
    let last: SweepView | undefined;
    let unreachableSince = 0;
    try {
      for (;;) {
        try {
          const [sweep, history] = await Promise.all([this.client.getSweep(id), this.client.getHistory(id).catch((): HistoryPoint[] => [])]);
          unreachableSince = 0;
          last = sweep;
          this.view.update(sweep, history);
          if (FINAL_STATES.includes(sweep.state) || pausedByBreaker(sweep)) return sweep;
        } catch (err) {
          if (!(err instanceof PlannerUnreachableError)) throw err;
          unreachableSince ||= Date.now();
          if (Date.now() - unreachableSince > 30_000) throw err;
        }
        if (options.signal?.aborted || Date.now() > deadline) {
          if (last) return last;
          throw new Error(`stopped watching sweep ${id} before the planner answered`);
        }
        await sleep(interval, options.signal);
      }
    } finally {
      this.view.stop();
    }
  }
}

/** Paused by the planner's circuit breaker: nothing more happens until someone fixes the trainer and resumes. */
export function pausedByBreaker(sweep: SweepView): boolean {
  return sweep.state === 'paused' && (sweep.warnings ?? []).some((w) => w.code === FAILING_RUNS_WARNING);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
