import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { RedisConnection } from '../redis/redis-connection';

/**
 * Both open without a token (probes carry none):
 * - /health: ready when Redis answers a PING within a second (terminus format, 503 when down). The
 *   readiness probe: a planner without Redis can answer nothing useful.
 * - /health/live: alive while the process answers HTTP; touches no Redis. The liveness probe: a
 *   planner reconnects to Redis by itself, so an outage must not get it restarted.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly redis: RedisConnection,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      async () => {
        const indicator = this.indicators.check('redis');
        try {
          const pong = await Promise.race([
            this.redis.client.ping(),
            new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no PONG within 1s')), 1000).unref()),
          ]);
          return indicator.up({ reply: pong });
        } catch (err) {
          return indicator.down({ message: (err as Error).message });
        }
      },
    ]);
  }

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.indicators.check('process').up({ uptimeSeconds: Math.round(process.uptime()) })]);
  }
}
