import { randomBytes } from 'node:crypto';
import { ConflictException, Injectable, Logger, NotFoundException, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { cancelKey, DEFAULT_POOL } from '@lawsweep/contracts';
import { PlanLock, SweepDeletionStore } from '@lawsweep/store';
import { PlannerConfig } from '../config/planner-config';
import { SweepCachesService } from './sweep-caches.service';
import { SweepJobsService } from './sweep-jobs.service';

/**
 * How long DELETE /sweeps/:id waits for the deletion before it answers 202 and lets it go on here:
 * a sweep of a few thousand runs is gone well within it (200); one of 50,000 takes longer than an
 * HTTP client should wait.
 */
export const DELETE_WAIT_MS = 5_000;
/** How often a planner looks for deletions a stopped planner left unfinished. */
const RESUME_EVERY_MS = 30_000;

/** What DELETE /sweeps/:id answers: `deleted` (200), or not yet and going on in the planner (202). */
export interface DeletionAnswer {
  id: string;
  deleted: boolean;
  /** Runs (record, curve, queue jobs) removed so far by this deletion. */
  runs: number;
  /** Runs still to remove (0 once deleted). */
  runsLeft: number;
}

interface Deletion {
  /** Runs the sweep had left when this deletion started, and how many it removed once done. */
  total: number;
  runs: number;
  done: Promise<void>;
}

/** Thrown between chunks when the planner stops: the deletion is left for the next planner. */
class PlannerStopping extends Error {}

/**
 * Deletes a sweep that has ended, and everything of it: its keys in Redis (SweepDeletionStore: marked first,
 * then its runs a chunk at a time, its record last), its jobs left in the run and results queues (a
 * chunk's jobs before the chunk's runs: the run ids are how they are found) and in the notify queue
 * (SweepJobsService: a job a worker holds is removed once it lets go), and what this planner
 * keeps of it in memory (SweepCachesService; other replicas drop theirs at their reconcile pass). A deletion longer than DELETE_WAIT_MS goes on in the background; one that a
 * stopped or killed planner left unfinished is found (the store's set of sweeps being deleted) and
 * finished by a planner on start and every RESUME_EVERY_MS.
 */
@Injectable()
export class SweepDeletionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SweepDeletionService.name);
  private readonly deletions = new Map<string, Deletion>();
  private timer?: NodeJS.Timeout;
  private stopping = false;

  constructor(
    private readonly store: SweepDeletionStore,
    private readonly planLock: PlanLock,
    private readonly jobs: SweepJobsService,
    private readonly caches: SweepCachesService,
    private readonly config: PlannerConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.resumeUnfinished(), Math.min(RESUME_EVERY_MS, Math.max(this.config.reconcileMs, 1_000)));
    this.timer.unref();
    void this.resumeUnfinished();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.deletions.values()].map((d) => d.done));
  }

  /**
   * Deletes an ended sweep (404 unknown; 409 running or paused, or with runs still in flight), waiting
   * up to `waitMs` for the end. A sweep already being deleted goes on (idempotent).
   */
  async delete(id: string, waitMs = DELETE_WAIT_MS): Promise<DeletionAnswer> {
    const begun = await this.begin(id);
    if (begun === 'missing') throw new NotFoundException({ statusCode: 404, message: `no sweep with id '${id}' (GET /sweeps lists them)` });
    if (begun.startsWith('inflight:')) {
      const n = begun.slice('inflight:'.length);
      throw new ConflictException({
        statusCode: 409,
        message: `sweep ${id} has ${n} run(s) still in flight: delete it once none is (a cancelled sweep's runs stop within seconds; the planner fails lost ones after a grace period)`,
      });
    }
    if (begun !== 'ok') throw new ConflictException({ statusCode: 409, message: `sweep ${id} is ${begun}: only a sweep that has ended (done, cancelled, failed) can be deleted; cancel it first (lawsweep sweep cancel ${id})` });
    const deletion = this.run(id);
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([deletion.done.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), waitMs)))]).finally(() => clearTimeout(timer));
    if (finished) return { id, deleted: true, runs: deletion.runs, runsLeft: 0 };
    const runsLeft = await this.store.runsLeftToDelete(id);
    return { id, deleted: false, runs: Math.max(0, deletion.total - runsLeft), runsLeft };
  }

  /**
   * Goes on with deletions begun and not finished (a planner stopped midway), one at a time, and
   * removes the queue jobs of deleted sweeps that a worker held when their deletion tried (SweepJobsService).
   */
  async resumeUnfinished(): Promise<void> {
    if (this.stopping) return;
    try {
      for (const id of await this.store.sweepsBeingDeleted()) {
        if (this.deletions.has(id) || this.stopping) continue;
        this.logger.log(`sweep ${id}: going on with its deletion (begun earlier and not finished)`);
        await this.run(id).done.catch(() => undefined);
      }
      if (!this.stopping) await this.jobs.retryHeld();
    } catch (err) {
      this.logger.warn(`unfinished deletions: ${(err as Error).message}`);
    }
  }

  /**
   * Marks the sweep being deleted while holding its plan lock (the planning loop's): a plan pass in
   * progress (here or on another replica) could otherwise write its fit or warnings after the record
   * is gone, leaving a stray key; a pass that starts after finds no sweep.
   */
  private async begin(id: string): Promise<string> {
    const token = `delete:${randomBytes(6).toString('hex')}`;
    const ttl = this.config.planLockMs;
    const deadline = Date.now() + ttl;
    while (!(await this.planLock.acquire(id, token, ttl))) {
      if (Date.now() > deadline) throw new ConflictException({ statusCode: 409, message: `sweep ${id} is being planned by another planner; try again` });
      await new Promise((r) => setTimeout(r, 50));
    }
    try {
      return await this.store.beginDeleteSweep(id);
    } finally {
      await this.planLock.release(id, token).catch(() => undefined);
    }
  }

  /** The deletion of a marked sweep, joined when one is already going on in this planner. */
  private run(id: string): Deletion {
    const existing = this.deletions.get(id);
    if (existing) return existing;
    const deletion: Deletion = { total: 0, runs: 0, done: Promise.resolve() };
    deletion.done = (async () => {
      try {
        deletion.total = await this.store.runsLeftToDelete(id);
        const pool = (await this.store.specOfDeletingSweep(id))?.pool ?? DEFAULT_POOL;
        const outcome = await this.store.deleteRunsAndFinish(id, {
          beforeChunk: async (runIds) => {
            if (this.stopping) throw new PlannerStopping(`sweep ${id}: deletion stopped with the planner; the next one goes on`);
            await this.jobs.removeRunJobs(id, pool, runIds);
          },
          // Its webhook deliveries go before its record: a deletion stopped before them is resumed.
          beforeFinish: () => this.jobs.removeNotifyJobs(id),
          alsoKeys: [cancelKey(id)],
        });
        deletion.runs = outcome.runs;
        this.caches.forget(id);
        if (outcome.outcome === 'ok') this.logger.log(`sweep ${id} deleted (${outcome.runs} runs)`);
        else this.logger.warn(`sweep ${id}: deletion ended as ${outcome.outcome}`);
      } finally {
        this.deletions.delete(id);
      }
    })();
    this.deletions.set(id, deletion);
    deletion.done.catch((err: Error) => this.logger.warn(`sweep ${id}: deletion not finished (${err.message}); a planner goes on with it within ${RESUME_EVERY_MS / 1000} s`));
    return deletion;
  }
}
