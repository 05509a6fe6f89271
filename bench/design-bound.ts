/**
 * How much compute could any design save? A bound for issue 3's "≤ 1/5 of the best fixed design's
 * compute" goal on the truths the fitted family expresses.
 *
 * Under the linearised model at the true θ with the true noise σ (what the oracle is told), a set of
 * runs S predicts the targets' log-losses with variance V(S) = Σ_t g_tᵀ (M0 + Σ_{i∈S} a_i a_iᵀ/σ²)⁻¹ g_t
 * (a_i = ∇θ log f(x_i), g_t = ∇θ log f(target t), M0 the engine's prior precision). The least V that
 * any set of candidates costing ≤ B can reach is bounded below by the continuous relaxation — weights
 * 0 ≤ n_i ≤ 1 with Σ n_i c_i ≤ B — a convex problem (c-/A-optimal design under a knapsack), solved
 * by Frank–Wolfe, whose duality gap certifies a lower bound V*(B) ≥ f(n) − gap. Adaptivity does not
 * help in this model (V depends only on the set), so no design, sequential or not, goes below it.
 *
 * For each budget B and fixed design d (its actual runs in a simulated sweep, median V over seeds),
 * the bench finds the smallest φ with V*(φB) ≤ V_d(B): every design needs at least φ·B to match d's
 * precision at B. φ > 0.2 means no design can reach d's precision with a fifth of its compute. The
 * last column is the same share for eig's runs: how close eig comes to the ideal (1 = as good).
 * The bound itself: libs/design/src/design-bound.ts. Caveat: a bound on the linearised
 * (large-sample) variance; at the smallest budgets the fits are nonlinear and the measured errors
 * can differ from √V.
 *
 *   node dist/bench/design-bound.js [--seeds 20] [--first-seed 0] [--space wide] [--truth chinchilla --noise 0.005]
 */
import { buildCandidates, DesignBound, precisionAtTruth, quantile, simulateSweep, SpecExpressions, type DesignName, type LinearisedPrecision } from '@lawsweep/design';
import { syntheticSpec } from './design-efficiency.bench';
import { arg } from './support/args';

const BUDGETS = [1e20, 3e20, 1e21, 3e21, 1e22];
const FIXED: DesignName[] = ['grid', 'isoflop', 'random'];
const GREEDY: DesignName[] = ['oracle', 'eig'];
/** The truths the fitted family (chinchilla) expresses; tied is projected onto it exactly (α = β). */
const TRUTHS = ['chinchilla', 'epoch', 'tied'];

function main(): void {
  const seeds = Number(arg('seeds') ?? 20);
  const first = Number(arg('first-seed') ?? 0);
  const truths = arg('truth') ? [arg('truth') as string] : TRUTHS;
  const noises = arg('noise') ? [Number(arg('noise'))] : [0.005, 0.01];
  process.stdout.write(`design-bound bench: ${new Date().toISOString()}, node ${process.version}, seeds ${first}..${first + seeds - 1}${arg('space') === 'wide' ? ', wide space' : ''}\n`);
  for (const truth of truths) {
    for (const noise of noises) {
      const spec = syntheticSpec(truth, noise);
      const candidates = buildCandidates(spec, new SpecExpressions(spec));
      const model = precisionAtTruth(spec, candidates) as LinearisedPrecision;
      const bound = new DesignBound(model, candidates);
      const sd = (v: number) => `${(100 * Math.sqrt(v / spec.targets.length)).toFixed(3)}%`;
      process.stdout.write(`\n### truth ${truth}, noise ${noise} (${candidates.length} candidates)\n\n`);
      process.stdout.write('linearised sd of the target log-loss (rms over targets): the bound for any design spending ≤ B (Frank–Wolfe value / certified lower bound), and each design\'s runs (median over seeds)\n\n');
      process.stdout.write(
        `| budget | bound | ${[...GREEDY, ...FIXED].join(' | ')} | best fixed | any design needs ≥ (× B) to match it | the bound's design matches eig with (× B) |\n|---|---|${[...GREEDY, ...FIXED].map(() => '---|').join('')}---|---|---|\n`,
      );
      const perDesign = new Map<DesignName, number[][]>();
      for (const design of [...GREEDY, ...FIXED]) {
        const deterministic = design === 'grid' || design === 'isoflop';
        const count = deterministic ? 1 : seeds;
        // As in the efficiency bench: one sweep per budget level, each told its budget.
        perDesign.set(
          design,
          BUDGETS.map((budget) =>
            Array.from({ length: count }, (_, i) => model.varianceOfSet(simulateSweep({ ...spec, budget }, { design, seed: first + i, checkpoints: [budget] }).checkpoints[0].runs)),
          ),
        );
      }
      BUDGETS.forEach((b, k) => {
        const r = bound.at(b);
        const medians = [...GREEDY, ...FIXED].map((d) => quantile((perDesign.get(d) as number[][])[k], 0.5));
        const fixed = medians.slice(GREEDY.length);
        const best = Math.min(...fixed);
        const bestName = FIXED[fixed.indexOf(best)];
        const phi = bound.shareToMatch(b, best);
        // eig's efficiency: the budget share at which the bound's (relaxed, ideal) design is as precise as eig at B.
        const eigShare = bound.shareToMatch(b, medians[GREEDY.indexOf('eig')]);
        process.stdout.write(`| ${b.toExponential(1)} | ${sd(r.value)} / ${sd(r.lower)} | ${medians.map(sd).join(' | ')} | ${bestName} | ${phi.toFixed(3)} (1/${(1 / phi).toFixed(1)}) | ${eigShare.toFixed(3)} |\n`);
      });
    }
  }
}

if (require.main === module) main();
