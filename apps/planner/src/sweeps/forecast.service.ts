import { BadRequestException, ConflictException, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { searchBudgetForInterval, type Forecast } from '@lawsweep/design';
import type { Config, FitResult } from '@lawsweep/law';
import { DEFAULT_POOL } from '@lawsweep/contracts';
import { configKey, type SweepRecord } from '@lawsweep/store';
import { CapacityFilter, exceedCapacityText } from '../planning/capacity-filter';
import { EngineCacheService } from '../planning/engine-cache.service';
import { WorkerRegistryService } from '../workers/worker-registry.service';

/** Budgets one forecast request may ask about (each plans a whole sweep's remainder). */
export const MAX_FORECAST_BUDGETS = 5;
/**
 * Wall-clock limit of one forecast request: it computes on the planner's event loop, between plan
 * passes, so it is cut short (and says so) rather than hold planning, /health and lock renewals up.
 */
export const FORECAST_TIME_LIMIT_MS = 3_000;
/**
 * Runs per planning step of a forecast. The fit does not change within a forecast, and a step's
 * greedy batch conditions each pick on the ones before it, so larger steps plan (nearly) the same
 * runs as the sweep's own steps of `parallelism`, in fewer passes.
 */
const FORECAST_BATCH = 32;
/** Sweeps whose forecast fit is kept. */
const KEPT_FITS = 16;

/**
 * Candidates no live worker of the sweep's pool can hold: the planner does not plan them until a
 * worker that can joins, so neither does the forecast (present only when some are left out).
 */
export interface CapacityView {
  pool: string;
  /** Candidate configs left out, of all the design's candidates. */
  excluded: number;
  candidates: number;
  message: string;
}

export interface IntervalBudgetView {
  /** The widest target's 90% half-width asked for (relative). */
  interval: number;
  /** Whether a budget (up to 10^6× what is committed) is forecast to get there. */
  reachable: boolean;
  /** The least total budget forecast to get there (within 5%), or the largest tried. */
  budgetNeeded: number;
  reason?: string;
  forecast: ForecastView;
  capacity?: CapacityView;
}

export interface ForecastView {
  budget: number;
  /** Runs the design would buy with the budget beyond what is spent and reserved, and their cost. */
  runs: number;
  cost: number;
  /** Whether a larger budget would buy more runs (false: the candidates or stop rules ran out first, see stoppedBecause). */
  budgetBound: boolean;
  /** Planning was cut short (time limit or step cap): the runs and interval are for less than the budget. */
  truncated?: boolean;
  stoppedBecause?: string;
  targets: { config: Record<string, number>; loss: number; halfWidthNow: number; halfWidthAfter: number }[];
}

/**
 * "What would raising the budget to B buy?" (GET /sweeps/:id/forecast?budget=B): the sweep's own
 * design engine, built with the budget B, plans the rest of the sweep from its runs (in flight ones
 * included) without spending anything, and the posterior of the current fit conditioned on those runs
 * gives each target's interval after them (libs/design LawSweepEngine.forecast).
 */
@Injectable()
export class ForecastService {
  /** Fits made for forecasts, per sweep and store version, the newest KEPT_FITS sweeps'. */
  private readonly fits = new Map<string, { version: number; fit: FitResult | undefined }>();
  /** Sweeps with a forecast being computed: one at a time per sweep (a second asks again later). */
  private readonly busy = new Set<string>();

  /** Which configs some live worker can hold (its own memo: the planner's is per plan pass's pool). */
  private readonly capacity = new CapacityFilter();

  constructor(
    private readonly engines: EngineCacheService,
    private readonly workers: WorkerRegistryService,
  ) {}

  /** Drops the fit kept for a sweep's forecasts (the sweep was deleted). */
  forget(sweepId: string): void {
    this.fits.delete(sweepId);
  }

  /** The sweeps a forecast fit is kept for. */
  sweepIds(): string[] {
    return [...this.fits.keys()];
  }

  /** Runs `work` unless a forecast of this sweep is already being computed (429 then). */
  private async once<T>(sweepId: string, work: () => Promise<T>): Promise<T> {
    if (this.busy.has(sweepId)) {
      throw new HttpException({ statusCode: 429, message: `a forecast of sweep ${sweepId} is being computed; ask again when it has answered` }, HttpStatus.TOO_MANY_REQUESTS);
    }
    this.busy.add(sweepId);
    try {
      return await work();
    } finally {
      this.busy.delete(sweepId);
    }
  }

  async forecast(sweep: SweepRecord, budgets: number[]): Promise<{ forecasts: ForecastView[]; capacity?: CapacityView }> {
    const committed = sweep.spent + sweep.reserved;
    const below = budgets.filter((b) => b < committed * (1 - 1e-12));
    if (below.length) {
      throw new BadRequestException({
        statusCode: 400,
        message: 'invalid request',
        errors: [{ path: 'budget', message: `${below.join(', ')} is below what the sweep has spent and reserved (${committed.toPrecision(4)}): a forecast asks about a total budget at least that` }],
      });
    }
    return this.once(sweep.id, async () => {
      const { at, capacity } = await this.forecaster(sweep);
      return { forecasts: budgets.map((budget) => view(budget, at(budget))), ...(capacity ? { capacity } : {}) };
    });
  }

  /** The least total budget forecast to bring every target within ±interval (libs/design searchBudgetForInterval). */
  async budgetForInterval(sweep: SweepRecord, interval: number): Promise<IntervalBudgetView> {
    return this.once(sweep.id, async () => {
      const { at: forecastAt, capacity } = await this.forecaster(sweep);
      const engine = this.engines.engine(sweep);
      const cheapest = engine.candidates().reduce((m, c) => Math.min(m, c.cost), Infinity);
      const found = searchBudgetForInterval(interval, sweep.spent + sweep.reserved, forecastAt, { scale: Math.max(sweep.budget, Number.isFinite(cheapest) ? cheapest : 0) });
      return { interval, reachable: found.reachable, budgetNeeded: found.budget, ...(found.reason ? { reason: found.reason } : {}), forecast: view(found.budget, found.forecast), ...(capacity ? { capacity } : {}) };
    });
  }

  /**
   * A forecast at any total budget, from the sweep as it is now (its runs, those in flight, its
   * current fit, the workers live in its pool), and which candidates the workers leave out.
   */
  private async forecaster(sweep: SweepRecord): Promise<{ at: (budget: number) => Forecast; capacity?: CapacityView }> {
    const committed = sweep.spent + sweep.reserved;
    const observations = await this.engines.observations(sweep.id);
    // The planner's fit of this version if it has one; else one fitted here and kept for the next
    // forecast, apart from the planner's cache (a plan pass that found it there would not store its
    // fit summary for this version).
    let fit = this.engines.cachedFit(sweep.id, sweep.version)?.fit;
    const own = this.fits.get(sweep.id);
    if (!fit && own?.version === sweep.version) fit = own.fit;
    if (!fit) {
      fit = this.engines.engine(sweep).fit(observations);
      this.fits.delete(sweep.id);
      this.fits.set(sweep.id, { version: sweep.version, fit });
      if (this.fits.size > KEPT_FITS) this.fits.delete(this.fits.keys().next().value as string);
    }
    if (!fit) {
      throw new ConflictException({ statusCode: 409, message: `sweep ${sweep.id} has no fit yet (${observations.length} runs with results): a forecast starts from the fitted law` });
    }
    const pending = await this.engines.activeRunConfigs(sweep.id);
    const known = await this.engines.knownConfigKeys(sweep.id);
    const deadline = Date.now() + FORECAST_TIME_LIMIT_MS;
    const keys = new Map<Config, string>();
    // As the planner plans: only configs some live worker of the pool can hold (with no live
    // worker, none is left out: runs wait on the queue, and the sweep's warnings say so).
    const pool = sweep.spec.pool ?? DEFAULT_POOL;
    const live = await this.workers.live(pool);
    const { holds, limited } = this.capacity.forPool(pool, live);
    const accept = (c: Config) => {
      let key = keys.get(c);
      if (key === undefined) keys.set(c, (key = configKey(c)));
      return !known.has(key) && holds(c);
    };
    const at = (budget: number) =>
      this.engines
        .buildEngine({ ...sweep.spec, budget })
        .forecast({ observations, pending, fit, extraBudget: budget - committed, k: FORECAST_BATCH, step: sweep.planned, accept, planned: sweep.planned, deadline });
    if (!limited) return { at };
    const candidates = this.engines.engine(sweep).candidates();
    const excluded = candidates.filter((c) => !holds(c.config)).length;
    if (excluded === 0) return { at };
    const message = `${exceedCapacityText(excluded, candidates.length, pool, live)}: the forecast plans without them, as the sweep does until a worker that can hold them joins`;
    return { at, capacity: { pool, excluded, candidates: candidates.length, message } };
  }
}

function view(budget: number, f: Forecast): ForecastView {
  return {
    budget,
    runs: f.runs.length,
    cost: f.cost,
    budgetBound: f.budgetBound,
    ...(f.truncated ? { truncated: true } : {}),
    ...(f.stoppedBecause ? { stoppedBecause: f.stoppedBecause } : {}),
    targets: f.targets.map((t) => ({ config: t.config, loss: t.now.loss, halfWidthNow: t.halfWidthNow, halfWidthAfter: t.halfWidthAfter })),
  };
}
