import { Injectable } from '@nestjs/common';
import { FINAL_SWEEP_STATES, SweepStore, type SweepRecord } from '@lawsweep/store';
import { MetricsService } from '../metrics/metrics.service';
import { EngineCacheService } from '../planning/engine-cache.service';
import { PlanningLoopService } from '../planning/planning-loop.service';
import { ForecastService } from './forecast.service';
import { TimeLeftReader } from './time-left';

/**
 * What this planner replica keeps in memory per sweep, dropped together: the design engine, fits,
 * observations, config keys and runs in flight (EngineCacheService), the forecasts' fits, the last
 * pick's gain series, the time-left window, and the planning loop's unplanned result time and
 * catch-up pass. The replica that deletes a sweep drops them at once (SweepDeletionService); every
 * replica drops those of sweeps gone from the store at its reconcile pass (forgetGone), or one that
 * never served a DELETE would keep every sweep deleted through another until it restarts.
 */
@Injectable()
export class SweepCachesService {
  constructor(
    private readonly store: SweepStore,
    private readonly engines: EngineCacheService,
    private readonly forecasts: ForecastService,
    private readonly metrics: MetricsService,
    private readonly timeLeft: TimeLeftReader,
    private readonly loop: PlanningLoopService,
  ) {}

  /** The sweeps this replica keeps anything of. */
  sweepIds(): Set<string> {
    return new Set([...this.engines.sweepIds(), ...this.forecasts.sweepIds(), ...this.metrics.sweepIds(), ...this.timeLeft.sweepIds(), ...this.loop.sweepIds()]);
  }

  forget(sweepId: string): void {
    this.engines.forget(sweepId);
    this.forecasts.forget(sweepId);
    this.metrics.forgetSweep(sweepId);
    this.timeLeft.forget(sweepId);
    this.loop.forget(sweepId);
  }

  /**
   * Forgets the planning state (engine, fits, observations, config keys, time-left window, loop
   * timers) of the sweeps among `listed` that have ended with nothing in flight. The replica that
   * plans a sweep's last pass drops its engine then; one that planned only earlier passes would
   * keep it (up to 200,000 candidates a sweep) for every sweep it ever helped plan. The forecasts'
   * fits stay: reads of an ended sweep's forecast use them. A sweep reopened by an update is
   * running again, and its next plan pass builds its engine anew. Answers the sweeps forgotten.
   */
  forgetEnded(listed: readonly SweepRecord[]): string[] {
    const held = new Set([...this.engines.sweepIds(), ...this.timeLeft.sweepIds(), ...this.loop.sweepIds()]);
    const ended = listed.filter((s) => held.has(s.id) && FINAL_SWEEP_STATES.includes(s.state) && s.runs.queued + s.runs.running === 0).map((s) => s.id);
    for (const id of ended) {
      this.engines.forget(id);
      this.timeLeft.forget(id);
      this.loop.forget(id);
    }
    return ended;
  }

  /**
   * Forgets the sweeps kept here that are not among `listed` (every sweep, as a listing read just
   * before) and that the store confirms gone (deleted, or being deleted). Not being listed is not
   * enough: a sweep created after the listing was read is not in it, yet may have built state here
   * already. Answers the sweeps forgotten.
   */
  async forgetGone(listed: Iterable<string>): Promise<string[]> {
    const known = new Set(listed);
    const unlisted = [...this.sweepIds()].filter((id) => !known.has(id));
    const gone: string[] = [];
    // Sweep ids are never reused: one confirmed gone cannot build state here again (but a read that
    // began before its deletion may still leave some, which the next pass drops).
    for (const id of unlisted) if (!(await this.store.getSweep(id))) gone.push(id);
    for (const id of gone) this.forget(id);
    return gone;
  }
}
