import { Injectable, Logger } from '@nestjs/common';
import { DEFAULT_POOL, FAILING_RUNS_WARNING, runQueueName, SECRET_IN_SPEC_WARNING, secretLikeEnvKeys, secretLikeEnvText, type StopCause } from '@lawsweep/contracts';
import type { SweepEngine } from '@lawsweep/design';
import type { Config, FitResult } from '@lawsweep/law';
import { configKey, SweepStore, type ObservationRecord, type SweepRecord, type SweepWarning } from '@lawsweep/store';
import { MetricsService } from '../metrics/metrics.service';
import { exceedCapacityText } from './capacity-filter';
import { EngineCacheService } from './engine-cache.service';
import { ENQUEUE_FAILED_REPLAN_MS } from './enqueue-retry';
import { failingRunsWarning, pauseAfterFailures, shouldPauseForFailures } from './failure-breaker';
import { fitSummary } from './fit-summary';
import { RunDispatchService } from './run-dispatch.service';
import { causeOfExhaustedDesign } from './stop-causes';
import { SweepTransitionsService } from './sweep-transitions.service';

/** What a refit read and produced; the plan of the same pass reuses the observations. */
interface RefitOutcome {
  fit?: FitResult;
  observations?: ObservationRecord[];
  /** The refit was held back by the refit spacing: it is due in this many ms. */
  refitDueInMs?: number;
}

/** A sweep held back because Redis is near its maxmemory is planned again this soon (the memory read is reused for 2 s). */
const REDIS_FULL_REPLAN_MS = 5_000;

export interface PlanOutcome {
  enqueued: string[];
  /** Set when this step ended the sweep (done or failed). */
  finished?: string;
  /** Results arrived that the fit has not seen yet (refit spacing): plan again in this many ms. */
  replanInMs?: number;
}

/**
 * One planning step for one sweep: refit if results arrived, check the stop rules, ask the design
 * engine for enough runs to keep `parallelism` in flight, reserve each run's cost and enqueue it
 * (RunDispatchService).
 * Called by PlanningLoopService under the sweep's lock; everything it reads comes from the store,
 * so a fresh planner (after a restart) takes the same decision.
 */
@Injectable()
export class SweepPlannerService {
  private readonly logger = new Logger(SweepPlannerService.name);
  /**
   * configKey per config object: every plan pass tests every candidate of the (cached) engine
   * against the known configs, and building 10,000 keys a pass was ~5% of the planner's CPU in
   * bench/load.bench.ts. Keyed by identity, so a config object that is not an engine's candidate
   * just gets its key computed once and dropped with it.
   */
  private readonly keys = new WeakMap<Config, string>();

  constructor(
    private readonly store: SweepStore,
    private readonly engines: EngineCacheService,
    private readonly metrics: MetricsService,
    private readonly dispatch: RunDispatchService,
    private readonly transitions: SweepTransitionsService,
  ) {}

  async planOnce(sweepId: string): Promise<PlanOutcome> {
    const sweep = await this.store.getSweep(sweepId);
    if (!sweep) return { enqueued: [] };
    let engine: SweepEngine;
    try {
      engine = this.engines.engine(sweep);
    } catch (err) {
      const reason = `cannot build the design engine: ${(err as Error).message}`;
      await this.transitions.moveAndNotify(sweepId, ['running', 'paused'], { state: 'failed', reason, cause: 'engineFailed' });
      return { enqueued: [], finished: reason };
    }
    const refit = await this.refitIfNeeded(sweep, engine);
    if (sweep.state !== 'running') {
      // A finished sweep with nothing in flight needs no engine until someone reads its frontier.
      if (sweep.runs.queued + sweep.runs.running === 0 && sweep.state !== 'paused') this.engines.forget(sweep.id);
      return { enqueued: [] };
    }

    const started = process.hrtime.bigint();
    try {
      const outcome = await this.plan(sweep, engine, refit);
      return refit.refitDueInMs === undefined || outcome.finished ? outcome : { ...outcome, replanInMs: refit.refitDueInMs };
    } finally {
      this.metrics.planDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /**
   * Refits when the store's version moved since the last fit, and stores the summary for reads.
   * While runs are in flight, at most once per `refitSpacing` durations of the last fit (a flood
   * of results then costs a bounded share of a core in fits; see LAWSWEEP_REFIT_SPACING): the
   * engine cache says whether its fit is still usable (usableFit).
   */
  private async refitIfNeeded(sweep: SweepRecord, engine: SweepEngine): Promise<RefitOutcome> {
    const usable = this.engines.usableFit(sweep);
    if (usable) return usable;
    const observations = await this.engines.observations(sweep.id);
    if (observations.length === 0) {
      this.engines.rememberFit(sweep.id, sweep.version, undefined);
      return { observations };
    }
    const startedAt = Date.now();
    const t0 = performance.now();
    let fit: FitResult | undefined;
    try {
      fit = engine.fit(observations);
    } catch (err) {
      this.logger.warn(`sweep ${sweep.id}: fit failed: ${(err as Error).message}`);
    }
    const ms = performance.now() - t0;
    // Labelled by the spec's law (`expression` for a formula: a fit names the whole of it), one series per law.
    this.metrics.observeFit(sweep.spec.law, ms / 1000);
    this.engines.rememberFit(sweep.id, sweep.version, fit, startedAt, ms);
    if (fit) {
      const predictions = engine.predictTargets(fit);
      const summary = fitSummary(fit, predictions, ms, engine.fitWarnings(fit, observations));
      await this.store.saveFit(sweep.id, summary, {
        at: Date.now(),
        spent: sweep.spent,
        n: fit.n,
        targets: predictions.map((p) => ({ loss: p.loss, lower: p.lower, upper: p.upper })),
      });
    }
    return { fit, observations };
  }

  private configKey(c: Config): string {
    let key = this.keys.get(c);
    if (key === undefined) this.keys.set(c, (key = configKey(c)));
    return key;
  }

  private async plan(sweep: SweepRecord, engine: SweepEngine, refit: RefitOutcome): Promise<PlanOutcome> {
    const { spec } = sweep;
    const { fit } = refit;
    if (shouldPauseForFailures(sweep.failStreak, pauseAfterFailures(spec))) return this.pauseForFailures(sweep);
    const active = await this.engines.activeRunConfigs(sweep.id);

    const stop = fit ? engine.shouldStop(fit) : { stop: false };
    if (stop.stop) return this.finish(sweep, stop.reason ?? 'the target interval is narrower than asked', 'interval');
    if (sweep.maxRuns > 0 && sweep.planned >= sweep.maxRuns) {
      return active.length === 0 ? this.finish(sweep, `maxRuns (${sweep.maxRuns}) reached`, 'maxRuns') : { enqueued: [] };
    }
    const k = spec.parallelism - active.length;
    if (k <= 0) {
      // No slot free, but an update (budget, space) made the last count of what is left stale: count again.
      if (sweep.untried?.specRevision !== sweep.specRevision) {
        const known = await this.engines.knownConfigKeys(sweep.id);
        await this.store.setWarnings(sweep.id, sweep.warnings, this.untried(sweep, engine.candidates(), known, sweep.budget - sweep.spent - sweep.reserved));
      }
      return { enqueued: [] };
    }

    const pool = spec.pool ?? DEFAULT_POOL;
    const warnings: SweepWarning[] = [];
    const { live, holds: holdable, limited } = await this.dispatch.capacityOf(pool);
    if (live.length === 0) {
      warnings.push({ code: 'no-live-workers', message: `no live worker in pool '${pool}': runs wait on queue ${runQueueName(pool)} until one starts` });
    }
    const secrets = secretLikeEnvKeys(spec.trainer);
    if (secrets.length > 0) warnings.push({ code: SECRET_IN_SPEC_WARNING, message: secretLikeEnvText(secrets) });
    // Redis near its maxmemory: nothing more is bought (the runs in flight need the room to report).
    const full = await this.dispatch.redisTooFull();
    if (full) {
      await this.store.setWarnings(sweep.id, [...warnings, full]);
      return { enqueued: [], replanInMs: REDIS_FULL_REPLAN_MS };
    }
    const candidates = engine.candidates();
    const tooBig = limited ? candidates.filter((c) => !holdable(c.config)) : [];
    if (tooBig.length > 0) {
      warnings.push({
        code: 'unschedulable',
        message: `${exceedCapacityText(tooBig.length, candidates.length, pool, live)}; they are not planned until a worker that can hold them joins`,
      });
    }
    const known = await this.engines.knownConfigKeys(sweep.id);
    const accept = (c: Config) => !known.has(this.configKey(c)) && holdable(c);
    // The refit of this pass read them already (the same list the fit saw); otherwise only the new
    // tail is read.
    const observations = refit.observations ?? (await this.engines.observations(sweep.id));
    const remaining = sweep.budget - sweep.spent - sweep.reserved;
    const proposal = engine.propose({
      observations,
      pending: active,
      remainingBudget: remaining,
      k,
      fit,
      step: sweep.planned,
      accept,
      planned: sweep.planned,
    });

    const wanted = proposal.runs.filter((run) => accept(run.config)); // an engine that ignores `accept` still cannot buy these
    const { enqueued, reservedCost, stopped, enqueueFailed } = await this.dispatch.reserveAndEnqueue(sweep, pool, wanted, k, (c) => known.add(this.configKey(c)));
    const untried = this.untried(sweep, candidates, known, remaining - reservedCost);
    await this.store.setWarnings(sweep.id, warnings, untried);
    // The sweep's state moved under this pass (a pause, a cancel, maxRuns by another replica): what it
    // did not buy says nothing about what is left to buy. Plan again from the state as it is now; a
    // pass that went on to end the sweep would end one the user had paused and resumed meanwhile.
    if (stopped) return { enqueued, replanInMs: 0 };
    // Nor does a wave Redis would not take: the runs in flight counted above are stale (its runs are
    // reserved), and ending here once ended a sweep 'no useful run left to buy' mid-outage. Plan again
    // a little later.
    if (enqueueFailed) return { enqueued, replanInMs: ENQUEUE_FAILED_REPLAN_MS };

    if (enqueued.length === 0 && active.length === 0) {
      const cheapest = candidates.reduce((m, c) => Math.min(m, c.cost), Infinity); // up to 200,000: no spread
      if (proposal.exhausted) return this.finish(sweep, proposal.exhausted, causeOfExhaustedDesign(proposal.exhausted));
      if (!(cheapest <= remaining)) return this.finish(sweep, 'budget exhausted: no candidate run fits in what is left', 'budget');
      if (tooBig.length > 0) return { enqueued }; // wait for a bigger worker (warning shown)
      // Every config the budget still pays for was tried already: failed runs are not retried.
      if (!candidates.some((c) => c.cost <= remaining && accept(c.config))) {
        return this.finish(sweep, `every candidate config the budget still pays for was tried (a failed run's config is not retried: see the runs' reasons)`, 'candidatesTried');
      }
      return this.finish(sweep, 'no useful run left to buy', 'noUsefulRun');
    }
    return { enqueued };
  }

  /**
   * What the sweep can still buy, for its time left (SweepRecord.untried): the untried candidates
   * the budget `left` still pays for (it only shrinks, so later runs are among them), those no live
   * worker can hold yet included (the sweep waits for one rather than ending without them).
   */
  private untried(sweep: SweepRecord, candidates: readonly { config: Config; cost: number }[], known: Set<string>, left: number): { cost: number; count: number; specRevision: number } {
    const untried = { cost: 0, count: 0, specRevision: sweep.specRevision };
    for (const c of candidates) {
      if (c.cost <= left && !known.has(this.configKey(c.config))) {
        untried.cost += c.cost;
        untried.count++;
      }
    }
    return untried;
  }

  /** The circuit breaker (failure-breaker.ts): pauses the sweep, saying why; runs in flight go on. */
  private async pauseForFailures(sweep: SweepRecord): Promise<PlanOutcome> {
    const [reasons, workers] = await Promise.all([this.store.failureStreakReasons(sweep.id), this.store.failureStreakWorkers(sweep.id)]);
    const warning = failingRunsWarning(sweep.id, sweep.failStreak, reasons, workers);
    if ((await this.transitions.moveAndNotify(sweep.id, ['running'], { state: 'paused', reason: warning.message, cause: 'breaker' })) !== 'ok') return { enqueued: [] };
    await this.store.setWarnings(sweep.id, [...sweep.warnings.filter((w) => w.code !== FAILING_RUNS_WARNING), warning]);
    this.metrics.sweepPauses.inc({ cause: FAILING_RUNS_WARNING });
    this.logger.warn(`sweep ${sweep.id} ${warning.message}`);
    return { enqueued: [] };
  }

  /** Ends the sweep (done, or failed when no run succeeded) for `cause`, said as `reason`. */
  private async finish(sweep: SweepRecord, reason: string, cause: StopCause): Promise<PlanOutcome> {
    // Counts as they are now, not as the pass began: a result recorded meanwhile (the pass reads the
    // in-flight set later than the sweep) would otherwise leave a sweep with nothing done 'done'.
    const runs = (await this.store.getSweep(sweep.id))?.runs ?? sweep.runs;
    const done = runs.done > 0 || runs.queued + runs.running > 0;
    // Only if the spec is the one this pass planned with: an update that landed meanwhile (more
    // budget, a higher maxRuns) would otherwise be lost to a decision made without it.
    const why = done ? reason : `${reason}; no run succeeded`;
    const outcome = await this.transitions.moveAndNotify(sweep.id, ['running'], { state: done ? 'done' : 'failed', reason: why, cause }, sweep.specRevision);
    if (outcome === 'revision') return { enqueued: [], replanInMs: 0 };
    if (outcome === 'ok') this.logger.log(`sweep ${sweep.id} ${done ? 'done' : 'failed'}: ${reason}`);
    return { enqueued: [], finished: reason };
  }
}
