/**
 * What each design buys: per design, the D/N spread and the compute concentration of the runs a
 * sweep chose, next to its target error. A diagnostic for tuning (use seeds ≥ 1000 only):
 *
 *   node dist/bench/design-diagnose.js --truth farseer --noise 0.005 --budget 1e21 --first-seed 1000 --seeds 6 [--designs eig,grid,random]
 *     [--min-share 0.05] [--gamma 0.75] [--floor-of total|remaining]   # a cost rule other than the default
 */
import { DEFAULT_COST_RULE, quantile, simulateSweep, type CostRule, type DesignName, type SeedRecord } from '@lawsweep/design';
import { syntheticSpec } from './design-efficiency.bench';
import { arg } from './support/args';

interface Profile {
  runs: number;
  /** log10(D/N) at the 10th, 50th and 90th percentile of runs. */
  ratio: [number, number, number];
  /** Share of the compute spent on runs of at least a tenth of the budget's largest candidate (≥ 1e20 FLOPs). */
  topShare: number;
  /** Runs per decade of cost, from 1e16 to 1e21. */
  decades: number[];
  /** Compute-weighted mean of log10(cost). */
  meanLogCost: number;
  error: number;
}

function profile(record: SeedRecord): Profile {
  const cp = record.checkpoints[0];
  const ratios = cp.runs.map((c) => Math.log10(c.D / c.N));
  const costs = cp.runs.map((c) => 6 * c.N * c.D);
  const total = costs.reduce((a, b) => a + b, 0);
  const top = costs.filter((c) => c >= 1e20).reduce((a, b) => a + b, 0);
  const decades = [16, 17, 18, 19, 20].map((d) => costs.filter((c) => c >= 10 ** d && c < 10 ** (d + 1) * 1.0001).length);
  const errs = cp.targets.map((t) => Math.abs(t.loss - (t.truth as number)) / (t.truth as number));
  return {
    runs: cp.runs.length,
    ratio: [quantile(ratios, 0.1), quantile(ratios, 0.5), quantile(ratios, 0.9)],
    topShare: top / total,
    decades,
    meanLogCost: costs.reduce((a, c) => a + c * Math.log10(c), 0) / total,
    error: errs.reduce((a, b) => a + b, 0) / errs.length,
  };
}

function main(): void {
  const truth = arg('truth') ?? 'farseer';
  const noise = Number(arg('noise') ?? 0.005);
  const budget = Number(arg('budget') ?? 1e21);
  const first = Number(arg('first-seed') ?? 1000);
  if (first < 1000) throw new Error('--first-seed: diagnose on tuning seeds (>= 1000) only');
  const seeds = Number(arg('seeds') ?? 6);
  const designs = (arg('designs') ?? 'eig,grid,random').split(',') as DesignName[];
  const s = { ...syntheticSpec(truth, noise), budget };
  const costRule: CostRule = {
    exponent: Number(arg('gamma') ?? DEFAULT_COST_RULE.exponent),
    minShare: Number(arg('min-share') ?? DEFAULT_COST_RULE.minShare),
    floorOf: (arg('floor-of') as CostRule['floorOf'] | undefined) ?? DEFAULT_COST_RULE.floorOf,
  };
  process.stdout.write(`${truth} ${noise} budget ${budget.toExponential(0)} seeds ${first}..${first + seeds - 1} cost rule ${JSON.stringify(costRule)}\n`);
  process.stdout.write('design   runs  log10(D/N) p10/p50/p90   share>=1e20  mean log10 cost  median error  runs per cost decade 1e16..1e20 (median)\n');
  for (const design of designs) {
    const ps = Array.from({ length: seeds }, (_, i) => profile(simulateSweep(s, { design, seed: first + i, checkpoints: [budget], engine: { costRule } })));
    const med = (f: (p: Profile) => number) => quantile(ps.map(f), 0.5);
    process.stdout.write(
      `${design.padEnd(8)} ${med((p) => p.runs).toFixed(0).padStart(4)}  ${med((p) => p.ratio[0]).toFixed(2)}/${med((p) => p.ratio[1]).toFixed(2)}/${med((p) => p.ratio[2]).toFixed(2)}            ${med((p) => p.topShare).toFixed(2)}            ${med((p) => p.meanLogCost).toFixed(2)}          ${(100 * med((p) => p.error)).toFixed(2)}%        ${[0, 1, 2, 3, 4].map((d) => med((p) => p.decades[d]).toFixed(0)).join(' ')}\n`,
    );
  }
}

main();
