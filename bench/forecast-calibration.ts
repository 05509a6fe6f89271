/**
 * How good is a sweep's forecast of what more budget buys (GET /sweeps/:id/forecast, `lawsweep sweep
 * forecast`)? For each synthetic setting and seed: a sweep (eig unless --design says otherwise) spends B1; from its runs the engine
 * forecasts the targets' 90% half-width after the budget is raised to B2; then the same sweep goes on
 * to B2 (simulateSweep's `start`: its runs kept, fresh noise) and the half-width it actually shows is
 * compared with the forecast. Printed per setting and budget pair: the median (and 10th–90th
 * percentile) of realised / forecast half-width, of the runs bought / forecast, and how often the
 * realised half-width came out within ±25% of the forecast. Nothing is tuned on it.
 *
 *   node dist/bench/forecast-calibration.js [--first-seed 1000] [--seeds 20] [--truth NAME] [--design eig|grid|random|isoflop]
 */
import { checkpointError, checkpointHalfWidth, createSweepEngine, quantile, simulateSweep, type DesignName } from '@lawsweep/design';
import { syntheticSpec } from './design-efficiency.bench';
import { arg } from './support/args';

/** The designs a live sweep may use (the oracle needs the truth, which a live sweep does not have). */
const FORECAST_DESIGNS: DesignName[] = ['eig', 'grid', 'random', 'isoflop'];

export const BUDGET_PAIRS: [number, number][] = [
  [1e20, 3e20],
  [1e20, 1e21],
  [3e20, 3e21],
];

export interface ForecastCheck {
  /** Half-width shown after B1, forecast for B2, realised at B2 (relative, mean over targets). */
  now: number;
  forecast: number;
  realised: number;
  /** The same for the widest target (what the stop rule and `forecast --interval` use). */
  forecastWidest: number;
  realisedWidest: number;
  /** The target error the sweep reached at B2 (mean relative error against the noiseless truth). */
  error: number;
  runsForecast: number;
  runsRealised: number;
}

/** One seed of one setting: spend b1, forecast b2, go on to b2. */
export function checkForecast(truth: string, noise: number, seed: number, b1: number, b2: number, design: DesignName = 'eig'): ForecastCheck {
  const spec = syntheticSpec(truth, noise);
  const first = simulateSweep({ ...spec, budget: b1 }, { design, seed, checkpoints: [b1] });
  const cp = first.checkpoints[0];
  const observations = cp.runs.map((config, i) => ({ config, loss: cp.losses[i] }));
  const engine = createSweepEngine({ ...spec, budget: b2 }, { design, seed });
  const fit = engine.fit(observations);
  if (!fit) throw new Error(`${truth} seed ${seed}: no fit after ${b1}`);
  const forecast = engine.forecast({ observations, pending: [], fit, extraBudget: b2 - cp.spent, k: spec.parallelism, step: observations.length });
  const second = simulateSweep({ ...spec, budget: b2 }, { design, seed, checkpoints: [b2], start: { observations, spent: cp.spent } });
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    now: mean(forecast.targets.map((t) => t.halfWidthNow)),
    forecast: mean(forecast.targets.map((t) => t.halfWidthAfter)),
    realised: checkpointHalfWidth(second.checkpoints[0]),
    forecastWidest: Math.max(...forecast.targets.map((t) => t.halfWidthAfter)),
    realisedWidest: Math.max(...second.checkpoints[0].targets.map((t) => (t.upper - t.lower) / 2 / t.loss)),
    error: checkpointError(second.checkpoints[0]) ?? NaN,
    runsForecast: forecast.runs.length,
    runsRealised: second.checkpoints[0].runs.length - observations.length,
  };
}

function main(): void {
  const first = Number(arg('first-seed') ?? 1000);
  const seeds = Number(arg('seeds') ?? 20);
  const truths = arg('truth') ? [arg('truth') as string] : ['chinchilla', 'epoch', 'tied', 'farseer'];
  const design = (arg('design') ?? 'eig') as DesignName;
  if (!FORECAST_DESIGNS.includes(design)) throw new Error(`--design: one of ${FORECAST_DESIGNS.join(', ')} (got '${design}')`);
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  process.stdout.write(`${design} sweeps, seeds ${first}..${first + seeds - 1}; half-widths relative, 90%, mean over the two targets\n\n`);
  process.stdout.write('| setting | B1 → B2 | half-width at B1 (median) | forecast at B2 (median) | realised at B2 (median) | realised / forecast: median (p10–p90) | within ±25% | widest target: realised / forecast, median (p10–p90) | runs bought / forecast (median) | target error at B2 (median) |\n|---|---|---|---|---|---|---|---|---|---|\n');
  const all: number[] = [];
  const allWidest: number[] = [];
  for (const truth of truths) {
    for (const noise of [0.005, 0.01]) {
      for (const [b1, b2] of BUDGET_PAIRS) {
        const checks = Array.from({ length: seeds }, (_, i) => checkForecast(truth, noise, first + i, b1, b2, design));
        const ratios = checks.map((c) => c.realised / c.forecast);
        all.push(...ratios);
        const within = ratios.filter((r) => r >= 0.75 && r <= 1.25).length;
        const widest = checks.map((c) => c.realisedWidest / c.forecastWidest);
        allWidest.push(...widest);
        process.stdout.write(
          `| ${truth} ${noise * 100}% | ${b1.toExponential(0)} → ${b2.toExponential(0)} | ${pct(quantile(checks.map((c) => c.now), 0.5))} | ${pct(quantile(checks.map((c) => c.forecast), 0.5))} | ${pct(quantile(checks.map((c) => c.realised), 0.5))} | ${quantile(ratios, 0.5).toFixed(2)} (${quantile(ratios, 0.1).toFixed(2)}–${quantile(ratios, 0.9).toFixed(2)}) | ${within}/${seeds} | ${quantile(widest, 0.5).toFixed(2)} (${quantile(widest, 0.1).toFixed(2)}–${quantile(widest, 0.9).toFixed(2)}) | ${quantile(checks.map((c) => c.runsRealised / Math.max(c.runsForecast, 1)), 0.5).toFixed(2)} | ${pct(quantile(checks.map((c) => c.error), 0.5))} |\n`,
        );
      }
    }
  }
  process.stdout.write(`\nall cells: realised / forecast median ${quantile(all, 0.5).toFixed(2)} (p10 ${quantile(all, 0.1).toFixed(2)}, p90 ${quantile(all, 0.9).toFixed(2)}); within ±25% in ${all.filter((r) => r >= 0.75 && r <= 1.25).length} of ${all.length}; widest target: median ${quantile(allWidest, 0.5).toFixed(2)} (p10 ${quantile(allWidest, 0.1).toFixed(2)}, p90 ${quantile(allWidest, 0.9).toFixed(2)}), within ±25% in ${allWidest.filter((r) => r >= 0.75 && r <= 1.25).length} of ${allWidest.length}\n`);
}

if (require.main === module) main();
