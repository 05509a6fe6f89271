import { Inject, Injectable, Optional } from '@nestjs/common';
import type { TrainerSpec } from '@lawsweep/contracts';
import { resolveTruth, SeededRandom, simulateLoss, trueLoss, type Truth } from '@lawsweep/law';
import { RunFailure } from '../runs/run-failure';
import { abortableSleep } from './abortable-sleep';
import type { TrainerContext, TrainerOutcome, TrainerRunner } from './trainer.types';

type SimulateSpec = Extract<TrainerSpec, { type: 'simulate' }>;

/** How a simulated run waits: abortableSleep, or a test's stand-in that records what was asked. */
export type SimulateSleep = (ms: number, signal: AbortSignal) => Promise<void>;
/** Injection token of the sleep (optional: the real timer when nothing is provided). */
export const SIMULATE_SLEEP = Symbol('SIMULATE_SLEEP');

/** Progress points a simulated run reports before its final loss. */
const PROGRESS_POINTS = 4;

/** FNV-1a: a stable seed from the run id when the job carries none. */
function seedFrom(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * The `simulate` trainer: a known law plus noise (libs/law simulateLoss), reproducible under the
 * job's seed. Its time model makes a demo look like a cluster: a run takes
 * min(maxSeconds, cost x secondsPerCost) seconds, with a few synthetic progress points on the way
 * (the noiseless law at a fraction of the tokens, when the config has D).
 */
@Injectable()
export class SimulateTrainerRunner implements TrainerRunner<SimulateSpec> {
  readonly type = 'simulate' as const;

  constructor(@Optional() @Inject(SIMULATE_SLEEP) private readonly sleep: SimulateSleep = abortableSleep) {}

  async run(spec: SimulateSpec, ctx: TrainerContext): Promise<TrainerOutcome> {
    const { config, cost, runId, seed } = ctx.job;
    let truth: Truth;
    try {
      // A run's config holds every variable of the sweep, which an expression truth is over.
      truth = resolveTruth(spec.truth, Object.keys(config));
    } catch (err) {
      throw new RunFailure(`trainer.truth: ${(err as Error).message}`, false);
    }
    let loss: number;
    try {
      loss = simulateLoss(truth.law, truth.params, config, spec.noise, new SeededRandom(seed ?? seedFrom(runId)));
    } catch (err) {
      throw new RunFailure(`simulate: ${(err as Error).message}`, false);
    }
    const seconds = Math.min(spec.maxSeconds, cost * spec.secondsPerCost);
    if (seconds > 0) {
      const step = (seconds * 1000) / (PROGRESS_POINTS + 1);
      for (let k = 1; k <= PROGRESS_POINTS; k++) {
        await this.sleep(step, ctx.signal);
        const fraction = k / (PROGRESS_POINTS + 1);
        const partial = config.D !== undefined ? trueLoss(truth.law, truth.params, { ...config, D: config.D * fraction }) : loss * (1 + 0.5 * (1 - fraction));
        ctx.onProgress({ ...(config.D !== undefined ? { tokens: config.D * fraction } : {}), step: k, loss: partial });
      }
      await this.sleep(step, ctx.signal);
    }
    if (!Number.isFinite(loss) || loss <= 0) throw new RunFailure(`simulate: the law gives a non-finite or non-positive loss (${loss}) at this config`, false);
    ctx.onProgress({ ...(config.D !== undefined ? { tokens: config.D } : {}), step: PROGRESS_POINTS + 1, loss });
    return { loss };
  }
}
