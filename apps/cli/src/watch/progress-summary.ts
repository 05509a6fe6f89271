import type { HistoryPoint, SweepView } from '../client/planner-api.types';
import { formatDuration } from '@lawsweep/contracts';
import { percent, relativeHalfWidth, sci, targetText } from '../format';

/** What one poll of a sweep shows, as text pieces both progress views print. */
export interface ProgressSummary {
  state: string;
  spentFraction: number;
  budget: string;
  runs: string;
  target: string;
  narrowing: string;
  /** "~2h 10m left" at the planner's measured spend rate, or '' (none measured yet, or not running). */
  timeLeft: string;
}

export function summarise(sweep: SweepView, history: HistoryPoint[]): ProgressSummary {
  const b = sweep.budget;
  const inFlight = sweep.runs.queued + sweep.runs.running;
  const first = sweep.targets[0];
  const now = first ? relativeHalfWidth(first) : null;
  // The interval at the first fit, to show how far it has narrowed since.
  const start = history.find((h) => h.targets[0] && h.targets[0].loss > 0)?.targets[0];
  const startRel = start ? (start.upper - start.lower) / 2 / start.loss : null;
  return {
    state: sweep.state,
    spentFraction: b.total > 0 ? Math.min(1, b.spent / b.total) : 0,
    budget: `spent ${percent(b.spent, b.total)} + reserved ${percent(b.reserved, b.total)} (${sci(b.spent)} + ${sci(b.reserved)} of ${sci(b.total)})`,
    // Cancelled runs only where there are any (a cancel stops those in flight).
    runs: `runs ${sweep.runs.done} done, ${inFlight} in flight (${sweep.runs.running} running), ${sweep.runs.failed} failed${sweep.runs.cancelled ? `, ${sweep.runs.cancelled} cancelled` : ''}`,
    target: first ? `target ${targetText(first)}` : 'target -',
    timeLeft: sweep.state === 'running' && sweep.timeLeft ? `${formatDuration(sweep.timeLeft.seconds)} left` : '',
    narrowing: now !== null && startRel !== null && history.length > 1 ? `interval ±${(100 * startRel).toFixed(1)}% → ±${(100 * now).toFixed(2)}% over ${history.length} fits` : '',
  };
}
