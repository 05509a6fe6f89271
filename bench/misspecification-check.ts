/**
 * Can a sweep tell, from its own runs, that the law it designs for is wrong? A diagnostic for issue 3:
 * eig loses to the fixed designs where the law is misspecified (the farseer truth, the real pool) and
 * wins where it holds, so a design that switched to a robust layout once its runs showed
 * misspecification could have both — if its runs could show it. This asks that first, before any
 * such design is built: for each setting and budget, eig's sweep (as in bench:design, one sweep per
 * budget told its budget) is backtested on its own runs (libs/law backtestFit: refit without the
 * largest-cost fifth, at least 3, and compare those runs with the 90% predictive intervals of the
 * fit to the rest). Printed per cell: the share of held-out runs inside their intervals, the share of
 * seeds whose held-out z-scores have |mean|·√k > 2, the median of Σz²/k, the median target error;
 * then, per budget, how well Σz²/k ranks farseer's sweeps above the well-specified truths' (AUC:
 * 0.5 = no better than chance, 1 = always).
 *
 *   node dist/bench/misspecification-check.js [--first-seed 1000] [--seeds 12] [--design eig] [--real]
 *
 * Tuning seeds (≥ 1000) by default; `--real` adds the Chinchilla pool (evaluation only).
 */
import { checkpointError, quantile, readReplayCsv, simulateSweep, specLaw, type DesignName } from '@lawsweep/design';
import { backtestFit, parseLossFunction, type Observation } from '@lawsweep/law';
import type { SweepSpec } from '@lawsweep/contracts';
import { realDataFile, realSpec, subsample, syntheticSpec } from './design-efficiency.bench';
import { arg, flag } from './support/args';

const SYNTHETIC_LEVELS = [1e20, 3e20, 1e21, 3e21, 1e22];
const REAL_LEVELS = [3e21, 6e21, 1.2e22, 2.4e22, 4.8e22];
const HOLDOUT_SHARE = 0.2;

interface Check {
  inside: number;
  meanZ: number;
  chi: number;
  error: number;
}

/** The backtest of one sweep's runs, or undefined when too few remain to fit once the largest are held out. */
export function checkRuns(spec: SweepSpec, runs: Observation[]): Omit<Check, 'error'> | undefined {
  const law = specLaw(spec);
  const k = Math.max(3, Math.round(HOLDOUT_SHARE * runs.length));
  if (runs.length - k < law.theta.length + 3) return undefined;
  const bt = backtestFit(law, runs, { holdout: k, loss: parseLossFunction(spec.fit.loss) });
  const zs = bt.heldOut.map((r) => r.z);
  return {
    inside: bt.inside / k,
    meanZ: (zs.reduce((a, b) => a + b, 0) / k) * Math.sqrt(k),
    chi: zs.reduce((a, b) => a + b * b, 0) / k,
  };
}

/** P(a random x from `hi` exceeds a random y from `lo`), ties half: the Mann–Whitney AUC. */
export function auc(hi: number[], lo: number[]): number {
  if (!hi.length || !lo.length) return NaN;
  let s = 0;
  for (const x of hi) for (const y of lo) s += x > y ? 1 : x === y ? 0.5 : 0;
  return s / (hi.length * lo.length);
}

function main(): void {
  const first = Number(arg('first-seed') ?? 1000);
  const seeds = Number(arg('seeds') ?? 12);
  const design = (arg('design') ?? 'eig') as DesignName;
  const settings: { label: string; truth: string; spec: SweepSpec; levels: number[]; replay?: Observation[] }[] = [];
  for (const truth of ['chinchilla', 'epoch', 'tied', 'farseer']) {
    for (const noise of [0.005, 0.01]) settings.push({ label: `${truth} ${noise * 100}%`, truth, spec: syntheticSpec(truth, noise), levels: SYNTHETIC_LEVELS });
  }
  if (flag('real')) {
    const replay = readReplayCsv(realDataFile(), ['N', 'D']);
    settings.push({ label: 'real pool', truth: 'real', spec: realSpec(false), levels: REAL_LEVELS, replay });
    settings.push({ label: 'real pool, 2 <= D/N <= 500', truth: 'real', spec: realSpec(true), levels: REAL_LEVELS, replay });
  }
  process.stdout.write(`design ${design}, seeds ${first}..${first + seeds - 1}; held out: the largest-cost ${HOLDOUT_SHARE * 100}% of each sweep's runs (at least 3)\n\n`);
  process.stdout.write('| setting | budget | seeds checked | runs (median) | inside 90% | seeds with \\|mean z\\|·√k > 2 | median Σz²/k | median target error |\n|---|---|---|---|---|---|---|---|\n');
  const chiBy = new Map<string, number[]>();
  for (const setting of settings) {
    for (const level of setting.levels) {
      const checks: Check[] = [];
      const runCounts: number[] = [];
      for (let seed = first; seed < first + seeds; seed++) {
        const s = { ...setting.spec, budget: level };
        const record = simulateSweep(s, { design, seed, checkpoints: [level], replay: setting.replay ? subsample(setting.replay, s, seed) : undefined });
        const cp = record.checkpoints[0];
        runCounts.push(cp.runs.length);
        const check = checkRuns(s, cp.runs.map((config, i) => ({ config, loss: cp.losses[i] })));
        if (check) checks.push({ ...check, error: checkpointError(cp) ?? NaN });
      }
      const key = `${setting.truth}:${level}`;
      chiBy.set(key, [...(chiBy.get(key) ?? []), ...checks.map((c) => c.chi)]);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const row = checks.length
        ? [
            String(checks.length),
            String(quantile(runCounts, 0.5)),
            mean(checks.map((c) => c.inside)).toFixed(2),
            (checks.filter((c) => Math.abs(c.meanZ) > 2).length / checks.length).toFixed(2),
            quantile(checks.map((c) => c.chi), 0.5).toFixed(2),
            `${(100 * quantile(checks.map((c) => c.error), 0.5)).toFixed(2)}%`,
          ]
        : ['0', String(quantile(runCounts, 0.5)), '–', '–', '–', '–'];
      process.stdout.write(`| ${setting.label} | ${level.toPrecision(2)} | ${row.join(' | ')} |\n`);
    }
  }
  process.stdout.write('\nAUC of Σz²/k, farseer against the three well-specified truths (0.5: no separation):\n');
  for (const level of SYNTHETIC_LEVELS) {
    const well = ['chinchilla', 'epoch', 'tied'].flatMap((t) => chiBy.get(`${t}:${level}`) ?? []);
    process.stdout.write(`  ${level.toExponential(0)}: ${auc(chiBy.get(`farseer:${level}`) ?? [], well).toFixed(2)} (${(chiBy.get(`farseer:${level}`) ?? []).length} vs ${well.length} sweeps)\n`);
  }
}

if (require.main === module) main();
