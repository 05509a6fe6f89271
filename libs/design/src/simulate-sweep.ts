import type { SweepSpec } from '@lawsweep/contracts';
import { SeededRandom, simulateLoss, trueLoss, type Config, type FitResult, type Observation, type Truth } from '@lawsweep/law';
import type { DesignName } from './design.types';
import { configKey } from './candidates';
import { LawSweepEngine, type SweepEngineOptions } from './sweep-engine';
import { specTruth } from './law-bridge';

/** A whole sweep run in-process against a simulated or replayed trainer (`lawsweep simulate`, the design benchmark). */
export interface SimulateOptions {
  design?: DesignName;
  seed: number;
  /** Budget levels at which the fit and the target predictions are recorded; default: the spec's budget. */
  checkpoints?: number[];
  /** Replay: the measured runs (only their configs may be picked). Required for a replay trainer. */
  replay?: Observation[];
  /** Engine tuning (gain kind, cost rule, fit starts), for benchmarks and tuning runs. */
  engine?: Pick<SweepEngineOptions, 'gain' | 'costRule' | 'fitStarts'>;
  /**
   * What the `oracle` design is told when the trainer knows no truth (replay): for a real pool, a
   * hindsight fit to the whole pool stands in for the true law. Ignored when the trainer has a truth.
   */
  oracle?: { truth: Truth; noise: number };
  /**
   * Go on from runs already made (a sweep whose budget was raised): their configs are never bought
   * again, the first fit sees them, and `spent` counts against the budget. Fresh noise draws follow theirs.
   * They keep their losses (a simulate trainer does not draw them again), and every checkpoint's
   * `runs` and `losses` list them first. As the planner does, the sweep ends before buying anything
   * when their fit already meets the stop rule. `imported`: runs the user had before the sweep (a
   * live sweep's import, spent 0), which stop.maxRuns does not count (it counts the runs a sweep
   * plans); without it they count, as the runs of the sweep they came from.
   */
  start?: { observations: Observation[]; spent: number; imported?: boolean };
}

export interface TargetRecord {
  config: Config;
  loss: number;
  lower: number;
  upper: number;
  truth?: number;
}

export interface CheckpointRecord {
  budget: number;
  spent: number;
  runs: Config[];
  /** The loss each of `runs` reported (simulated or replayed), in the same order. */
  losses: number[];
  params: Record<string, number>;
  targets: TargetRecord[];
}

export interface SeedRecord {
  seed: number;
  checkpoints: CheckpointRecord[];
  /** Why the sweep ended (budget, stop rule, exhausted design). */
  ended: string;
}

export interface SimulateResult {
  design: DesignName;
  seeds: SeedRecord[];
}

interface InFlight {
  config: Config;
  cost: number;
  finishAt: number;
  order: number;
}

/** The simulated trainer: a loss for a config, deterministic under the sweep seed and the run's number. */
function makeTrainer(spec: SweepSpec, options: SimulateOptions): { lossOf: (config: Config, run: number) => number; truthAt?: (config: Config) => number; truth?: Truth; noise?: number } {
  const trainer = spec.trainer;
  if (trainer.type === 'simulate') {
    const truth = specTruth(spec, trainer.truth);
    const truthAt = (c: Config) => trueLoss(truth.law, truth.params, c);
    return {
      truth,
      noise: trainer.noise,
      truthAt,
      lossOf: (config, run) => {
        const rng = new SeededRandom(options.seed * 100_003 + run * 31 + 7);
        return simulateLoss(truth.law, truth.params, config, trainer.noise, rng);
      },
    };
  }
  if (trainer.type === 'replay') {
    if (!options.replay) throw new Error('a replay trainer needs its runs (read trainer.file first)');
    const vars = Object.keys(spec.variables);
    const byKey = new Map(options.replay.map((o) => [configKey(o.config, vars), o.loss]));
    return {
      lossOf: (config) => {
        const loss = byKey.get(configKey(config, vars));
        if (loss === undefined) throw new Error(`replay: config ${JSON.stringify(config)} is not in the pool`);
        return loss;
      },
    };
  }
  throw new Error("simulate needs a 'simulate' or 'replay' trainer (a command trainer runs on workers: use `lawsweep sweep create`)");
}

export function simulateSweep(spec: SweepSpec, options: SimulateOptions): SeedRecord {
  const trainer = makeTrainer(spec, options);
  const engine = new LawSweepEngine(spec, {
    ...options.engine,
    design: options.design ?? spec.design,
    seed: options.seed,
    truth: trainer.truth ?? options.oracle?.truth,
    truthNoise: trainer.truth ? trainer.noise : options.oracle?.noise,
    pool: options.replay ? replayPool(spec, options.replay) : undefined,
  });
  const checkpoints = [...(options.checkpoints ?? [spec.budget])].sort((a, b) => a - b);
  const budget = Math.max(spec.budget, checkpoints[checkpoints.length - 1]);
  const observations: Observation[] = [...(options.start?.observations ?? [])];
  const inFlight: InFlight[] = [];
  const records: CheckpointRecord[] = [];
  let fit: FitResult | undefined = observations.length ? engine.fit(observations) : undefined;
  let spent = options.start?.spent ?? 0;
  let reserved = 0;
  let clock = 0;
  let issued = observations.length;
  // Runs planned, as stop.maxRuns counts them (the planner's `planned`): imports excluded.
  let planned = options.start?.imported ? 0 : observations.length;
  let step = 0;
  let ended = 'budget spent';
  let proposing = true;
  const stopNow = engine.shouldStop(fit);
  if (stopNow.stop) {
    proposing = false;
    ended = stopNow.reason ?? 'stop rule';
  }

  const record = (level: number) =>
    records.push({
      budget: level,
      spent,
      runs: observations.map((o) => o.config),
      losses: observations.map((o) => o.loss),
      params: fit?.params ?? {},
      targets: engine.predictTargets(fit).map((p) => ({
        config: p.config,
        loss: p.loss,
        lower: p.lower,
        upper: p.upper,
        ...(trainer.truthAt ? { truth: trainer.truthAt(p.config) } : lookupTruth(options.replay, p.config, Object.keys(spec.variables))),
      })),
    });

  for (;;) {
    if (proposing && inFlight.length < spec.parallelism) {
      const proposal = engine.propose({
        observations,
        pending: inFlight.map((r) => r.config),
        remainingBudget: budget - spent - reserved,
        k: spec.parallelism - inFlight.length,
        fit,
        step: step++,
        planned,
      });
      for (const run of proposal.runs) {
        reserved += run.cost;
        planned++;
        // Simulated duration proportional to cost: big runs finish last, as on a real cluster.
        inFlight.push({ config: run.config, cost: run.cost, finishAt: clock + run.cost, order: issued++ });
      }
      if (proposal.runs.length === 0 && proposal.exhausted) {
        proposing = false;
        ended = proposal.exhausted;
      }
    }
    if (inFlight.length === 0) break;
    inFlight.sort((a, b) => a.finishAt - b.finishAt || a.order - b.order);
    const done = inFlight.shift() as InFlight;
    clock = done.finishAt;
    while (records.length < checkpoints.length && spent + done.cost > checkpoints[records.length]) record(checkpoints[records.length]);
    reserved -= done.cost;
    spent += done.cost;
    observations.push({ config: done.config, loss: trainer.lossOf(done.config, done.order) });
    fit = engine.fit(observations) ?? fit;
    if (proposing && engine.shouldStop(fit).stop) {
      proposing = false;
      ended = engine.shouldStop(fit).reason ?? 'stop rule';
    }
  }
  while (records.length < checkpoints.length) record(checkpoints[records.length]);
  return { seed: options.seed, checkpoints: records, ended };
}

/** The replay pool the engine may pick from: every measured run except the targets (held out). */
function replayPool(spec: SweepSpec, replay: Observation[]): Config[] {
  const vars = Object.keys(spec.variables);
  const held = new Set(spec.targets.map((t) => configKey(t, vars)));
  return replay.map((o) => o.config).filter((c) => !held.has(configKey(c, vars)));
}

function lookupTruth(replay: Observation[] | undefined, config: Config, vars: string[]): { truth?: number } {
  const key = configKey(config, vars);
  const hit = replay?.find((o) => configKey(o.config, vars) === key);
  return hit ? { truth: hit.loss } : {};
}

/** Several seeds of one design (seed, seed+1, …). */
export function simulateSeeds(spec: SweepSpec, options: Omit<SimulateOptions, 'seed'> & { seeds: number; firstSeed?: number }): SimulateResult {
  const first = options.firstSeed ?? spec.seed;
  const seeds = Array.from({ length: options.seeds }, (_, i) => simulateSweep(spec, { ...options, seed: first + i }));
  return { design: options.design ?? spec.design, seeds };
}
