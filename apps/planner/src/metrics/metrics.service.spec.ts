import type { WorkerAdvert } from '@lawsweep/contracts';
import type { SweepReader, SweepRecord, SweepState, SweepStore } from '@lawsweep/store';
import { PlannerConfig, validatePlannerEnv } from '../config/planner-config';
import type { RunQueuesService } from '../queues/run-queues.service';
import type { WorkerRegistryService } from '../workers/worker-registry.service';
import { TimeLeftReader } from '../sweeps/time-left';
import { MetricsService } from './metrics.service';
import { parseInfoMemory, type RedisMemory, type RedisMemoryReader } from './redis-memory';

const HOUR = 3_600_000;
const T0 = 1_800_000_000_000;

function sweep(id: string, state: SweepState, over: Partial<SweepRecord> = {}): SweepRecord {
  return {
    id,
    name: `${id}-name`,
    spec: {} as SweepRecord['spec'],
    state,
    budget: 100,
    spent: 10,
    reserved: 0,
    maxRuns: 0,
    planned: 1,
    runs: { queued: 0, running: 0, done: 1, failed: 0, cancelled: 0, unschedulable: 0 },
    imported: 0,
    version: 1,
    specRevision: 0,
    failStreak: 0,
    warnings: [],
    fit: { law: 'chinchilla', n: 1, params: { E: 1.7 }, stderr: { E: 0.1 }, sigma: 0, rmse: 0, modes: [], predictions: [{ config: {}, loss: 2, lower: 1.9, upper: 2.1 }], fittedAt: T0, durationMs: 1 },
    createdAt: T0 - HOUR,
    updatedAt: T0,
    ...over,
  };
}

/** A MetricsService over an in-memory store, run queues and worker registry, its clock passed to text() (Redis's, read with the adverts: `redisNow`, T0 unless given). */
function metricsOver(state: { sweeps: SweepRecord[]; adverts?: WorkerAdvert[]; redisNow?: number; active?: Record<string, number[]>; memory?: RedisMemory | Error }, env: Record<string, string> = {}) {
  const store = { listSweeps: async () => state.sweeps } as unknown as SweepStore;
  const reader = { spendWindow: async () => undefined } as unknown as SweepReader;
  const queues = {
    jobCounts: async () => [{ queue: 'lawsweep-runs-default', pool: 'default', counts: { waiting: 3, active: 1 } }],
    pools: () => ['default'],
    activeRuns: async (pool: string) => (state.active?.[pool] ?? []).map((startedAt) => ({ startedAt, data: {} })),
    prometheusMetrics: async () => '',
  } as unknown as RunQueuesService;
  const workers = { read: async () => ({ adverts: state.adverts ?? [], now: state.redisNow ?? T0 }) } as unknown as WorkerRegistryService;
  const memory = {
    read: async () => {
      const m = state.memory ?? { usedBytes: 1_000_000, maxBytes: 0 };
      if (m instanceof Error) throw m;
      return m;
    },
  } as unknown as RedisMemoryReader;
  return new MetricsService(store, queues, workers, PlannerConfig.fromEnv(validatePlannerEnv(env)), new TimeLeftReader(reader), memory);
}

const sample = (text: string, name: string, labels: string) => new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1];

describe('MetricsService', () => {
  it('reports every sweep state, 0 where no sweep is in it', async () => {
    const text = await metricsOver({ sweeps: [sweep('s1', 'running')] }).text(T0);
    expect(sample(text, 'lawsweep_sweeps', 'state="running"')).toBe('1');
    for (const st of ['paused', 'done', 'cancelled', 'failed']) expect(sample(text, 'lawsweep_sweeps', `state="${st}"`)).toBe('0');
  });

  it("labels a sweep's state in lawsweep_sweep_info, following it when it changes", async () => {
    const state = { sweeps: [sweep('s1', 'running')] };
    const m = metricsOver(state);
    expect(sample(await m.text(T0), 'lawsweep_sweep_info', 'sweep="s1",name="s1-name",state="running"')).toBe('1');
    state.sweeps = [sweep('s1', 'paused')];
    const text = await m.text(T0);
    expect(sample(text, 'lawsweep_sweep_info', 'sweep="s1",name="s1-name",state="paused"')).toBe('1');
    expect(text).not.toMatch(/lawsweep_sweep_info\{[^}]*state="running"/);
  });

  it("drops an ended sweep's own series LAWSWEEP_METRICS_ENDED_SWEEP_HOURS after its end, and keeps counting it by state", async () => {
    const ended = sweep('old', 'done', { updatedAt: T0 });
    const cancelledInFlight = sweep('busy', 'cancelled', { updatedAt: T0, runs: { queued: 0, running: 1, done: 1, failed: 0, cancelled: 0, unschedulable: 0 } });
    const m = metricsOver({ sweeps: [ended, cancelledInFlight, sweep('live', 'paused', { updatedAt: T0 })] }, { LAWSWEEP_METRICS_ENDED_SWEEP_HOURS: '2' });
    const perSweep = ['lawsweep_sweep_info', 'lawsweep_budget_total', 'lawsweep_budget_spent', 'lawsweep_budget_reserved', 'lawsweep_runs', 'lawsweep_fit_param', 'lawsweep_fit_param_stderr', 'lawsweep_target_loss', 'lawsweep_runs_failed_in_a_row'];
    const before = await m.text(T0 + 2 * HOUR - 1);
    for (const name of perSweep) expect(before).toMatch(new RegExp(`^${name}\\{sweep="old"`, 'm'));
    const after = await m.text(T0 + 2 * HOUR);
    for (const name of perSweep) {
      expect(after).not.toMatch(new RegExp(`^${name}\\{sweep="old"`, 'm'));
      // Runs still in flight, or not ended: kept whatever the age.
      expect(after).toMatch(new RegExp(`^${name}\\{sweep="busy"`, 'm'));
      expect(after).toMatch(new RegExp(`^${name}\\{sweep="live"`, 'm'));
    }
    expect(sample(after, 'lawsweep_sweeps', 'state="done"')).toBe('1');
  });

  it("names the sweep on its fit and target series (dashboard legends), as on its budget's", async () => {
    const text = await metricsOver({ sweeps: [sweep('s1', 'running')] }).text(T0);
    expect(sample(text, 'lawsweep_fit_param', 'sweep="s1",name="s1-name",param="E"')).toBe('1.7');
    expect(sample(text, 'lawsweep_fit_param_stderr', 'sweep="s1",name="s1-name",param="E"')).toBe('0.1');
    expect(sample(text, 'lawsweep_target_loss', 'sweep="s1",name="s1-name",target="0",bound="upper"')).toBe('2.1');
  });

  it('removes the last pick information gain of a sweep once it ended', async () => {
    const state = { sweeps: [sweep('s1', 'running'), sweep('s2', 'running')] };
    const m = metricsOver(state);
    m.setLastGain('s1', 0.5);
    m.setLastGain('s2', 0.25);
    expect(sample(await m.text(T0), 'lawsweep_last_pick_information_gain_nats', 'sweep="s1"')).toBe('0.5');
    state.sweeps = [sweep('s1', 'done'), sweep('s2', 'paused')];
    const text = await m.text(T0);
    expect(text).not.toMatch(/lawsweep_last_pick_information_gain_nats\{sweep="s1"\}/);
    expect(sample(text, 'lawsweep_last_pick_information_gain_nats', 'sweep="s2"')).toBe('0.25');
  });

  it('labels fit durations by law name, `expression` for any expression law', async () => {
    const m = metricsOver({ sweeps: [] });
    m.observeFit('chinchilla', 0.01);
    m.observeFit({ expression: 'E + A / N^alpha', params: { E: [1, 5], A: [1, 1e5], alpha: [0.05, 1] } }, 0.01);
    const text = await m.text(T0);
    expect(sample(text, 'lawsweep_fit_duration_seconds_count', 'law="chinchilla"')).toBe('1');
    expect(sample(text, 'lawsweep_fit_duration_seconds_count', 'law="expression"')).toBe('1');
    expect(text).not.toMatch(/law="expression: /);
  });

  it('counts workers by pool and state, every state present, and the age of the oldest active run per pool', async () => {
    const advert = (id: string, pool: string, lastSeen: number, draining?: boolean): WorkerAdvert => ({ id, pool, capacity: {}, concurrency: 1, labels: {}, busy: 0, lastSeen, draining });
    const adverts = [advert('a', 'default', T0), advert('b', 'default', T0, true), advert('c', 'big', T0 - HOUR)];
    const m = metricsOver({ sweeps: [], adverts, active: { default: [T0 - 90_000, T0 - 30_000] } });
    const text = await m.text(T0);
    expect(sample(text, 'lawsweep_workers', 'pool="default",state="live"')).toBe('1');
    expect(sample(text, 'lawsweep_workers', 'pool="default",state="draining"')).toBe('1');
    expect(sample(text, 'lawsweep_workers', 'pool="default",state="gone"')).toBe('0');
    expect(sample(text, 'lawsweep_workers', 'pool="big",state="live"')).toBe('0');
    expect(sample(text, 'lawsweep_workers', 'pool="big",state="gone"')).toBe('1');
    expect(sample(text, 'lawsweep_run_oldest_active_seconds', 'pool="default"')).toBe('90');
    expect(sample(text, 'lawsweep_run_oldest_active_seconds', 'pool="big"')).toBe('0');
    expect(sample(text, 'lawsweep_queue_jobs', 'queue="lawsweep-runs-default",pool="default",state="waiting"')).toBe('3');
  });

  it("judges workers live or gone on Redis's clock, not the planner's (their machines' clocks differ)", async () => {
    const advert = (id: string, lastSeen: number): WorkerAdvert => ({ id, pool: 'default', capacity: {}, concurrency: 1, labels: {}, busy: 0, lastSeen });
    // The planner's clock 40 s ahead of Redis's: a worker seen 1 s ago by Redis's clock is live.
    const text = await metricsOver({ sweeps: [], adverts: [advert('a', T0 - 1_000), advert('b', T0 - 31_000)], redisNow: T0 }).text(T0 + 40_000);
    expect(sample(text, 'lawsweep_workers', 'pool="default",state="live"')).toBe('1');
    expect(sample(text, 'lawsweep_workers', 'pool="default",state="gone"')).toBe('1');
  });

  it('reads the active runs at most once per 10 s per pool, the age still growing in between', async () => {
    const state = { sweeps: [], active: { default: [T0 - 10_000] } };
    const m = metricsOver(state);
    expect(sample(await m.text(T0), 'lawsweep_run_oldest_active_seconds', 'pool="default"')).toBe('10');
    state.active = { default: [] };
    expect(sample(await m.text(T0 + 5_000), 'lawsweep_run_oldest_active_seconds', 'pool="default"')).toBe('15');
    expect(sample(await m.text(T0 + 10_000), 'lawsweep_run_oldest_active_seconds', 'pool="default"')).toBe('0');
  });

  it("exports Redis's used memory and maxmemory (0: no limit), and leaves both out of a scrape whose read failed", async () => {
    const state: { sweeps: SweepRecord[]; memory?: RedisMemory | Error } = { sweeps: [], memory: { usedBytes: 1_900_000, maxBytes: 2_000_000 } };
    const m = metricsOver(state);
    let text = await m.text(T0);
    expect(/^lawsweep_redis_memory_used_bytes (\S+)$/m.exec(text)?.[1]).toBe('1900000');
    expect(/^lawsweep_redis_memory_max_bytes (\S+)$/m.exec(text)?.[1]).toBe('2000000');
    state.memory = new Error('no INFO memory reply within 1000 ms');
    text = await m.text(T0);
    expect(text).toMatch(/^lawsweep_sweeps\{state="running"\} 0$/m);
    expect(text).not.toMatch(/^lawsweep_redis_memory_(used|max)_bytes /m);
    state.memory = { usedBytes: 5, maxBytes: 0 };
    text = await m.text(T0);
    expect(/^lawsweep_redis_memory_used_bytes (\S+)$/m.exec(text)?.[1]).toBe('5');
    expect(/^lawsweep_redis_memory_max_bytes (\S+)$/m.exec(text)?.[1]).toBe('0');
  });

  it('parses used_memory and maxmemory out of INFO memory', () => {
    const info = '# Memory\r\nused_memory:1014736\r\nused_memory_human:990.95K\r\nused_memory_rss:7000000\r\nmaxmemory:2097152\r\nmaxmemory_human:2.00M\r\nmaxmemory_policy:noeviction\r\n';
    expect(parseInfoMemory(info)).toEqual({ usedBytes: 1014736, maxBytes: 2097152 });
    expect(parseInfoMemory('# Memory\r\nused_memory_rss:7000000\r\n')).toBeUndefined();
  });
});
