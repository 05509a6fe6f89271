import { createHash, timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { PlannerConfig } from '../config/planner-config';

const READ_ONLY = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Reads that cost the planner real compute (a forecast plans a whole sweep's remainder): guarded like writes. */
const COSTLY_READ = /^\/sweeps\/[^/]+\/forecast\/?$/;
/** Readiness (/health, Redis) and liveness (/health/live): open even with protected reads, since probes carry no token. */
const HEALTH = /^\/health(\/live)?\/?$/;

/** Digests have a fixed length, so comparing them reveals neither the token's content nor its length. */
const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * When LAWSWEEP_TOKEN is set, every state-changing request needs `Authorization: Bearer <token>`, and
 * so does a forecast (a read that costs compute). Other reads stay open (dashboards, Prometheus) unless LAWSWEEP_PROTECT_READS is on; /health and
 * /health/live are always open (probes). Constant-time comparison of SHA-256 digests, so response timing reveals
 * neither how much of a guess was right nor how long the token is.
 */
@Injectable()
export class BearerTokenGuard implements CanActivate {
  private readonly expected?: Buffer;
  private readonly protectReads: boolean;

  constructor(config: PlannerConfig) {
    this.expected = config.token ? digest(config.token) : undefined;
    this.protectReads = config.protectReads;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) return true;
    const req = context.switchToHttp().getRequest<Request>();
    if (READ_ONLY.has(req.method) && (!this.protectReads || HEALTH.test(req.path)) && !COSTLY_READ.test(req.path)) return true;
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (timingSafeEqual(digest(m ? m[1].trim() : ''), this.expected)) return true;
    throw new UnauthorizedException({ statusCode: 401, message: 'this planner requires `Authorization: Bearer <token>` (the LAWSWEEP_TOKEN it was started with; for the CLI: --token or $LAWSWEEP_TOKEN)' });
  }
}
