/**
 * Load: many simulated workers with zero-length runs against one planner and one Redis.
 *
 *   node scripts/ensure-built.js && node dist/bench/load.bench.js [--workers 200] [--runs 5000] [--design random] [--parallelism 400] [--json]
 *
 * lawsweep: a fresh redis-server (AOF on, as docker-compose runs it), the built planner as a child
 * process (its own CPU), and in this process `--workers` BullMQ consumers of concurrency 1 that
 * follow the worker contract (libs/contracts/queues.ts): take a run job, complete it with its done
 * result as the return value (one hop; failed runs would post to the results queue). They are not the worker app (200 Nest apps would measure Nest boot, not the
 * system); the worker app's own overhead is in "Worker overhead". One sweep with `stop.maxRuns` =
 * `--runs`, a grid of 10,000 candidates and a cheap design (`random` by default: the fit and EIG
 * cost is the planner-latency benchmark's concern, and the planner refits anyway).
 * Raw BullMQ, the ceiling: a fresh redis-server, the same number of consumers, `--runs` empty jobs
 * added in bulk, each completed at once. Same machine, same process layout (consumers here).
 */
import { readFileSync } from 'node:fs';
import { Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import { RESULTS_QUEUE, runQueueName, type RunJobData, type RunResult } from '@lawsweep/contracts';
import { SweepReader, SweepStore } from '@lawsweep/store';
import { createSweep, load1, machine, quantile, sleep, spawnPlanner, startRedis, sweepViolations } from './support/bench-stack';

const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const WORKERS = Number(flag('workers', '200'));
const RUNS = Number(flag('runs', '5000'));
const DESIGN = flag('design', 'random');
const PARALLELISM = Number(flag('parallelism', '400'));
const JSON_OUT = args.includes('--json');
const log = (s: string) => process.stderr.write(`${s}\n`);

/** Chinchilla's published law: the simulated workers answer with it (no noise, no wait). */
const chinchilla = (c: Record<string, number>) => 1.69 + 406.4 / c.N ** 0.34 + 410.7 / c.D ** 0.28;

async function closeAll(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.close(true).catch(() => undefined)));
}

/**
 * The ceiling: `hops` = 1, every consumer completes an empty job; `hops` = 2, the shape of the
 * worker contract without lawsweep's logic: each consumed job adds one job to a second queue,
 * which one consumer of concurrency 32 (as the planner's results worker) completes.
 */
async function rawBullmq(hops: 1 | 2): Promise<{ seconds: number; perSecond: number; peakMemory: string; cpu: CpuSplit }> {
  const redis = await startRedis();
  const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
  let done = 0;
  let finish!: () => void;
  const allDone = new Promise<void>((r) => (finish = r));
  const count = async () => {
    if (++done === RUNS) finish();
  };
  const second = hops === 2 ? new Queue('raw-second', { connection: { ...connection, enableOfflineQueue: false } }) : undefined;
  const workers = Array.from({ length: WORKERS }, () => new Worker('raw-first', async (job) => {
    if (second) await second.add('second', { i: job.data.i }, { jobId: `s${job.data.i}`, removeOnComplete: { count: 10_000 } });
    else await count();
  }, { connection, concurrency: 1, removeOnComplete: { count: 10_000 } }));
  if (second) workers.push(new Worker('raw-second', count, { connection, concurrency: 32, removeOnComplete: { count: 10_000 } }));
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  const queue = new Queue('raw-first', { connection });
  await startSlowlog(redis.client);
  const cpu0 = await cpuSplit(redis);
  const t0 = performance.now();
  for (let i = 0; i < RUNS; i += 500) await queue.addBulk(Array.from({ length: Math.min(500, RUNS - i) }, (_, k) => ({ name: 'job', data: { i: i + k } })));
  await allDone;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = perRun(await cpuSplit(redis), cpu0);
  await reportSlowlog(redis.client, `raw (${hops} hop${hops > 1 ? 's' : ''})`);
  const peakMemory = await redis.info('used_memory_peak_human');
  await closeAll(workers);
  await queue.close();
  await second?.close();
  await redis.stop();
  return { seconds, perSecond: RUNS / seconds, peakMemory, cpu };
}

/** Debug aid (LOAD_BENCH_SLOWLOG=1): log every Redis command, then report time per script. */
async function startSlowlog(client: Redis): Promise<void> {
  if (!process.env.LOAD_BENCH_SLOWLOG) return;
  await client.config('SET', 'slowlog-max-len', '1000000');
  await client.config('SET', 'slowlog-log-slower-than', '0');
}

async function reportSlowlog(client: Redis, what: string): Promise<void> {
  if (!process.env.LOAD_BENCH_SLOWLOG) return;
  const entries = (await client.call('SLOWLOG', 'GET', '-1')) as [number, number, number, string[]][];
  const bySha = new Map<string, { calls: number; usec: number }>();
  for (const [, , usec, argv] of entries) {
    const key = argv[0].toLowerCase() === 'evalsha' ? `${argv[1].slice(0, 8)} keys=${argv[2]}` : argv[0].toLowerCase();
    const e = bySha.get(key) ?? { calls: 0, usec: 0 };
    e.calls++;
    e.usec += usec;
    bySha.set(key, e);
  }
  const top = [...bySha].sort((a, b) => b[1].usec - a[1].usec).slice(0, 12);
  log(`  ${what} Redis time by command/script: ${top.map(([k, v]) => `${k} ${v.calls}x ${(v.usec / 1000).toFixed(0)} ms`).join('; ')}`);
}

/** CPU seconds used so far by redis-server (its INFO), this process (the consumers) and the planner. */
interface CpuSplit {
  redis: number;
  consumers: number;
  planner: number;
}

async function cpuSplit(redis: { info(field: string): Promise<string> }, plannerPid?: number): Promise<CpuSplit> {
  const usage = process.cpuUsage();
  return {
    redis: Number(await redis.info('used_cpu_user')) + Number(await redis.info('used_cpu_sys')),
    consumers: (usage.user + usage.system) / 1e6,
    planner: plannerPid ? cpuSeconds(plannerPid) : 0,
  };
}

/** CPU milliseconds per run between two readings, by process. */
function perRun(after: CpuSplit, before: CpuSplit): CpuSplit {
  const ms = (k: keyof CpuSplit) => ((after[k] - before[k]) * 1000) / RUNS;
  return { redis: ms('redis'), consumers: ms('consumers'), planner: ms('planner') };
}

const cpuText = (c: CpuSplit) => `${(c.redis + c.consumers + c.planner).toFixed(2)} ms (Redis ${c.redis.toFixed(2)}, consumers ${c.consumers.toFixed(2)}${c.planner ? `, planner ${c.planner.toFixed(2)}` : ''})`;

async function lawsweep() {
  const redis = await startRedis();
  const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
  const { child: planner, baseUrl } = await spawnPlanner(redis.url, { LAWSWEEP_TICK_MS: '1000', LAWSWEEP_RECONCILE_MS: '5000' });
  const results = new Queue(RESULTS_QUEUE, { connection: { ...connection, enableOfflineQueue: false } });
  let posted = 0;
  // When each result was returned (BullMQ's completion follows at once).
  const postedAt = new Map<string, number>();
  const workers = Array.from({ length: WORKERS }, (_, i) => new Worker<RunJobData>(runQueueName(), async (job) => {
    const result: RunResult = { status: 'done', sweepId: job.data.sweepId, runId: job.data.runId, loss: chinchilla(job.data.config), curve: [], worker: `sim-${i}`, attempts: job.attemptsMade + 1, durationMs: 0 };
    postedAt.set(job.data.runId, Date.now());
    posted++;
    return result; // the worker contract: a done run's result is its job's return value
  }, { connection, concurrency: 1, name: `sim-${i}` }));
  await Promise.all(workers.map((w) => w.waitUntilReady()));

  const spec = {
    name: 'load',
    law: 'chinchilla',
    variables: { N: { min: 1e7, max: 1e10, steps: 100 }, D: { min: 1e8, max: 1e12, steps: 100 } },
    budget: 1e30,
    targets: [{ N: 7e10, D: 1.4e12 }],
    design: DESIGN,
    parallelism: PARALLELISM,
    stop: { maxRuns: RUNS },
    seed: 1,
    trainer: { type: 'simulate', secondsPerCost: 0 },
  };
  const store = new SweepStore(new Redis(redis.url, { maxRetriesPerRequest: null }));
  const reader = new SweepReader(store.redis);
  await startSlowlog(redis.client);
  const split0 = await cpuSplit(redis, planner.proc.pid);
  const t0 = Date.now();
  const id = await createSweep(baseUrl, spec);
  let last = { done: 0, at: t0 };
  const progress: number[] = [];
  for (;;) {
    const s = await store.getSweep(id);
    if (s && s.state !== 'running' && s.runs.queued + s.runs.running === 0) break;
    if (Date.now() - t0 > 10 * 60_000) throw new Error(`not finished after 10 minutes: ${JSON.stringify(s?.runs)}`);
    if (s && Date.now() - last.at >= 2000) {
      progress.push(((s.runs.done - last.done) * 1000) / (Date.now() - last.at));
      log(`  ${s.runs.done} recorded, ${progress.at(-1)!.toFixed(0)}/s, load ${load1()}`);
      last = { done: s.runs.done, at: Date.now() };
    }
    await sleep(100);
  }
  const wall = (Date.now() - t0) / 1000;
  const split1 = await cpuSplit(redis, planner.proc.pid);
  const plannerCpu = (split1.planner - split0.planner) / wall;
  const cpu = perRun(split1, split0);
  // Where Redis spent its time (stderr): the heaviest commands and scripts by total µs.
  const stats = [...(await redis.client.info('commandstats')).matchAll(/^cmdstat_(\S+):calls=(\d+),usec=(\d+)/gm)].map((m) => ({ cmd: m[1], calls: Number(m[2]), usec: Number(m[3]) }));
  stats.sort((a, b) => b.usec - a.usec);
  await reportSlowlog(redis.client, 'lawsweep');
  log(`  Redis commands by time: ${stats.slice(0, 10).map((c) => `${c.cmd} ${c.calls} calls ${(c.usec / 1000).toFixed(0)} ms`).join('; ')}`);
  const sweep = (await store.getSweep(id))!;
  const runs = await reader.listRuns(id);
  const finished = runs.map((r) => r.finishedAt ?? NaN).filter(Number.isFinite);
  const firstRecord = Math.min(...finished);
  const lastRecord = Math.max(...finished);
  // Planner lag: a result posted to its run's finishedAt (recorded).
  const lags: number[] = [];
  for (const r of runs) {
    const at = postedAt.get(r.id);
    if (at !== undefined && r.finishedAt) lags.push(r.finishedAt - at);
  }
  const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
  const resultCounts = await results.getJobCounts('failed', 'waiting', 'active');
  const violations = await sweepViolations({ store, reader }, id);
  const peakMemory = await redis.info('used_memory_peak_human');
  await closeAll(workers);
  await results.close();
  store.redis.disconnect();
  await planner.kill('SIGTERM');
  await redis.stop();
  return {
    runs: sweep.runs,
    stopReason: sweep.stopReason,
    posted,
    wallSeconds: wall,
    perSecondWall: sweep.runs.done / wall,
    perSecondRecording: (sweep.runs.done - 1) / ((lastRecord - firstRecord) / 1000),
    lagP50: quantile(lags, 0.5),
    lagP95: quantile(lags, 0.95),
    lagMax: Math.max(...lags),
    resultToEnqueueP95: histogramQuantile(metrics, 'lawsweep_result_to_enqueue_seconds', 0.95),
    refits: [...metrics.matchAll(/^lawsweep_fit_duration_seconds_count\{law="([^"]*)"\} (\d+)/gm)].map((m) => `${m[2]} (${m[1]})`).join(', '),
    fitMeanMs: meanMs(metrics, 'lawsweep_fit_duration_seconds'),
    plans: Number(/lawsweep_plan_duration_seconds_count (\d+)/.exec(metrics)?.[1] ?? NaN),
    planMeanMs: meanMs(metrics, 'lawsweep_plan_duration_seconds'),
    resultCounts,
    plannerCpu,
    cpu,
    lost: RUNS - sweep.runs.done,
    violations,
    peakMemory,
  };
}

/** CPU time (user + system) a process has used, from /proc (Linux). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/** Mean of a Prometheus histogram (all label sets together), in ms. */
function meanMs(text: string, name: string): number {
  const total = (suffix: string) => [...text.matchAll(new RegExp(`^${name}_${suffix}(?:\\{[^}]*\\})? ([0-9.e+-]+)`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
  return (1000 * total('sum')) / total('count');
}

/** Upper bound of the bucket holding quantile q of a Prometheus histogram (seconds). */
function histogramQuantile(text: string, name: string, q: number): number {
  const buckets = [...text.matchAll(new RegExp(`^${name}_bucket\\{[^}]*le="([^"]+)"[^}]*\\} (\\d+)`, 'gm'))].map((m) => ({ le: Number(m[1]), n: Number(m[2]) }));
  const total = buckets.find((b) => !Number.isFinite(b.le))?.n ?? 0;
  return buckets.find((b) => b.n >= q * total)?.le ?? NaN;
}

async function main(): Promise<void> {
  log(`load bench: ${WORKERS} consumers, ${RUNS} runs, design ${DESIGN}, parallelism ${PARALLELISM}; ${machine()}; load ${load1()}`);
  const loadBefore = load1();
  const raw = await rawBullmq(1);
  log(`raw BullMQ: ${raw.perSecond.toFixed(0)} jobs/s (${raw.seconds.toFixed(1)} s), peak memory ${raw.peakMemory}`);
  const raw2 = await rawBullmq(2);
  log(`raw BullMQ, two hops: ${raw2.perSecond.toFixed(0)} jobs/s (${raw2.seconds.toFixed(1)} s), peak memory ${raw2.peakMemory}`);
  const ours = await lawsweep();
  const out = { machine: machine(), date: new Date().toString(), loadBefore, loadAfter: load1(), workers: WORKERS, runs: RUNS, design: DESIGN, parallelism: PARALLELISM, raw, rawTwoHops: raw2, lawsweep: ours, fractionOfRaw: ours.perSecondWall / raw.perSecond, fractionOfTwoHops: ours.perSecondWall / raw2.perSecond };
  if (JSON_OUT) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  else {
    process.stdout.write(
      [
        `| system | jobs or runs | results/s (wall) | results/s (first to last record) | planner lag p50 / p95 (ms) | result→enqueue p95 (s, bucket) | Redis used_memory_peak | lost |`,
        `|---|---:|---:|---:|---:|---:|---:|---:|`,
        `| raw BullMQ (${WORKERS} consumers) | ${RUNS} | ${raw.perSecond.toFixed(0)} | – | – | – | ${raw.peakMemory} | – |`,
        `| raw BullMQ, two hops (${WORKERS} consumers, then 1 x 32) | ${RUNS} | ${raw2.perSecond.toFixed(0)} | – | – | – | ${raw2.peakMemory} | – |`,
        `| lawsweep (${WORKERS} simulated workers, ${DESIGN}) | ${ours.runs.done} | ${ours.perSecondWall.toFixed(0)} | ${ours.perSecondRecording.toFixed(0)} | ${ours.lagP50.toFixed(0)} / ${ours.lagP95.toFixed(0)} | ${ours.resultToEnqueueP95} | ${ours.peakMemory} | ${ours.lost} |`,
        '',
        `CPU per run: raw ${cpuText(raw.cpu)}; raw two hops ${cpuText(raw2.cpu)}; lawsweep ${cpuText(ours.cpu)}`,
        `lawsweep / raw BullMQ: ${(out.fractionOfRaw * 100).toFixed(0)}% (of two hops: ${(out.fractionOfTwoHops * 100).toFixed(0)}%); refits: ${ours.refits} (mean ${ours.fitMeanMs.toFixed(0)} ms); plan steps: ${ours.plans} (mean ${ours.planMeanMs.toFixed(0)} ms); planner CPU ${(ours.plannerCpu * 100).toFixed(0)}% of a core; stop: ${ours.stopReason}; results queue: ${JSON.stringify(ours.resultCounts)}; invariants: ${ours.violations.length ? ours.violations.join('; ') : 'all hold'}; load ${out.loadBefore} -> ${out.loadAfter}`,
      ].join('\n') + '\n',
    );
  }
  process.exit(ours.violations.length || ours.lost ? 1 : 0);
}

main().catch((err) => {
  log(String(err instanceof Error ? err.stack : err));
  process.exit(1);
});
