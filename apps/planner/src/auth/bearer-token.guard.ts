import { timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { PlannerConfig } from '../config/planner-config';

const READ_ONLY = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * When LAWSWEEP_TOKEN is set, every state-changing request needs `Authorization: Bearer <token>`.
 * Reads stay open (dashboards, Prometheus). Constant-time comparison, so response timing does not
 * reveal how much of a guess was right.
 */
@Injectable()
export class BearerTokenGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(config: PlannerConfig) {
    this.expected = config.token ? Buffer.from(config.token) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) return true;
    const req = context.switchToHttp().getRequest<Request>();
    if (READ_ONLY.has(req.method)) return true;
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    const given = Buffer.from(m ? m[1].trim() : '');
    if (given.length === this.expected.length && timingSafeEqual(given, this.expected)) return true;
    throw new UnauthorizedException({ statusCode: 401, message: 'this planner requires `Authorization: Bearer <token>` (the LAWSWEEP_TOKEN it was started with; `lawsweep --token`)' });
  }
}
