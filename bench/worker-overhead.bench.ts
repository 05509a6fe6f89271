/**
 * Worker overhead: how many runs a worker turns over per second when the trainer itself takes no
 * time, and how long the path enqueue -> worker -> result takes per run.
 *
 *   node scripts/ensure-built.js && node dist/bench/worker-overhead.bench.js [--runs 400] [--json]
 *
 * Starts its own redis-server (must be installed) on a free port and one worker in this process
 * (bootstrapWorker). Throughput: all runs enqueued at once, time until every run job has completed
 * with its result. Latency: runs enqueued one at a time (the next after the previous result),
 * latency = the run job's finishedOn (its result is its return value) - its timestamp (when it was added). Cases:
 * instant simulate runs at concurrency 1 and 8; a command trainer (a shell script that prints two
 * progress lines and a final loss: spawn + protocol parsing) at concurrency 1 and 2.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { runJobOptions, runQueueName, type RunJobData, type TrainerSpec } from '@lawsweep/contracts';
import { bootstrapWorker } from '../apps/worker/src/bootstrap';
import { machine as machineName, quantile, startRedis } from './support/bench-stack';

const SCRIPT = `#!/bin/sh
echo '{"tokens": 100, "loss": 5.0}'
echo '{"tokens": 200, "loss": 4.0}'
echo '{"final": true, "loss": 3.0}'
`;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

interface CaseResult {
  trainer: string;
  concurrency: number;
  runs: number;
  seconds: number;
  runsPerSecond: number;
  latencyMs: { p50: number; p95: number };
}

async function runCase(url: string, runRoot: string, trainer: TrainerSpec, concurrency: number, runs: number): Promise<CaseResult> {
  const pool = `bench-${randomUUID().slice(0, 8)}`;
  const connection = { host: new URL(url).hostname, port: Number(new URL(url).port), maxRetriesPerRequest: null };
  const queue = new Queue(runQueueName(pool), { connection });
  const worker = await bootstrapWorker({ redisUrl: url, pool, id: pool, concurrency, runRoot, logger: false });
  try {
    const jobs: RunJobData[] = Array.from({ length: runs }, (_, i) => ({ sweepId: pool, runId: `${pool}-${i}`, config: { N: 1e8 + i, D: 2e9 }, cost: 1, seed: i, trainer }));
    // A done run's result is its run job's return value: the result is in when the job has finished.
    const waitResult = async (runId: string): Promise<number> => {
      for (;;) {
        const finishedOn = (await queue.getJob(runId))?.finishedOn;
        if (finishedOn) return finishedOn;
        await new Promise((r) => setTimeout(r, 2));
      }
    };
    // Latency, unloaded: one run at a time.
    const latencies: number[] = [];
    for (let i = 0; i < Math.min(30, runs); i++) {
      const data = { ...jobs[0], runId: `${pool}-lat-${i}` };
      const added = await queue.add('run', data, runJobOptions(data.runId));
      latencies.push((await waitResult(data.runId)) - added.timestamp);
    }
    // Throughput: everything at once.
    const started = Date.now();
    await queue.addBulk(jobs.map((data) => ({ name: 'run', data, opts: runJobOptions(data.runId) })));
    for (const job of jobs) await waitResult(job.runId);
    const seconds = (Date.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      trainer: trainer.type === 'command' ? 'command (sh script)' : 'simulate (instant)',
      concurrency,
      runs,
      seconds,
      runsPerSecond: runs / seconds,
      latencyMs: { p50: quantile(latencies, 0.5), p95: quantile(latencies, 0.95) },
    };
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

async function main(): Promise<void> {
  const runs = arg('runs', 400);
  const redis = await startRedis({ appendonly: false });
  const url = redis.url;
  const dir = mkdtempSync(join(tmpdir(), 'lawsweep-bench-'));
  const script = join(dir, 'trainer.sh');
  writeFileSync(script, SCRIPT);
  const simulate: TrainerSpec = { type: 'simulate', truth: 'chinchilla', noise: 0.005, secondsPerCost: 0, maxSeconds: 0 };
  const command: TrainerSpec = { type: 'command', command: ['sh', script] };
  try {
    const cases: CaseResult[] = [];
    for (const [trainer, concurrency, n] of [
      [simulate, 1, runs],
      [simulate, 8, runs],
      [command, 1, Math.ceil(runs / 4)],
      [command, 2, Math.ceil(runs / 4)],
    ] as const) {
      cases.push(await runCase(url, join(dir, 'runs'), trainer, concurrency, n));
    }
    const machine = machineName();
    if (process.argv.includes('--json')) {
      process.stdout.write(`${JSON.stringify({ machine, cases }, null, 2)}\n`);
    } else {
      process.stdout.write(`worker overhead (${machine}); throughput: all runs enqueued at once; latency: one run at a time, run job added -> run job completed with its result\n`);
      process.stdout.write('| trainer | concurrency | runs | runs/s (batch) | p50 latency (ms) | p95 latency (ms) |\n|---|---:|---:|---:|---:|---:|\n');
      for (const c of cases) process.stdout.write(`| ${c.trainer} | ${c.concurrency} | ${c.runs} | ${c.runsPerSecond.toFixed(0)} | ${c.latencyMs.p50} | ${c.latencyMs.p95} |\n`);
    }
  } finally {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  process.stderr.write(`worker-overhead: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
