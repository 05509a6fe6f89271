import { validatePlannerEnv } from '../config/planner-config';
import { redisMemoryWarning } from './redis-headroom';

describe('redisMemoryWarning', () => {
  it('holds runs back at or above the high-water share of maxmemory, naming the share, the sizes and the fix', () => {
    expect(redisMemoryWarning({ usedBytes: 89e6, maxBytes: 100e6 }, 0.9)).toBeUndefined();
    const w = redisMemoryWarning({ usedBytes: 93e6, maxBytes: 100e6 }, 0.9);
    expect(w?.code).toBe('redis-memory');
    expect(w?.message).toMatch(/^Redis uses 93% of its maxmemory \(0\.09 GB of 0\.10 GB; LAWSWEEP_REDIS_MEMORY_HIGH_WATER 0\.9\): no new runs are bought/);
    expect(w?.message).toMatch(/lawsweep sweep delete ID\), or raise Redis's maxmemory$/);
    // 1: only a full Redis holds runs back; no maxmemory: never.
    expect(redisMemoryWarning({ usedBytes: 99e6, maxBytes: 100e6 }, 1)).toBeUndefined();
    expect(redisMemoryWarning({ usedBytes: 100e6, maxBytes: 100e6 }, 1)).toBeDefined();
    expect(redisMemoryWarning({ usedBytes: 5e9, maxBytes: 0 }, 0.9)).toBeUndefined();
  });

  it('takes LAWSWEEP_REDIS_MEMORY_HIGH_WATER as a share in (0, 1], 0.9 by default', () => {
    expect(validatePlannerEnv({}).LAWSWEEP_REDIS_MEMORY_HIGH_WATER).toBe(0.9);
    expect(validatePlannerEnv({ LAWSWEEP_REDIS_MEMORY_HIGH_WATER: '0.75' }).LAWSWEEP_REDIS_MEMORY_HIGH_WATER).toBe(0.75);
    expect(() => validatePlannerEnv({ LAWSWEEP_REDIS_MEMORY_HIGH_WATER: '90' })).toThrow(/LAWSWEEP_REDIS_MEMORY_HIGH_WATER.*must be at most 1 \(a share of maxmemory, e\.g\. 0\.9\)/);
    expect(() => validatePlannerEnv({ LAWSWEEP_REDIS_MEMORY_HIGH_WATER: '0' })).toThrow(/LAWSWEEP_REDIS_MEMORY_HIGH_WATER.*must be above 0/);
  });
});
