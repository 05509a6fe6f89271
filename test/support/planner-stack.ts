import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { bootstrapPlanner, type PlannerOptions } from '../../apps/planner/src/bootstrap';
import { bootstrapWorker } from '../../apps/worker/src/bootstrap';
import { startRedis, type TestRedis } from './redis-server';

export interface WorkerSpec {
  pool?: string;
  capacity?: Record<string, number>;
  concurrency?: number;
}

/**
 * A whole lawsweep stack in this process for end-to-end tests: a real redis-server, one planner on
 * a free port, and real workers (apps/worker), each closed in `stop()`.
 */
export class PlannerStack {
  planner!: NestExpressApplication;
  readonly workers: INestApplication[] = [];
  baseUrl = '';
  private runRoot = mkdtempSync(join(tmpdir(), 'lawsweep-planner-e2e-'));
  private workerSeq = 0;

  private constructor(readonly redis: TestRedis) {}

  static async start(options: { planner?: PlannerOptions; workers?: WorkerSpec[]; appendonly?: boolean } = {}): Promise<PlannerStack> {
    const stack = new PlannerStack(await startRedis({ appendonly: options.appendonly }));
    await stack.startPlanner(options.planner);
    for (const w of options.workers ?? []) await stack.addWorker(w);
    return stack;
  }

  async startPlanner(options: PlannerOptions = {}): Promise<void> {
    this.planner = await bootstrapPlanner({
      redisUrl: this.redis.url,
      port: 0,
      host: '127.0.0.1',
      tickMs: 500,
      reconcileMs: 1000,
      resultGraceMs: 1500,
      logger: ['error'],
      ...options,
    });
    const addr = this.planner.getHttpServer().address();
    this.baseUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  }

  async addWorker(spec: WorkerSpec = {}): Promise<INestApplication> {
    const id = `w${++this.workerSeq}-${process.pid}`;
    const worker = await bootstrapWorker({
      redisUrl: this.redis.url,
      pool: spec.pool ?? 'default',
      id,
      capacity: Object.entries(spec.capacity ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
      concurrency: spec.concurrency ?? 2,
      runRoot: join(this.runRoot, id),
      heartbeatSeconds: 0.5,
      cancelPollSeconds: 0.5,
      retryBaseMs: 50,
      logger: false,
    });
    this.workers.push(worker);
    return worker;
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.close()));
    await this.planner?.close().catch(() => undefined);
    await this.redis.stop();
    rmSync(this.runRoot, { recursive: true, force: true });
  }
}
