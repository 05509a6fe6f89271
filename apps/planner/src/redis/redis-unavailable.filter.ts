import { Catch, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Response } from 'express';
import { PlannerConfig } from '../config/planner-config';
import { redisOptionsFromUrl } from './redis-options';

/** Seconds a client is told to wait before trying again (the planner reconnects by itself meanwhile). */
export const REDIS_DOWN_RETRY_AFTER_S = 5;

/**
 * Whether an error is ioredis (or BullMQ over it) saying Redis cannot be reached: retries per request
 * spent, a connection closed, an offline queue refused, a refused or reset socket.
 */
export function isRedisUnreachable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'MaxRetriesPerRequestError') return true;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'EPIPE') return true;
  return /^(Connection is closed\.|Stream isn't writeable and enableOfflineQueue options is false)/.test(err.message);
}

/** redis://user:secret@host:6379/0 → host:6379 (no credentials in an answer; parsed as the connections parse it). */
export function redisWhere(url: string): string {
  try {
    const { host, port } = redisOptionsFromUrl(url);
    return `${host}:${port}`;
  } catch {
    return 'its REDIS_URL';
  }
}

/** The 503's body: what happened, and what to do. `where` is redisWhere(REDIS_URL). */
export function redisUnavailableBody(where: string): { statusCode: 503; message: string } {
  return {
    statusCode: 503,
    message: `Redis is unreachable from the planner (${where}): the request was not completed. The planner reconnects by itself; check Redis (GET /health says when it answers), then retry.`,
  };
}

/**
 * A request that met Redis unreachable answers 503 saying so, with Retry-After, instead of Nest's bare
 * 500 "Internal server error": the client (the CLI, a dashboard, a script) can tell "try again" from a
 * bug. Every other error goes to Nest's own handling.
 */
@Catch()
export class RedisUnavailableFilter extends BaseExceptionFilter {
  private readonly where: string;

  // (BaseExceptionFilter gets the HTTP adapter by property injection: it still applies here.)
  constructor(config: PlannerConfig) {
    super();
    this.where = redisWhere(config.redisUrl);
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() === 'http' && isRedisUnreachable(exception)) {
      const res = host.switchToHttp().getResponse<Response>();
      if (!res.headersSent) {
        res.setHeader('Retry-After', String(REDIS_DOWN_RETRY_AFTER_S));
        // JSON whatever the route set (a page, an SVG, /metrics' text): res.json keeps a Content-Type already set.
        res.type('application/json');
        res.status(503).json(redisUnavailableBody(this.where));
        return;
      }
    }
    super.catch(exception, host);
  }
}
