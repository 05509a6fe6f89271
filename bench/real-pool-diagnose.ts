/**
 * What each design buys on the real pool, next to its error: the D/N spread of its runs and how far
 * their measured losses lie from Epoch AI's published fit. An evaluation after the fact (the real
 * pool is never a tuning input); the hindsight oracle is the one of `bench:design --hindsight-oracle`.
 *
 *   node dist/bench/real-pool-diagnose.js [--budget 1.2e22] [--constrained] [--seeds 20] [--designs oracle,eig,isoflop,random,grid]
 */
import { quantile, readReplayCsv, simulateSweep, type DesignName } from '@lawsweep/design';
import { trueLoss, type Config } from '@lawsweep/law';
import { hindsightOracle, realDataFile, realSpec, relativeError, subsample } from './design-efficiency.bench';
import { arg, flag } from './support/args';

function main(): void {
  const budget = Number(arg('budget') ?? 1.2e22);
  const constrained = flag('constrained');
  const seeds = Number(arg('seeds') ?? 20);
  const designs = (arg('designs') ?? 'oracle,eig,isoflop,random,grid').split(',') as DesignName[];
  const replay = readReplayCsv(realDataFile(), ['N', 'D']);
  const oracle = hindsightOracle(replay);
  const s = { ...realSpec(constrained), budget };
  const key = (c: Config) => `${c.N}:${c.D}`;
  const lossOf = new Map(replay.map((o) => [key(o.config), o.loss]));
  const residual = (c: Config) => Math.log(lossOf.get(key(c)) as number) - Math.log(trueLoss(oracle.truth.law, oracle.truth.params, c));
  const share = (xs: number[], f: (x: number) => boolean) => (xs.length ? xs.filter(f).length / xs.length : 0).toFixed(2);
  process.stdout.write(`real pool${constrained ? ' (2 <= D/N <= 500)' : ''}, budget ${budget.toExponential(1)}, seeds 0..${seeds - 1}; residuals against Epoch's published fit\n`);
  process.stdout.write('design   runs/seed  D/N p10/p50/p90     D/N<5  D/N>100  |residual|>2%  median error\n');
  const pool = replay.map((o) => o.config.D / o.config.N);
  process.stdout.write(`pool     ${String(replay.length).padStart(9)}  ${[0.1, 0.5, 0.9].map((q) => quantile(pool, q).toFixed(1)).join('/').padEnd(17)}  ${share(pool, (x) => x < 5)}   ${share(pool, (x) => x > 100)}     ${share(replay.map((o) => Math.abs(residual(o.config))), (x) => x > 0.02)}\n`);
  for (const design of designs) {
    const ratios: number[] = [];
    const residuals: number[] = [];
    const errors: number[] = [];
    for (let seed = 0; seed < seeds; seed++) {
      const record = simulateSweep(s, { design, seed, checkpoints: [budget], replay: subsample(replay, s, seed), oracle });
      for (const c of record.checkpoints[0].runs) {
        ratios.push(c.D / c.N);
        residuals.push(Math.abs(residual(c)));
      }
      errors.push(relativeError(record)[0]);
    }
    process.stdout.write(
      `${design.padEnd(8)} ${(ratios.length / seeds).toFixed(1).padStart(9)}  ${[0.1, 0.5, 0.9].map((q) => quantile(ratios, q).toFixed(1)).join('/').padEnd(17)}  ${share(ratios, (x) => x < 5)}   ${share(ratios, (x) => x > 100)}     ${share(residuals, (x) => x > 0.02)}           ${(100 * quantile(errors, 0.5)).toFixed(2)}%\n`,
    );
  }
}

main();
