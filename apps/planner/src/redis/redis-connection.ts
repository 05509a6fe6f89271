import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { PlannerConfig } from '../config/planner-config';
import { redisOptionsFromUrl } from './redis-options';

/** The planner's own Redis client (store, registry, locks); BullMQ opens its own connections. */
@Injectable()
export class RedisConnection implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisConnection.name);
  readonly client: Redis;

  constructor(config: PlannerConfig) {
    this.client = new Redis({ ...redisOptionsFromUrl(config.redisUrl), maxRetriesPerRequest: 3 });
    this.client.on('error', (err) => this.logger.warn(`redis: ${err.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
