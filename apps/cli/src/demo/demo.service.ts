import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { PlannerClient } from '../client/planner-client';
import { stdoutIsTty } from '../cli-config';
import { sci, widestHalfWidth } from '../format';
import { writePlotFile } from '../plot/plot-file.writer';
import { sweepPlotInput } from '../plot/plot-inputs';
import { LineProgressView } from '../watch/line-progress.view';
import { SweepWatcher } from '../watch/sweep-watcher';
import { TtyProgressView } from '../watch/tty-progress.view';
import { demoVerdict } from './demo-report';
import { DEMO_TOLERANCE, demoSpec } from './demo-spec';
import { freePort, LocalRedis } from './local-redis';

export interface DemoOptions {
  redisUrl?: string;
  port?: number;
  workers: number;
  fast: boolean;
  keep: boolean;
  outDir: string;
}

/**
 * `lawsweep demo`: the whole stack in this process (a Redis it finds or starts, the planner app,
 * simulated workers that are the real worker app), one sweep from start to fitted law, then a
 * verdict against the simulator's truth. Returns the exit code: 0 when the target prediction is
 * within DEMO_TOLERANCE of the truth, 1 otherwise.
 */
export class DemoService {
  private redis?: LocalRedis;
  private planner?: INestApplication;
  private readonly workers: INestApplication[] = [];
  private readonly abort = new AbortController();
  private client?: PlannerClient;
  private sweepId?: string;
  private borrowedPrefixes: string[] = [];
  /** The in-process workers' run roots live under this one; removed on shutdown. */
  private runRoot?: string;

  constructor(private readonly log: (line: string) => void = (l) => process.stdout.write(`${l}\n`)) {}

  /** Ctrl-C: stop watching; run() then cancels the sweep and shuts everything down. */
  interrupt(): void {
    this.abort.abort();
  }

  /** Resolves at the first Ctrl-C / SIGTERM (what --keep waits for). */
  interrupted(): Promise<void> {
    if (this.abort.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => this.abort.signal.addEventListener('abort', () => resolve(), { once: true }));
  }

  async run(options: DemoOptions): Promise<number> {
    try {
      // A directory of this run's own (mode 0700, a name nobody could have made first), removed by
      // shutdown(): the simulated runs leave nothing in it worth keeping.
      this.runRoot = mkdtempSync(join(tmpdir(), 'lawsweep-demo-runs-'));
      return await this.runSweep(options);
    } finally {
      if (!options.keep || this.abort.signal.aborted) await this.shutdown();
    }
  }

  private async runSweep(options: DemoOptions): Promise<number> {
    const started = Date.now();
    this.redis = await LocalRedis.reuseOrStart(options.redisUrl, this.log);
    // A Redis found through REDIS_URL may hold other sweeps: the demo's keys and queues get a prefix of their own.
    const prefix = this.redis.started ? {} : { keyPrefix: `lawsweep-demo-${process.pid}:`, queuePrefix: `bull-demo-${process.pid}` };
    this.borrowedPrefixes = this.redis.started ? [] : [prefix.keyPrefix as string, `${prefix.queuePrefix}:`];
    const port = options.port ?? (await freePort());
    // Imported lazily: NestJS loads only for the commands that start services.
    const { bootstrapPlanner } = await import('../../../planner/src/bootstrap');
    const { bootstrapWorker } = await import('../../../worker/src/bootstrap');
    this.planner = await bootstrapPlanner({ redisUrl: this.redis.url, port, host: '127.0.0.1', logger: ['error'], shutdownHooks: false, ...prefix });
    for (let i = 1; i <= options.workers; i++) {
      this.workers.push(
        await bootstrapWorker({
          redisUrl: this.redis.url,
          queuePrefix: prefix.queuePrefix,
          id: `demo-gpu-${i}`,
          concurrency: 1,
          labels: { gpu: 'simulated' },
          runRoot: join(this.runRoot as string, String(i)),
          logger: ['error'],
        }),
      );
    }
    const client = (this.client = new PlannerClient(`http://127.0.0.1:${port}`));
    this.log(`planner on ${client.baseUrl}, ${options.workers} simulated GPU workers (1 run each)`);

    const spec = demoSpec(options.fast);
    const sweep = await client.createSweep(spec);
    this.sweepId = sweep.id;
    this.log(`sweep ${sweep.id}: predict the loss of Chinchilla-70B (N=7e10, D=1.4e12) with a budget of 1e21 FLOPs, ~600x less than that run`);
    this.log(`dashboard: ${client.dashboardUrl(sweep.id)}`);

    const view = stdoutIsTty() ? new TtyProgressView(`sweep ${sweep.id}`) : new LineProgressView(this.log);
    const final = await new SweepWatcher(client, view).watch(sweep.id, { intervalMs: options.fast ? 250 : 1000, signal: this.abort.signal });
    if (this.abort.signal.aborted) {
      this.log('interrupted: cancelling the sweep and shutting down');
      return 130;
    }
    this.log(`sweep ${final.state}${final.stopReason ? `: ${final.stopReason}` : ''} after ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const verdict = demoVerdict(final, await client.getFit(sweep.id), 'chinchilla', DEMO_TOLERANCE);
    const outDir = resolve(options.outDir);
    mkdirSync(outDir, { recursive: true });
    const plotInput = await sweepPlotInput(client, sweep.id);
    writePlotFile(plotInput, join(outDir, 'plot.svg'));
    writePlotFile(plotInput, join(outDir, 'plot.png'));
    writeFileSync(join(outDir, 'runs.csv'), await client.getRunsCsv(sweep.id));
    for (const line of verdict.lines) this.log(line);
    this.log(`plot: ${join(outDir, 'plot.png')} (and plot.svg); runs: ${join(outDir, 'runs.csv')}`);
    // What more budget would buy from these runs (a forecast: nothing is run). Best effort: the verdict stands without it.
    const more = await client.getForecast(sweep.id, [2, 4].map((x) => x * final.budget.total)).catch(() => undefined);
    if (more) {
      const options = more.forecasts.map((f) => `${sci(f.budget)} FLOPs → ±${(100 * widestHalfWidth(f.targets, 'halfWidthAfter')).toFixed(2)}% (${f.runs} more runs)`).join(', ');
      this.log(`more budget, forecast from these runs: ${options} (lawsweep sweep forecast, then sweep update, on a sweep of your own)`);
    }
    if (options.keep) {
      this.log(`--keep: the stack stays up. Dashboard ${client.dashboardUrl(sweep.id)}, queues ${client.baseUrl}/queues, metrics ${client.baseUrl}/metrics, API docs ${client.baseUrl}/docs. Ctrl-C to stop.`);
    } else {
      // Not this run's URL: the stack stops now, and a rerun gets other ports and another sweep.
      this.log('rerun with --keep to explore the dashboard, queues, metrics and API docs after the sweep ends');
    }
    return verdict.withinTolerance ? 0 : 1;
  }

  async shutdown(): Promise<void> {
    if (this.abort.signal.aborted && this.client && this.sweepId) await this.client.cancelSweep(this.sweepId).catch(() => undefined);
    // Workers first (they drain), then the planner, then the Redis the demo started.
    await Promise.allSettled(this.workers.splice(0).map((w) => w.close()));
    await this.planner?.close().catch(() => undefined);
    this.planner = undefined;
    if (this.borrowedPrefixes.length > 0) await this.redis?.deleteKeys(this.borrowedPrefixes).catch(() => undefined);
    await this.redis?.stop();
    this.redis = undefined;
    if (this.runRoot) await rm(this.runRoot, { recursive: true, force: true }).catch(() => undefined);
    this.runRoot = undefined;
  }
}
