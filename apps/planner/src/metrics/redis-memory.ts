import { Injectable } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import { RedisConnection } from '../redis/redis-connection';

/** Redis's memory as `INFO memory` says it: used_memory, and maxmemory (0: no limit). */
export interface RedisMemory {
  usedBytes: number;
  maxBytes: number;
}

/** How long a scrape waits for `INFO memory` before leaving the Redis memory gauges out (as /health waits for a PONG). */
export const REDIS_MEMORY_TIMEOUT_MS = 1_000;
/** How long a read of Redis's memory is reused by the plan passes (RedisMemoryReader.recent). */
const RECENT_MS = 2_000;

/** used_memory and maxmemory out of an `INFO memory` reply; undefined if either is missing. */
export function parseInfoMemory(info: string): RedisMemory | undefined {
  const field = (name: string) => {
    const m = new RegExp(`^${name}:(\\d+)\\r?$`, 'm').exec(info);
    return m ? Number(m[1]) : undefined;
  };
  const usedBytes = field('used_memory');
  const maxBytes = field('maxmemory');
  return usedBytes === undefined || maxBytes === undefined ? undefined : { usedBytes, maxBytes };
}

/**
 * Reads Redis's memory for /metrics, on the planner's own client. Redis runs with
 * maxmemory-policy noeviction: at maxmemory it refuses every write (no result recorded, no sweep
 * created), so how close it is matters before it gets there (alert LawsweepRedisMemoryHigh).
 */
@Injectable()
export class RedisMemoryReader {
  /** The last read, reused for RECENT_MS by recent(): plan passes come many a second under load. */
  private last?: { at: number; memory: Promise<RedisMemory> };

  constructor(private readonly redis: RedisConnection) {}

  /** Redis's memory as read at most RECENT_MS ago (a failed read is not reused). */
  recent(): Promise<RedisMemory> {
    const now = Date.now();
    if (!this.last || now - this.last.at > RECENT_MS) {
      const memory = this.read();
      this.last = { at: now, memory };
      memory.catch(() => (this.last = undefined));
    }
    return this.last.memory;
  }

  /** Redis's memory now; rejects if Redis does not answer within REDIS_MEMORY_TIMEOUT_MS. */
  async read(): Promise<RedisMemory> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const info = await Promise.race([
        this.redis.client.info('memory'),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no INFO memory reply within ${REDIS_MEMORY_TIMEOUT_MS} ms`)), REDIS_MEMORY_TIMEOUT_MS);
          timer.unref();
        }),
      ]);
      const memory = parseInfoMemory(info);
      if (!memory) throw new Error('INFO memory has no used_memory or maxmemory');
      return memory;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * lawsweep_redis_memory_used_bytes and lawsweep_redis_memory_max_bytes. Both are left out of a
 * scrape whose read failed (Redis unreachable or slow) rather than kept at their last value: a
 * stale "nearly full" must not keep an alert firing, nor a stale "fine" hide a full Redis.
 */
export class RedisMemoryGauges {
  private readonly used: Gauge;
  private readonly max: Gauge;

  constructor(r: Registry) {
    const registers = [r];
    this.used = new Gauge({ name: 'lawsweep_redis_memory_used_bytes', help: 'Memory Redis uses (INFO memory: used_memory), read by the planner at each scrape; absent when Redis did not answer', registers });
    this.max = new Gauge({
      name: 'lawsweep_redis_memory_max_bytes',
      help: "Redis's maxmemory (0: no limit); with maxmemory-policy noeviction Redis refuses writes once used_memory reaches it. Absent when Redis did not answer",
      registers,
    });
  }

  /** Sets both gauges from what was read, or removes them if nothing was (no await: see MetricsService). */
  set(memory: RedisMemory | undefined): void {
    if (!memory) {
      // (reset() would leave an unlabelled gauge at 0; remove() takes its sample out.)
      this.used.remove();
      this.max.remove();
      return;
    }
    this.used.set(memory.usedBytes);
    this.max.set(memory.maxBytes);
  }
}
