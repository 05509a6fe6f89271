import { createHash, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Queue } from 'bullmq';
import { DEFAULT_POOL, RESULTS_QUEUE, runQueueName } from '@lawsweep/contracts';
import { NOTIFY_QUEUE } from '../notify/notify-queue';
import { redisOptionsFromUrl } from '../redis/redis-options';
import { redisErrorAnswer, redisWhere } from '../redis/redis-unavailable.filter';
import { DashboardDataService } from './dashboard-data.service';

export const BULL_BOARD_PATH = '/queues';

/**
 * Bull Board at /queues: the results queue and one run queue per worker pool in use (pools are
 * picked up from the sweeps as they appear). Its Express router is mounted on the planner's HTTP
 * server, where Nest guards do not run: with a token configured the board is read-only, and with
 * LAWSWEEP_PROTECT_READS it asks for the bearer token itself, like the rest of the API.
 */
@Injectable()
export class BullBoardService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(BullBoardService.name);
  private readonly queues = new Map<string, Queue>();
  private board?: ReturnType<typeof createBullBoard>;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly http: HttpAdapterHost,
    private readonly data: DashboardDataService,
  ) {}

  onModuleInit(): void {
    const server = this.http.httpAdapter?.getInstance?.();
    if (!server || typeof server.use !== 'function') return; // no HTTP server (a test app without Express)
    const adapter = new ExpressAdapter();
    adapter.setBasePath(BULL_BOARD_PATH);
    this.board = createBullBoard({ queues: [], serverAdapter: adapter, options: { uiConfig: { boardTitle: 'lawsweep queues' } } });
    // After createBullBoard, which sets its own (read per request): Redis away is a 503 saying so, and
    // Redis full a 507, as on every other route (RedisUnavailableFilter; Bull Board's router handles
    // its errors itself).
    const where = redisWhere(this.data.config.redisUrl);
    adapter.setErrorHandler((err: Error & { statusCode?: 500 }) => {
      const answer = redisErrorAnswer(err, where);
      // (Bull Board's HTTPStatus type lists no 503 or 507; its Express adapter sends whatever status it is given.)
      if (answer) return { status: answer.status as number as 500, body: answer.body };
      return { status: err.statusCode ?? 500, body: { error: 'Internal server error', message: err.message } };
    });
    this.add(RESULTS_QUEUE);
    this.add(runQueueName(DEFAULT_POOL));
    // Webhook deliveries (retrying, failed and why), where there are any.
    // Always read-only: adding or editing a job there would POST any JSON to the webhook.
    if (this.data.config.notifyUrl) this.add(NOTIFY_QUEUE, true);
    const { token, protectReads } = this.data.config;
    if (token && protectReads) server.use(BULL_BOARD_PATH, requireBearer(token));
    server.use(BULL_BOARD_PATH, adapter.getRouter());
    this.timer = setInterval(() => void this.discoverPools(), 10_000);
    this.timer.unref();
  }

  private add(name: string, readOnly = false): void {
    if (this.queues.has(name) || !this.board) return;
    const config = this.data.config;
    const queue = new Queue(name, { connection: { ...redisOptionsFromUrl(config.redisUrl), enableOfflineQueue: false }, prefix: config.queuePrefix });
    queue.on('error', (err) => this.logger.warn(`bull board queue ${name}: ${err.message}`));
    this.queues.set(name, queue);
    this.board.addQueue(new BullMQAdapter(queue, { readOnlyMode: readOnly || Boolean(config.token) }));
  }

  private async discoverPools(): Promise<void> {
    try {
      for (const s of await this.data.sweeps()) this.add(runQueueName(s.spec.pool ?? DEFAULT_POOL));
    } catch {
      // Redis away: try again at the next tick.
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
  }
}

type Handler = (req: { headers: Record<string, string | string[] | undefined> }, res: { status(code: number): { json(body: unknown): void } }, next: () => void) => void;

/** Express middleware: `Authorization: Bearer <token>` or 401 (digests compared in constant time). */
function requireBearer(token: string): Handler {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const expected = digest(token);
  return (req, res, next) => {
    const header = req.headers.authorization;
    const m = /^Bearer\s+(.+)$/i.exec(typeof header === 'string' ? header : '');
    if (timingSafeEqual(digest(m ? m[1].trim() : ''), expected)) return next();
    res.status(401).json({ statusCode: 401, message: 'this planner protects reads: send `Authorization: Bearer <token>`' });
  };
}
