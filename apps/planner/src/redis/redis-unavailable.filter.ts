import { Catch, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Response } from 'express';
import { isRedisOutOfMemory } from '@lawsweep/contracts';
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
 * The 507's body (Insufficient Storage): Redis refused a write at its maxmemory (noeviction). Not a
 * "try again": nothing frees memory by itself, so it names the fix. Deleting a sweep writes too (its
 * plan lock, its deletion mark) before it frees anything, so at maxmemory itself it is refused as
 * well: hence raise maxmemory first.
 */
export function redisOutOfMemoryBody(): { statusCode: 507; message: string } {
  return {
    statusCode: 507,
    message:
      "Redis is at maxmemory: export and delete ended sweeps (lawsweep sweep delete), or raise Redis's maxmemory. The request was not completed: a full Redis refuses writes (reads still work), a delete's too, so while it is full raise maxmemory first (redis-cli CONFIG SET maxmemory, no restart needed), then delete.",
  };
}

/** What a Redis error answers over HTTP (503 unreachable, 507 out of memory), or undefined: not one of those. */
export function redisErrorAnswer(err: unknown, where: string): { status: 503 | 507; body: { statusCode: number; message: string }; retryAfterS?: number } | undefined {
  if (isRedisUnreachable(err)) return { status: 503, body: redisUnavailableBody(where), retryAfterS: REDIS_DOWN_RETRY_AFTER_S };
  if (isRedisOutOfMemory(err)) return { status: 507, body: redisOutOfMemoryBody() };
  return undefined;
}

/**
 * A request that met Redis unreachable answers 503 saying so, with Retry-After, instead of Nest's bare
 * 500 "Internal server error": the client (the CLI, a dashboard, a script) can tell "try again" from a
 * bug. One whose write Redis refused at its maxmemory answers 507 naming the fix. Every other error
 * goes to Nest's own handling.
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
    const answer = host.getType() === 'http' ? redisErrorAnswer(exception, this.where) : undefined;
    if (answer) {
      const res = host.switchToHttp().getResponse<Response>();
      if (!res.headersSent) {
        if (answer.retryAfterS !== undefined) res.setHeader('Retry-After', String(answer.retryAfterS));
        // JSON whatever the route set (a page, an SVG, /metrics' text): res.json keeps a Content-Type already set.
        res.type('application/json');
        res.status(answer.status).json(answer.body);
        return;
      }
    }
    super.catch(exception, host);
  }
}
