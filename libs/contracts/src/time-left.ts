/**
 * How long a running sweep will take, at the pace of its last hour: GET /sweeps/:id's `timeLeft`,
 * shown by `sweep status`, `sweep watch` and the dashboard. The end is whichever comes first of the
 * budget spent (at the cost spent per second), the candidates run out (what the runs in flight and
 * the untried candidates the budget still pays for cost, at the same rate) and stop.maxRuns reached
 * (at the results per second); the interval stop rule may end it sooner still.
 */
export interface TimeLeft {
  /** Seconds until the sweep ends at that pace. */
  seconds: number;
  /** Cost spent per second over the window. */
  rate: number;
  /** Results (finished runs) per second over the window. */
  runRate: number;
  /** What ends it at that pace: the budget spent, the candidates run out before it, or stop.maxRuns. */
  until: 'budget' | 'candidates' | 'maxRuns';
  /** The window the pace was measured over, in seconds (up to TIME_LEFT_WINDOW_MS / 1000). */
  windowSeconds: number;
}

/** The pace is the last hour's: recent enough to follow the workers there are now, long enough to smooth out single runs. */
export const TIME_LEFT_WINDOW_MS = 3_600_000;

/** A point of the spend history (one per refit): when, the cost spent by then, the runs fitted. */
export interface SpendPoint {
  at: number;
  spent: number;
  n: number;
}

/** The spend history's points inside the window: the oldest of them, and how many there are. */
export interface SpendWindow {
  oldest: SpendPoint;
  count: number;
}

/** Where the sweep stands now, for estimateTimeLeft. */
export interface SweepPace {
  spent: number;
  budget: number;
  /** Results so far, as the history's `n` counts them (runs done, imported ones included). */
  results: number;
  /** With stop.maxRuns: results still to come before it ends (runs not yet planned, plus those in flight). */
  runsLeft?: number;
  /**
   * What buying every candidate it still can would take, when known: the cost (what its runs in
   * flight reserved plus the untried candidates the budget still pays for) and the results (runs in
   * flight plus those candidates), as of the planner's last pass; the budget left only shrinks, so
   * what it buys later is among them. It ends when both are used up, unless the budget or
   * stop.maxRuns ends it first.
   */
  candidatesLeft?: { spend: number; runs: number };
}

/**
 * The time left at the pace from the window's oldest point to now, so a sweep whose results stopped
 * coming shows a slowing pace, not the last good one. Undefined when fewer than two points fall
 * inside the window (no measured pace: just started, stalled for an hour, or reopened after it
 * ended), or nothing was spent over it, or (with a run limit) no result counted over it. (libs/store reads the window from Redis: SweepReader.spendWindow.)
 */
export function estimateTimeLeft(window: SpendWindow | undefined, sweep: SweepPace, now: number): TimeLeft | undefined {
  if (!window || window.count < 2) return undefined;
  const span = (now - window.oldest.at) / 1000;
  const spent = sweep.spent - window.oldest.spent;
  if (!(span > 0 && spent > 0)) return undefined;
  const rate = spent / span;
  const runRate = Math.max(0, sweep.results - window.oldest.n) / span;
  // Cost spent but no result counted since: a point whose `n` ran ahead of its `spent` (the two are
  // read a moment apart). With a run limit to pace, wait for the next result rather than guess.
  // The same with candidates to count: their end is paced by results too.
  if ((sweep.runsLeft !== undefined || sweep.candidatesLeft !== undefined) && runRate === 0) return undefined;
  const byBudget = Math.max(0, sweep.budget - sweep.spent) / rate;
  const byRuns = sweep.runsLeft !== undefined && runRate > 0 ? Math.max(0, sweep.runsLeft) / runRate : Infinity;
  // Every candidate bought takes both their cost at the cost rate and their count at the result
  // rate (runs whose time does not follow their cost).
  const left = sweep.candidatesLeft;
  const byCandidates = left ? Math.max(Math.max(0, left.spend) / rate, Math.max(0, left.runs) / runRate) : Infinity;
  const seconds = Math.min(byBudget, byRuns, byCandidates);
  const until = byRuns === seconds && byRuns < byBudget ? 'maxRuns' : byCandidates === seconds && byCandidates < byBudget ? 'candidates' : 'budget';
  return { seconds, rate, runRate, until, windowSeconds: span };
}

/** "~2h 10m", "~45m", "~30s", "~3d 4h": a rough figure, its largest unit and the next (the next left out when 0). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'unknown';
  const s = Math.max(0, Math.round(seconds));
  const units: [string, number][] = [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]];
  const top = units.findIndex(([, size]) => s >= size);
  if (top < 0) return '~0s';
  const [name, size] = units[top];
  const whole = Math.floor(s / size);
  const next = units[top + 1];
  const rest = next ? Math.floor((s - whole * size) / next[1]) : 0;
  return `~${whole}${name}${rest > 0 ? ` ${rest}${next[0]}` : ''}`;
}

/** How long ago a heartbeat was, as `lawsweep workers` and the dashboard say it: 'now', or '1m 35s ago'. */
export function formatSeenAgo(seconds: number): string {
  return seconds < 1 ? 'now' : formatDuration(seconds).replace(/^~/, '') + ' ago';
}

/** "~2h 10m left at the last 1h's pace", "(until stop.maxRuns)" when that ends it first: what status and the dashboard say. */
export function describeTimeLeft(t: Pick<TimeLeft, 'seconds' | 'windowSeconds' | 'until'>): string {
  const over = formatDuration(t.windowSeconds).replace(/^~/, '');
  const until = t.until === 'maxRuns' ? ' (until stop.maxRuns)' : t.until === 'candidates' ? ' (until the candidates run out)' : '';
  return `${formatDuration(t.seconds)} left at the last ${over}'s pace${until}`;
}
