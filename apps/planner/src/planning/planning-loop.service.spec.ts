import type { PlanLock, SweepStore } from '@lawsweep/store';
import type { PlannerConfig } from '../config/planner-config';
import type { MetricsService } from '../metrics/metrics.service';
import { PlanningLoopService } from './planning-loop.service';
import type { PlanOutcome, SweepPlannerService } from './sweep-planner.service';

/** The loop's catch-up pass: a plan that says "refit due in X ms" gets another pass then, without a tick. */
describe('PlanningLoopService catch-up passes', () => {
  const store = { sweepVersion: async () => 1 } as unknown as SweepStore;
  const planLock = { acquire: async () => true, renew: async () => true, release: async () => true } as unknown as PlanLock;
  const metrics = { resultToEnqueue: { observe: () => undefined } } as unknown as MetricsService;
  const config = { tickMs: 600_000, planLockMs: 30_000 } as PlannerConfig;

  async function passes(outcomes: PlanOutcome[], waitMs: number): Promise<number> {
    let calls = 0;
    const planner = { planOnce: async () => outcomes[Math.min(calls++, outcomes.length - 1)] } as unknown as SweepPlannerService;
    const loop = new PlanningLoopService(store, planLock, planner, metrics, config);
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

  describe('with fake timers', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('keeps one pending catch-up per sweep and drops it on shutdown', async () => {
      const calls: string[] = [];
      const planner = {
        planOnce: async (sweepId: string) => {
          calls.push(sweepId);
          return { enqueued: [], replanInMs: 10_000 };
        },
      } as unknown as SweepPlannerService;
      const loop = new PlanningLoopService(store, planLock, planner, metrics, config);
      // No tick (onApplicationBootstrap is not called) and each plan's lock renewal interval is
      // cleared when it ends, so every timer still pending is a catch-up pass.
      expect(jest.getTimerCount()).toBe(0);
      await loop.schedule('sw-1');
      await loop.schedule('sw-1');
      expect(calls).toEqual(['sw-1', 'sw-1']);
      // Two plans of sw-1 both asked for a catch-up: one is pending, not two.
      expect(jest.getTimerCount()).toBe(1);
      // A different sweep gets its own.
      await loop.schedule('sw-2');
      expect(jest.getTimerCount()).toBe(2);
      await loop.onModuleDestroy();
      // Shutdown drops them: nothing pending, and the due time passing plans nothing.
      expect(jest.getTimerCount()).toBe(0);
      await jest.advanceTimersByTimeAsync(20_000);
      expect(calls).toEqual(['sw-1', 'sw-1', 'sw-2']);
    });

    it('the pending catch-up fires once, at its due time', async () => {
      let calls = 0;
      const planner = {
        planOnce: async () => (calls++ < 2 ? { enqueued: [], replanInMs: 10_000 } : { enqueued: [] }),
      } as unknown as SweepPlannerService;
      const loop = new PlanningLoopService(store, planLock, planner, metrics, config);
      await loop.schedule('sw-1');
      await loop.schedule('sw-1');
      expect(calls).toBe(2);
      await jest.advanceTimersByTimeAsync(9_999);
      expect(calls).toBe(2);
      await jest.advanceTimersByTimeAsync(1);
      expect(calls).toBe(3);
      // The catch-up's plan held nothing back: no further pass.
      await jest.advanceTimersByTimeAsync(60_000);
      expect(calls).toBe(3);
      expect(jest.getTimerCount()).toBe(0);
      await loop.onModuleDestroy();
    });
  });
});
