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

/** Forecasts one search makes at most (doubling plus bisection stay far below it; a safety bound). */
const MAX_SEARCH_FORECASTS = 80;

/**
 * "How much compute until every target is within ±r?": the least total budget whose forecast (the
 * `forecastAt` of the sweep's design engine, built with that budget) brings the widest target's
 * 90% half-width to `interval` or below. Starts from `scale` (the sweep's budget: what it would get
 * to anyway) or twice what is committed, doubles until a forecast gets there, then bisects on a log
 * scale to `tolerance` (relative). Out of reach when more budget would buy nothing more (the
 * candidates or the stop rules run out first, or the forecast was cut short) or `maxBudget`
 * (default 10^6 × the larger of scale and committed) is passed. A search over a forecast, so as good
 * as the forecast (bench/forecast-calibration.ts).
 */
export function searchBudgetForInterval(
  interval: number,
  committed: number,
  forecastAt: (budget: number) => Forecast,
  options: { scale?: number; maxBudget?: number; tolerance?: number } = {},
): BudgetSearchResult {
  const base = Math.max(committed, options.scale ?? 0);
  if (!(base > 0)) throw new Error('searchBudgetForInterval: nothing is committed, so give options.scale (e.g. the sweep budget) to start from');
  const maxBudget = options.maxBudget ?? base * 1e6;
  const tolerance = options.tolerance ?? 0.05;
  let forecasts = 0;
  const at = (budget: number) => {
    forecasts++;
    return forecastAt(budget);
  };
  const now = at(committed);
  if (widestAfter(now) <= interval) return { reachable: true, budget: committed, forecast: now };
  let lo = committed;
  let hi = Math.min(Math.max(base, committed * 2), maxBudget);
  let found = at(hi);
  while (widestAfter(found) > interval) {
    if (!found.budgetBound) return { reachable: false, budget: hi, forecast: found, reason: found.stoppedBecause ?? 'the design buys no more runs' };
    if (hi >= maxBudget || forecasts >= MAX_SEARCH_FORECASTS) {
      return { reachable: false, budget: hi, forecast: found, reason: `not within ${(maxBudget / base).toPrecision(3)}× the sweep's budget` };
    }
    lo = hi;
    hi = Math.min(hi * 2, maxBudget);
    found = at(hi);
  }
  while ((lo === 0 || hi / lo > 1 + tolerance) && forecasts < MAX_SEARCH_FORECASTS) {
    const mid = lo > 0 ? Math.sqrt(lo * hi) : hi / 2;
    const f = at(mid);
    if (widestAfter(f) <= interval) {
      hi = mid;
      found = f;
    } else lo = mid;
  }
  return { reachable: true, budget: hi, forecast: found };
}
