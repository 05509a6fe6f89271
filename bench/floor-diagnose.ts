/**
 * What the cost rule's floor costs in the linearised model's own terms. For one setting and seed, the
 * linearised sd of the target log-loss (at the true law, noise known) of eig's and the oracle's runs
 * under floors of 5% (the default), 1% and 0 of the sweep budget, against the relaxed ideal design's
 * (design-bound.ts). Explains why the oracle (eig's selection told the truth) can do worse than eig:
 * told the truth from its first run, it ranks runs below the floor by gain alone and buys the dearest
 * of them, ~20 runs in all.
 *
 *   node dist/bench/floor-diagnose.js [--truth epoch --noise 0.01] [--seed 1000] [--space wide]
 */
import { buildCandidates, precisionAtTruth, simulateSweep, SpecExpressions, varianceBound, type LinearisedPrecision } from '@lawsweep/design';
import { syntheticSpec } from './design-efficiency.bench';
import { arg } from './support/args';

function main(): void {
  const truthName = arg('truth') ?? 'epoch';
  const noise = Number(arg('noise') ?? 0.01);
  const seed = Number(arg('seed') ?? 1000);
  const spec = syntheticSpec(truthName, noise);
  const candidates = buildCandidates(spec, new SpecExpressions(spec));
  const model = precisionAtTruth(spec, candidates) as LinearisedPrecision;
  const rows = candidates.map((c) => model.grad(c.config));
  const sd = (v: number) => `${(100 * Math.sqrt(v / spec.targets.length)).toFixed(3)}%`;
  const floors = [0.05, 0.01, 0];
  process.stdout.write(`floor-diagnose: ${new Date().toISOString()}, ${truthName} ${noise}, seed ${seed}${arg('space') === 'wide' ? ', wide space' : ''} (${candidates.length} candidates)\n\n`);
  process.stdout.write(`linearised sd of the target log-loss (runs bought)\n\n| budget | relaxed ideal | ${['eig', 'oracle'].flatMap((d) => floors.map((f) => `${d}, floor ${100 * f}%`)).join(' | ')} |\n|---|---|${floors.map(() => '---|---|').join('')}\n`);
  for (const budget of [1e20, 1e21, 1e22]) {
    const ideal = varianceBound(model, rows, candidates.map((c) => c.cost), budget);
    const cells = (['eig', 'oracle'] as const).flatMap((design) =>
      floors.map((minShare) => {
        const runs = simulateSweep({ ...spec, budget }, { design, seed, checkpoints: [budget], engine: { costRule: { exponent: 1, minShare, floorOf: 'total' } } }).checkpoints[0].runs;
        return `${sd(model.varianceOfSet(runs))} (${runs.length})`;
      }),
    );
    const count = ideal.weights.reduce((a, w) => a + w, 0);
    process.stdout.write(`| ${budget.toExponential(0)} | ${sd(ideal.value)} (${count.toFixed(0)}) | ${cells.join(' | ')} |\n`);
  }
}

main();
