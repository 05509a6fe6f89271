import { Gauge, type Registry } from 'prom-client';
import type { WorkerAdvert, WorkerView } from '@lawsweep/contracts';
import type { RunQueuesService } from '../queues/run-queues.service';
import { workerState } from '../workers/worker-registry.service';

const WORKER_STATES: readonly WorkerView['state'][] = ['live', 'draining', 'gone'];

/** How long a pool's oldest active run is reused between scrapes: reading it reads every active job of the pool. */
export const OLDEST_ACTIVE_TTL_MS = 10_000;

/**
 * When the oldest run a worker holds now in each pool started (its job's processedOn), read at most
 * once per OLDEST_ACTIVE_TTL_MS per pool: every /metrics scrape asks, and a read is a page of
 * active jobs per thousand runs in flight. The age itself is computed at each scrape, so it grows
 * between reads; a run that ended meanwhile is still counted until the next read.
 */
export class OldestActiveReader {
  private readonly cache = new Map<string, { readAt: number; startedAt: number | undefined }>();

  constructor(
    private readonly queues: Pick<RunQueuesService, 'activeRuns'>,
    private readonly ttlMs = OLDEST_ACTIVE_TTL_MS,
  ) {}

  async oldestStart(pool: string, now: number): Promise<number | undefined> {
    const cached = this.cache.get(pool);
    if (cached && now - cached.readAt < this.ttlMs && now >= cached.readAt) return cached.startedAt;
    try {
      const runs = await this.queues.activeRuns(pool);
      let startedAt: number | undefined;
      for (const r of runs) if (r.startedAt !== undefined && (startedAt === undefined || r.startedAt < startedAt)) startedAt = r.startedAt;
      this.cache.set(pool, { readAt: now, startedAt });
      return startedAt;
    } catch {
      return cached?.startedAt; // Redis away for a moment: the last value read, if any
    }
  }
}

export interface PoolReadings {
  adverts: WorkerAdvert[];
  /** Redis's clock when the adverts were read: workers stamp lastSeen with it, not with their machine's time. */
  registryNow: number;
  jobCounts: { queue: string; pool: string; counts: Record<string, number> }[];
  /** When each pool's oldest active run started (undefined: none active). */
  oldestStart: Map<string, number | undefined>;
}

/**
 * Per-pool gauges for alerting: the run queues' jobs, the workers of each pool by state (every
 * state, 0 when none: "runs wait and no worker is live" needs the 0), and the age of the oldest
 * run held by a worker.
 */
export class PoolGauges {
  private readonly queueJobs: Gauge<'queue' | 'pool' | 'state'>;
  private readonly workers: Gauge<'pool' | 'state'>;
  private readonly oldestActive: Gauge<'pool'>;

  constructor(r: Registry) {
    const registers = [r];
    this.queueJobs = new Gauge({ name: 'lawsweep_queue_jobs', help: 'Jobs in the run queues by state', labelNames: ['queue', 'pool', 'state'], registers });
    this.workers = new Gauge({
      name: 'lawsweep_workers',
      help: 'Workers in the registry by pool and state (live; draining: shutting down; gone: no heartbeat for 30 s, kept 24 h)',
      labelNames: ['pool', 'state'],
      registers,
    });
    this.oldestActive = new Gauge({
      name: 'lawsweep_run_oldest_active_seconds',
      help: 'Age of the oldest run a worker of the pool holds now (since its job was taken); 0 when none',
      labelNames: ['pool'],
      registers,
    });
  }

  /** The pools worth a series: those this planner queues to and those a worker advertises. */
  static pools(queuedPools: string[], adverts: WorkerAdvert[]): string[] {
    return [...new Set([...queuedPools, ...adverts.map((w) => w.pool)])].sort();
  }

  /** Sets every gauge from what was read, with no await (see MetricsService). */
  set(pools: string[], readings: PoolReadings, now: number): void {
    for (const g of [this.queueJobs, this.workers, this.oldestActive]) g.reset();
    for (const { queue, pool, counts } of readings.jobCounts) for (const [state, n] of Object.entries(counts)) this.queueJobs.set({ queue, pool, state }, n);
    for (const pool of pools) {
      for (const state of WORKER_STATES) this.workers.set({ pool, state }, 0);
      const started = readings.oldestStart.get(pool);
      this.oldestActive.set({ pool }, started === undefined ? 0 : Math.max(0, (now - started) / 1000));
    }
    for (const w of readings.adverts) this.workers.inc({ pool: w.pool, state: workerState(w, readings.registryNow) });
  }
}
