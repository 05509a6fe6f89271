import { Injectable } from '@nestjs/common';
import { REDIS_MEMORY_WARNING } from '@lawsweep/contracts';
import type { SweepWarning } from '@lawsweep/store';
import { PlannerConfig } from '../config/planner-config';
import { RedisMemoryReader, type RedisMemory } from '../metrics/redis-memory';

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;

/** The warning a plan pass leaves when Redis is above the high-water mark; undefined below it or where Redis has no maxmemory. */
export function redisMemoryWarning(memory: RedisMemory, highWater: number): SweepWarning | undefined {
  if (memory.maxBytes <= 0 || memory.usedBytes < highWater * memory.maxBytes) return undefined;
  const share = (100 * memory.usedBytes) / memory.maxBytes;
  return {
    code: REDIS_MEMORY_WARNING,
    message:
      `Redis uses ${share.toFixed(0)}% of its maxmemory (${gb(memory.usedBytes)} of ${gb(memory.maxBytes)}; LAWSWEEP_REDIS_MEMORY_HIGH_WATER ${highWater}): ` +
      `no new runs are bought until it is below, so the runs in flight can finish and report (at maxmemory Redis refuses every write). ` +
      `Export and delete ended sweeps (lawsweep sweep export ID, lawsweep sweep delete ID), or raise Redis's maxmemory`,
  };
}

/**
 * Whether Redis has room for more runs: at maxmemory (noeviction) it refuses every write, the
 * workers' lock renewals included, which stops every trainer within a lock's duration; so the
 * planner stops buying before that (LAWSWEEP_REDIS_MEMORY_HIGH_WATER). Read at most every 2 s
 * (RedisMemoryReader.recent); a read that fails holds nothing back (Redis away fails the pass anyway).
 */
@Injectable()
export class RedisHeadroom {
  constructor(
    private readonly memory: RedisMemoryReader,
    private readonly config: PlannerConfig,
  ) {}

  async tooFull(): Promise<SweepWarning | undefined> {
    const memory = await this.memory.recent().catch(() => undefined);
    return memory && redisMemoryWarning(memory, this.config.redisMemoryHighWater);
  }
}
