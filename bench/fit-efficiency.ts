/**
 * How much of a design's target error is the fit's? For fixed run sets (each design's runs in one
 * simulated sweep, seed 1000 by default: a tuning seed), fresh Gaussian noise is drawn many times and
 * the law refitted with each loss; the rms target log-error is set against the linearised sd (the
 * efficient estimator's, what design-bound.ts assumes). Least squares is the efficient fit under
 * Gaussian noise; Huber δ = 1e-3 (Hoffmann et al.'s) is ~0.1–0.2σ at 0.5–1% log-noise, close to
 * least absolute deviations; 'huber:auto' picks δ from the residuals (libs/law adaptiveHuberDelta).
 *
 *   node dist/bench/fit-efficiency.js [--truth epoch --noise 0.01 --budget 1e21] [--draws 60] [--seed 1000] [--space wide]
 */
import { fitLaw, getLaw, resolveTruth, SeededRandom, simulateLoss, trueLoss, type LossChoice } from '@lawsweep/law';
import { buildCandidates, precisionAtTruth, simulateSweep, SpecExpressions, type DesignName, type LinearisedPrecision } from '@lawsweep/design';
import { syntheticSpec } from './design-efficiency.bench';
import { arg } from './support/args';

const SETTINGS: [string, number][] = arg('truth') ? [[arg('truth') as string, Number(arg('noise') ?? 0.01)]] : [['chinchilla', 0.005], ['epoch', 0.01], ['farseer', 0.005], ['farseer', 0.01]];
const BUDGETS = arg('budget') ? [Number(arg('budget'))] : [1e20, 1e21, 1e22];
const DESIGNS: DesignName[] = ['eig', 'grid', 'random'];
const LOSSES: [string, LossChoice][] = [['huber:1e-3', { kind: 'huber', delta: 1e-3 }], ['huber:auto', { kind: 'huber-auto' }], ['mse', { kind: 'mse' }]];

function main(): void {
  const draws = Number(arg('draws') ?? 60);
  const seed = Number(arg('seed') ?? 1000);
  const law = getLaw('chinchilla');
  process.stdout.write(`fit-efficiency: ${new Date().toISOString()}, node ${process.version}, runs of seed ${seed}, ${draws} noise draws each${arg('space') === 'wide' ? ', wide space' : ''}\n\n`);
  process.stdout.write(`rms target log-error over the draws (rms over the 2 targets), and × the linearised sd\n\n| truth | noise | budget | design | runs | linearised sd | ${LOSSES.map(([n]) => n).join(' | ')} |\n|---|---|---|---|---|---|${LOSSES.map(() => '---|').join('')}\n`);
  for (const [truthName, noise] of SETTINGS) {
    const spec = syntheticSpec(truthName, noise);
    const truth = resolveTruth(truthName);
    const candidates = buildCandidates(spec, new SpecExpressions(spec));
    const model = precisionAtTruth(spec, candidates) as LinearisedPrecision;
    for (const budget of BUDGETS) {
      for (const design of DESIGNS) {
        const runs = simulateSweep({ ...spec, budget }, { design, seed, checkpoints: [budget] }).checkpoints[0].runs;
        const linear = Math.sqrt(model.varianceOfSet(runs) / spec.targets.length);
        const cells = LOSSES.map(([, loss]) => {
          const rng = new SeededRandom(42);
          let sum = 0;
          for (let d = 0; d < draws; d++) {
            const data = runs.map((config) => ({ config, loss: simulateLoss(truth.law, truth.params, config, noise, rng) }));
            const fit = fitLaw(law, data, { loss, starts: 'default' });
            for (const t of spec.targets) sum += (law.logLoss(fit.theta, t) - Math.log(trueLoss(truth.law, truth.params, t))) ** 2;
          }
          const rms = Math.sqrt(sum / draws / spec.targets.length);
          return `${(100 * rms).toFixed(3)}% (${(rms / linear).toFixed(2)}×)`;
        });
        process.stdout.write(`| ${truthName} | ${noise} | ${budget.toExponential(0)} | ${design} | ${runs.length} | ${(100 * linear).toFixed(3)}% | ${cells.join(' | ')} |\n`);
      }
    }
  }
}

main();
