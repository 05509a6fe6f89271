import { parseSweepSpec } from '@lawsweep/contracts';
import { resolveTruth, simulateLoss, SeededRandom, type Observation } from '@lawsweep/law';
import { quantile, type createSweepEngine as Create } from '@lawsweep/design';
import { performance } from 'node:perf_hooks';

/** Proposing a batch of 8 from ~2,000 candidates with 4 runs pending, given a fit (the planner's hot path). */
export function speedBench(createSweepEngine: typeof Create): string {
  const parsed = parseSweepSpec({
    name: 'speed',
    law: 'chinchilla',
    variables: { N: { min: 1e7, max: 1e10, steps: 40 }, D: { min: 1e8, max: 1e12, steps: 50 } },
    cost: '6 * N * D',
    budget: 1e23,
    targets: [{ N: 7e10, D: 1.4e12 }],
    trainer: { type: 'simulate' },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const engine = createSweepEngine(parsed.spec, { design: 'eig', seed: 0 });
  const truth = resolveTruth('chinchilla');
  const rng = new SeededRandom(1);
  const all = engine.candidates();
  const observations: Observation[] = Array.from({ length: 24 }, (_, i) => {
    const c = all[(i * 83) % all.length].config;
    return { config: c, loss: simulateLoss(truth.law, truth.params, c, 0.005, rng) };
  });
  const pending = [all[5].config, all[500].config, all[1000].config, all[1500].config];
  const t0 = performance.now();
  const fit = engine.fit(observations);
  const fitMs = performance.now() - t0;
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    engine.propose({ observations, pending, remainingBudget: 1e23, k: 8, fit, step: i });
    times.push(performance.now() - t);
  }
  return [
    `candidates: ${all.length}; refit of 24 runs (warm-start set): ${fitMs.toFixed(1)} ms`,
    `propose 8 with 4 pending (30 calls): median ${quantile(times, 0.5).toFixed(1)} ms, p90 ${quantile(times, 0.9).toFixed(1)} ms (goal < 50 ms)`,
  ].join('\n');
}
