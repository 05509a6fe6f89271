import { estimateTimeLeft, TIME_LEFT_WINDOW_MS, type TimeLeft } from '@lawsweep/contracts';
import type { SweepRecord, SweepStore } from '@lawsweep/store';

/**
 * How long a running sweep has left at the last hour's pace (libs/contracts estimateTimeLeft over
 * the store's spend window): GET /sweeps/:id's `timeLeft` and the lawsweep_sweep_time_left_seconds
 * gauge. Undefined for a sweep that is not running or has no measured pace; an estimate is a nicety,
 * so a history it cannot read leaves it out rather than fail the read.
 */
export async function sweepTimeLeft(store: SweepStore, sweep: SweepRecord, now = Date.now()): Promise<TimeLeft | undefined> {
  if (sweep.state !== 'running') return undefined;
  const window = await store.spendWindow(sweep.id, now - TIME_LEFT_WINDOW_MS).catch(() => undefined);
  const inFlight = sweep.runs.queued + sweep.runs.running;
  const runsLeft = sweep.maxRuns > 0 ? sweep.maxRuns - sweep.planned + inFlight : undefined;
  return estimateTimeLeft(window, { spent: sweep.spent, budget: sweep.budget, results: sweep.runs.done, runsLeft }, now);
}
