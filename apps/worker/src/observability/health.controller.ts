import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { WorkerRedis } from '../redis/worker-redis.service';
import { WorkerRegistry } from '../registry/worker-registry.service';

/** 200 with the worker's advert while Redis answers, 503 otherwise. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly redis: WorkerRedis,
    private readonly registry: WorkerRegistry,
  ) {}

  @Get()
  async health(): Promise<Record<string, unknown>> {
    const redis = await this.redis.ping();
    const body = { status: redis ? 'ok' : 'error', redis: redis ? 'up' : 'down', worker: this.registry.advert() };
    if (!redis) throw new ServiceUnavailableException(body);
    return body;
  }
}
