/**
 * Planner latency: from a run's result reaching Redis to the next run job enqueued for its sweep
 * (the planner hears of it, records it exactly once, refits, proposes, reserves, enqueues), with 50
 * and with 500 runs already recorded.
 *
 *   node scripts/ensure-built.js && node dist/bench/planner-latency.bench.js [--samples 40] [--sizes 50,500] [--via return|results-queue] [--json]
 *
 * Starts its own redis-server (must be installed) and one planner in this process (no HTTP). The
 * bench plays the worker: it imports N recorded runs (simulated from Chinchilla's published law with
 * 0.5% noise), then repeatedly answers the one queued run (parallelism 1) and times how long until
 * the planner enqueues the next one. `--via return` (default, the worker contract for a done run):
 * the bench takes the run job (a BullMQ worker fetching by hand) and completes it with the result as
 * its return value; the clock starts just before the completion. `--via results-queue`: the result
 * is posted on the results queue (the path of failed runs and first-contract workers).
 */
import { Queue, Worker } from 'bullmq';
import { RESULTS_QUEUE, resultJobOptions, runQueueName, type RunResult } from '@lawsweep/contracts';
import { resolveTruth, SeededRandom, type Config } from '@lawsweep/law';
import { SweepReader, SweepStore } from '@lawsweep/store';
import { bootstrapPlanner } from '../apps/planner/src/bootstrap';
import { PlanningLoopService } from '../apps/planner/src/planning/planning-loop.service';
import { SweepsService } from '../apps/planner/src/sweeps/sweeps.service';
import { machine as machineName, quantile, startRedis } from './support/bench-stack';

const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const SAMPLES = Number(flag('samples', '40'));
const SIZES = flag('sizes', '50,500').split(',').map(Number);
const JSON_OUT = args.includes('--json');
const VIA = flag('via', 'return');
if (VIA !== 'return' && VIA !== 'results-queue') throw new Error(`--via must be 'return' or 'results-queue' (got '${VIA}')`);

async function main(): Promise<void> {
  // AOF off: the latency of the planner itself, not of Redis's fsync.
  const redis = await startRedis({ appendonly: false });
  const app = await bootstrapPlanner({ redisUrl: redis.url, listen: false, logger: ['error'], tickMs: 60_000, reconcileMs: 600_000 });
  const sweeps = app.get(SweepsService);
  const loop = app.get(PlanningLoopService);
  const store = app.get(SweepStore);
  const reader = app.get(SweepReader);
  const results = new Queue(RESULTS_QUEUE, { connection: { host: '127.0.0.1', port: redis.port } });
  // The worker's side, fetched by hand (no processor): take the run job, complete it with the result.
  const runs = new Worker(runQueueName(), null, { connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null }, autorun: false });
  const TOKEN = 'planner-latency-bench';
  /** Reports a run's result the way `--via` says; resolves once it is in Redis. */
  const report = async (result: RunResult): Promise<number> => {
    if (VIA === 'results-queue') {
      const t0 = performance.now();
      await results.add('result', result, resultJobOptions(result.runId));
      return t0;
    }
    for (;;) {
      const job = await runs.getNextJob(TOKEN);
      if (!job) continue;
      if (job.id !== result.runId) throw new Error(`took run ${job.id}, expected ${result.runId}`);
      const t0 = performance.now();
      await job.moveToCompleted(result, TOKEN, false);
      return t0;
    }
  };
  const truth = resolveTruth('chinchilla');
  const theta = truth.law.toTheta(truth.params);
  const rng = new SeededRandom(42);
  const lossAt = (c: Config) => Math.exp(truth.law.logLoss(theta, c) + 0.005 * rng.normal());

  // Each enqueue by the planning loop resolves the waiter of its sweep.
  let waiter: ((runIds: string[]) => void) | undefined;
  loop.listeners.add((_sweep, enqueued) => waiter?.(enqueued));
  const nextEnqueue = () => new Promise<string[]>((resolve) => (waiter = resolve));

  const rows: { recorded: number; samples: number; p50: number; p95: number; mean: number; max: number; fitMs: number; fitN: number }[] = [];
  for (const size of SIZES) {
    const imported = Array.from({ length: size }, () => {
      const N = Math.exp(Math.log(1e7) + rng.next() * Math.log(100));
      const D = N * Math.exp(Math.log(2) + rng.next() * Math.log(250));
      return { N, D, loss: lossAt({ N, D }) };
    });
    const spec = {
      name: `latency-${size}`,
      law: 'chinchilla',
      variables: { N: { min: 1e7, max: 1e9, steps: 17 }, D: { min: 1e8, max: 1e11, steps: 25 } },
      constraints: ['D / N >= 1', 'D / N <= 1000'],
      budget: 1e24,
      targets: [{ N: 7e10, D: 1.4e12 }],
      parallelism: 1,
      seed: 1,
      trainer: { type: 'simulate', secondsPerCost: 0 },
      runs: imported,
    };
    const first = nextEnqueue();
    const sweep = await sweeps.create(spec);
    let [runId] = await first;
    const latencies: number[] = [];
    const fitMs: number[] = [];
    for (let i = 0; i < SAMPLES + 3; i++) {
      const run = await reader.getRun(runId);
      if (!run) throw new Error(`run ${runId} missing`);
      const result: RunResult = { status: 'done', sweepId: sweep.id, runId, loss: lossAt(run.config), curve: [], worker: 'bench', attempts: 1, durationMs: 0 };
      const next = nextEnqueue();
      const t0 = await report(result);
      [runId] = await next;
      if (i < 3) continue; // the first few warm the JIT and the fit
      latencies.push(performance.now() - t0);
      fitMs.push((await store.getSweep(sweep.id))?.fit?.durationMs ?? NaN);
    }
    rows.push({
      recorded: size,
      samples: latencies.length,
      p50: quantile(latencies, 0.5),
      p95: quantile(latencies, 0.95),
      mean: latencies.reduce((a, b) => a + b, 0) / latencies.length,
      max: Math.max(...latencies),
      fitMs: fitMs.reduce((a, b) => a + b, 0) / fitMs.length,
      fitN: (await store.getSweep(sweep.id))?.fit?.n ?? 0,
    });
    await sweeps.cancel(sweep.id);
  }
  await results.close();
  await runs.close();
  await app.close();
  await redis.stop();

  const machine = machineName();
  if (JSON_OUT) {
    process.stdout.write(`${JSON.stringify({ machine, date: new Date().toISOString(), via: VIA, rows }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`planner latency (result ${VIA === 'return' ? 'returned with its completed run job' : 'posted on the results queue'} -> next run enqueued), ${machine}\n`);
  process.stdout.write('| recorded runs | samples | p50 (ms) | p95 (ms) | mean (ms) | max (ms) | refit, mean (ms) | runs in the last fit |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n');
  for (const r of rows) {
    process.stdout.write(`| ${r.recorded} | ${r.samples} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.mean.toFixed(1)} | ${r.max.toFixed(1)} | ${r.fitMs.toFixed(1)} | ${r.fitN} |\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`planner-latency: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
