import type { SweepStore } from '@lawsweep/store';
import type { PlannerConfig } from '../config/planner-config';
import type { MetricsService } from '../metrics/metrics.service';
import { PlanningLoopService } from './planning-loop.service';
import type { PlanOutcome, SweepPlannerService } from './sweep-planner.service';

/** The loop's catch-up pass: a plan that says "refit due in X ms" gets another pass then, without a tick. */
describe('PlanningLoopService catch-up passes', () => {
  const store = {
    acquireLock: async () => true,
    renewLock: async () => true,
    releaseLock: async () => undefined,
    sweepVersion: async () => 1,
  } as unknown as SweepStore;
  const metrics = { resultToEnqueue: { observe: () => undefined } } as unknown as MetricsService;
  const config = { tickMs: 600_000, planLockMs: 30_000 } as PlannerConfig;

  async function passes(outcomes: PlanOutcome[], waitMs: number): Promise<number> {
    let calls = 0;
    const planner = { planOnce: async () => outcomes[Math.min(calls++, outcomes.length - 1)] } as unknown as SweepPlannerService;
    const loop = new PlanningLoopService(store, planner, metrics, config);
    await loop.schedule('sw-1');
    await new Promise((r) => setTimeout(r, waitMs));
    await loop.onModuleDestroy();
    return calls;
  }

  it('plans again when the held-back refit is due', async () => {
    expect(await passes([{ enqueued: [], replanInMs: 30 }, { enqueued: [] }], 300)).toBe(2);
  });

  it('plans once when nothing is held back', async () => {
    expect(await passes([{ enqueued: [] }], 300)).toBe(1);
  });

  it('keeps one pending catch-up per sweep and drops it on shutdown', async () => {
    expect(await passes([{ enqueued: [], replanInMs: 10_000 }], 50)).toBe(1);
  });
});
