import type { Forecast } from './design.types';

/** The widest target's forecast half-width: the stop rule's measure (every target within ±r). */
export function widestAfter(f: Forecast): number {
  return Math.max(...f.targets.map((t) => t.halfWidthAfter));
}

export interface BudgetSearchResult {
  /** Whether some total budget up to `maxBudget` is forecast to bring every target within ±interval. */
  reachable: boolean;
  /** The least such budget found (to within `tolerance`), or the largest tried when unreachable. */
  budget: number;
  forecast: Forecast;
  /** Why it is out of reach, when it is. */
  reason?: string;
}

/**
 * "How much compute until every target is within ±r?": the least total budget whose forecast (the
 * `forecastAt` of the sweep's design engine, built with that budget) brings the widest target's
 * 90% half-width to `interval` or below. Doubles from what is committed until a forecast gets there,
 * then bisects on a log scale to `tolerance` (relative). Out of reach when more budget would buy
 * nothing more (the candidates or the stop rules run out first) or `maxBudget` is passed. A
 * search over a forecast, so as good as the forecast (bench/forecast-calibration.ts).
 */
export function searchBudgetForInterval(
  interval: number,
  committed: number,
  forecastAt: (budget: number) => Forecast,
  options: { start?: number; maxBudget?: number; tolerance?: number } = {},
): BudgetSearchResult {
  const maxBudget = options.maxBudget ?? committed * 1e6;
  const tolerance = options.tolerance ?? 0.05;
  const now = forecastAt(committed);
  if (widestAfter(now) <= interval) return { reachable: true, budget: committed, forecast: now };
  let lo = committed;
  let hi = Math.max(options.start ?? committed * 2, committed * 1.01);
  let at = forecastAt(hi);
  while (widestAfter(at) > interval) {
    // The design stopped for another reason than the budget: more budget buys nothing more.
    if (!at.budgetBound) {
      return { reachable: false, budget: hi, forecast: at, reason: at.stoppedBecause ?? 'the design buys no more runs' };
    }
    if (hi >= maxBudget) return { reachable: false, budget: hi, forecast: at, reason: `not within ${(maxBudget / committed).toPrecision(3)}× what is committed` };
    lo = hi;
    hi = Math.min(hi * 2, maxBudget);
    at = forecastAt(hi);
  }
  while (hi / lo > 1 + tolerance) {
    const mid = Math.sqrt(lo * hi);
    const f = forecastAt(mid);
    if (widestAfter(f) <= interval) {
      hi = mid;
      at = f;
    } else lo = mid;
  }
  return { reachable: true, budget: hi, forecast: at };
}
