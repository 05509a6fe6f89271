import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DEFAULT_POOL } from '@lawsweep/contracts';
import { SweepStore } from '@lawsweep/store';
import { PlannerConfig } from '../config/planner-config';
import { SweepCachesService } from '../sweeps/sweep-caches.service';
import { PlanningLoopService } from './planning-loop.service';
import { ReconcilerHousekeepingService } from './reconciler-housekeeping.service';
import { RunReconcilerService } from './run-reconciler.service';

/**
 * On start and every LAWSWEEP_RECONCILE_MS: each sweep's runs in flight are compared with their
 * jobs (RunReconcilerService: results recorded whose event was missed, lost runs failed or
 * enqueued again), then ReconcilerHousekeepingService tidies (recorded jobs, gone workers' adverts,
 * stranded webhook messages). What this replica keeps in memory of sweeps gone from the store
 * (deleted through another replica) is dropped first, and the planning state of ended ones.
 */
@Injectable()
export class ReconcilerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReconcilerService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly store: SweepStore,
    private readonly runs: RunReconcilerService,
    private readonly housekeeping: ReconcilerHousekeepingService,
    private readonly loop: PlanningLoopService,
    private readonly caches: SweepCachesService,
    private readonly config: PlannerConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.reconcileAll(), this.config.reconcileMs);
    this.timer.unref();
    void this.reconcileAll();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Returns how many runs were failed or marked running. */
  reconcileAll(now = Date.now()): Promise<number> {
    this.running ??= (async () => {
      let changed = 0;
      const passStart = Date.now();
      try {
        const pools = new Set<string>();
        const sweeps = await this.store.listSweeps();
        // First: an error reconciling some sweep ends the pass, and must not keep deleted sweeps in memory.
        const gone = await this.caches.forgetGone(sweeps.map((s) => s.id));
        if (gone.length > 0) this.logger.log(`dropped what this planner kept of deleted sweep(s) ${gone.join(', ')}`);
        this.caches.forgetEnded(sweeps);
        for (const sweep of sweeps) {
          pools.add(sweep.spec.pool ?? DEFAULT_POOL);
          if (sweep.runs.queued + sweep.runs.running === 0) continue;
          const n = await this.runs.reconcileSweep(sweep, now);
          if (n > 0) void this.loop.schedule(sweep.id);
          changed += n;
        }
        await this.housekeeping.afterPass(pools, passStart, now);
      } catch (err) {
        this.logger.warn(`reconcile failed: ${(err as Error).message}`);
      } finally {
        this.running = undefined;
      }
      return changed;
    })();
    return this.running;
  }
}
