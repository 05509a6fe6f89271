import { FAILING_RUNS_WARNING } from '@lawsweep/contracts';
import type { HistoryPoint, SweepView } from '../client/planner-api.types';
import { FINAL_STATES } from '../client/planner-api.types';
import type { PlannerClient } from '../client/planner-client';
import { PlannerTimeoutError, PlannerUnreachableError } from '../client/planner-client';
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
 * The history (a point per refit, tens of thousands in a long sweep) is kept here and only its new
 * points are asked for (?from=N): the view sees the whole of it, as if fetched at every poll.
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
    const history: HistoryPoint[] = [];
    try {
      for (;;) {
        try {
          const [sweep] = await Promise.all([this.client.getSweep(id), this.readNewHistory(id, history).catch(() => undefined)]);
          unreachableSince = 0;
          last = sweep;
          this.view.update(sweep, history);
          if (FINAL_STATES.includes(sweep.state) || pausedByBreaker(sweep)) return sweep;
        } catch (err) {
          if (!(err instanceof PlannerUnreachableError || err instanceof PlannerTimeoutError)) throw err;
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

  /** Adds the history's points not yet in `history` to it (all of them from a planner that cannot say which are new). */
  private async readNewHistory(id: string, history: HistoryPoint[]): Promise<void> {
    let fresh = await this.client.getHistoryFrom(id, history.length);
    if (fresh.total === undefined || fresh.total < history.length) {
      // Not a tail: an older planner answers the whole history; a shorter one than known is read again whole.
      if (fresh.total !== undefined) fresh = await this.client.getHistoryFrom(id, 0);
      history.length = 0;
    }
    for (const point of fresh.points) history.push(point);
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
