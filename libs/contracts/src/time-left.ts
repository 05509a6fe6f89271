/**
 * How long a running sweep will take to spend the rest of its budget, at the rate it spent over the
 * last hour: GET /sweeps/:id's `timeLeft`, shown by `sweep status`, `sweep watch` and the dashboard.
 * A stop rule (stop.targetRelativeInterval, maxRuns) or running out of candidates may end it sooner.
 */
export interface TimeLeft {
  /** Seconds until the budget is spent at that rate. */
  seconds: number;
  /** Cost spent per second over the window. */
  rate: number;
  /** The window the rate was measured over, in seconds (up to TIME_LEFT_WINDOW_MS / 1000). */
  windowSeconds: number;
}

/** The rate is the last hour's: recent enough to follow the workers there are now, long enough to smooth out single runs. */
export const TIME_LEFT_WINDOW_MS = 3_600_000;

/** The spend history's points inside the window: the oldest of them, and how many there are. */
export interface SpendWindow {
  oldest: { at: number; spent: number };
  count: number;
}

/**
 * The window of a spend history (one point per refit, oldest first: `at` in ms, `spent` so far);
 * libs/store reads the same from Redis without reading the whole list (SweepStore.spendWindow).
 */
export function spendWindow(points: readonly { at: number; spent: number }[], now: number, windowMs = TIME_LEFT_WINDOW_MS): SpendWindow | undefined {
  const inWindow = points.filter((p) => p.at >= now - windowMs);
  if (inWindow.length === 0) return undefined;
  const oldest = inWindow.reduce((a, p) => (p.at < a.at ? p : a));
  return { oldest: { at: oldest.at, spent: oldest.spent }, count: inWindow.length };
}

/**
 * The time left at the rate from the window's oldest point to now, so a sweep whose results stopped
 * coming shows a slowing rate, not the last good one. Undefined when fewer than two points fall
 * inside the window (no measured rate: just started, stalled for an hour, or reopened after it
 * ended) or nothing was spent over it.
 */
export function estimateTimeLeft(window: SpendWindow | undefined, spentNow: number, budget: number, now: number): TimeLeft | undefined {
  if (!window || window.count < 2) return undefined;
  const span = (now - window.oldest.at) / 1000;
  const spent = spentNow - window.oldest.spent;
  if (!(span > 0 && spent > 0)) return undefined;
  const rate = spent / span;
  return { seconds: Math.max(0, budget - spentNow) / rate, rate, windowSeconds: span };
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
