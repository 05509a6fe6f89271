/**
 * Soak: one sweep of 2,000 runs while workers are SIGKILLed at random every few seconds (and the
 * planner once, half-way, or `--planner-kills K` times evenly through it), then every invariant is
 * checked.
 *
 *   node scripts/ensure-built.js && node dist/bench/soak.bench.js [--runs 2000] [--workers 4] [--concurrency 8] [--kill-every 3] [--run-seconds 0.3] [--planner-kills 1] [--no-planner-kill] [--json]
 *
 * Real processes throughout: a fresh redis-server (AOF on), the built planner and `--workers`
 * built worker apps (simulate trainer, runs of `--run-seconds`), 1 s job locks so a killed
 * worker's runs are found stalled within about 2 s. Each killed worker is replaced at once by a new
 * one (a new id, as a rescheduled pod would be). Exit status 1 when an invariant breaks, when a
 * run is lost, or when the sweep does not finish within 15 minutes. A run whose worker is killed
 * twice is failed by BullMQ (maxStalledCount) and then by the reconciler: that is the design, and
 * such runs are counted, not hidden.
 */
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { runQueueName } from '@lawsweep/contracts';
import { SweepReader, SweepStore } from '@lawsweep/store';
import { createSweep, load1, machine, sleep, spawnApp, spawnPlanner, startRedis, sweepViolations, type NodeChild } from './support/bench-stack';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const RUNS = Number(flag('runs', '2000'));
const WORKERS = Number(flag('workers', '4'));
const CONCURRENCY = Number(flag('concurrency', '8'));
const KILL_EVERY_S = Number(flag('kill-every', '3'));
const RUN_SECONDS = Number(flag('run-seconds', '0.3'));
const PLANNER_KILLS = args.includes('--no-planner-kill') ? 0 : Number(flag('planner-kills', '1'));
const JSON_OUT = args.includes('--json');
const log = (s: string) => process.stderr.write(`${s}\n`);

async function main(): Promise<void> {
  const started = Date.now();
  const loadBefore = load1();
  log(`soak: ${RUNS} runs, ${WORKERS} workers x ${CONCURRENCY}, a worker killed every ~${KILL_EVERY_S} s${PLANNER_KILLS ? `, the planner ${PLANNER_KILLS === 1 ? 'once' : `${PLANNER_KILLS} times`}` : ''}; ${machine()}; load ${loadBefore}`);
  const redis = await startRedis();
  const runRoot = mkdtempSync(join(tmpdir(), 'lawsweep-soak-'));
  const plannerEnv = { LAWSWEEP_TICK_MS: '500', LAWSWEEP_RECONCILE_MS: '1000', LAWSWEEP_RESULT_GRACE_MS: '3000', LAWSWEEP_PLAN_LOCK_MS: '3000' };
  let planner = await spawnPlanner(redis.url, plannerEnv);
  let seq = 0;
  const startWorker = (): NodeChild => {
    const id = `soak-w${++seq}`;
    return spawnApp(id, 'worker', {
      REDIS_URL: redis.url,
      WORKER_ID: id,
      WORKER_CONCURRENCY: String(CONCURRENCY),
      WORKER_LOCK_SECONDS: '1',
      WORKER_HEARTBEAT_SECONDS: '1',
      WORKER_RETRY_BASE_MS: '100',
      WORKER_RUN_DIR: join(runRoot, id),
    });
  };
  let workers = Array.from({ length: WORKERS }, startWorker);

  const store = new SweepStore(new Redis(redis.url, { maxRetriesPerRequest: null }));
  const reader = new SweepReader(store.redis);
  const id = await createSweep(planner.baseUrl, {
    name: 'soak',
    law: 'chinchilla',
    variables: { N: { min: 1e7, max: 1e10, steps: 100 }, D: { min: 1e8, max: 1e12, steps: 100 } },
    budget: 1e30,
    targets: [{ N: 7e10, D: 1.4e12 }],
    design: 'random',
    parallelism: WORKERS * CONCURRENCY,
    stop: { maxRuns: RUNS },
    seed: 5,
    trainer: { type: 'simulate', truth: 'chinchilla', noise: 0.005, secondsPerCost: 1, maxSeconds: RUN_SECONDS },
  });

  const runQueue = new Queue(runQueueName(), { connection: { host: '127.0.0.1', port: redis.port } });
  let workerKills = 0;
  let plannerKills = 0;
  let nextKill = Date.now() + KILL_EVERY_S * 1000 * (0.5 + Math.random());
  let lastLog = Date.now();
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    const s = await store.getSweep(id);
    if (s && s.state !== 'running' && s.runs.queued + s.runs.running === 0) break;
    if (Date.now() > deadline) throw new Error(`soak did not finish in 15 minutes: ${JSON.stringify(s?.runs)}\n${planner.child.output.slice(-2000)}`);
    if (Date.now() >= nextKill) {
      const victim = workers[Math.floor(Math.random() * workers.length)];
      await victim.kill('SIGKILL');
      workers = [...workers.filter((w) => w !== victim), startWorker()];
      workerKills++;
      nextKill = Date.now() + KILL_EVERY_S * 1000 * (0.5 + Math.random());
    }
    // Evenly through the sweep: once half-way by default; more kills, more chances to land between
    // a wave's reservation and its enqueue (runs the next planner's reconciler enqueues again).
    if (plannerKills < PLANNER_KILLS && s && s.runs.done >= (RUNS * (plannerKills + 1)) / (PLANNER_KILLS + 1)) {
      await planner.child.kill('SIGKILL');
      plannerKills++;
      await sleep(2000); // runs keep completing meanwhile: their results wait in Redis with their jobs
      planner = await spawnPlanner(redis.url, plannerEnv);
    }
    if (s && Date.now() - lastLog > 5000) {
      const jobs = await runQueue.getJobCounts('waiting', 'active', 'delayed', 'failed');
      log(`  ${s.runs.done} done, ${s.runs.failed} failed, ${s.runs.queued + s.runs.running} in flight (jobs ${JSON.stringify(jobs)}); ${workerKills} worker kills, ${workers.filter((w) => w.alive()).length} workers; load ${load1()}`);
      lastLog = Date.now();
    }
    await sleep(200);
  }
  const seconds = (Date.now() - started) / 1000;
  const sweep = (await store.getSweep(id))!;
  const runs = await reader.listRuns(id);
  const violations = await sweepViolations({ store, reader }, id);
  const reasons: Record<string, number> = {};
  for (const r of runs.filter((x) => x.state === 'failed')) reasons[(r.reason ?? '').slice(0, 60)] = (reasons[(r.reason ?? '').slice(0, 60)] ?? 0) + 1;
  const queue = runQueue;
  const rerun = runs.filter((r) => r.state === 'done' && r.worker).length;
  // Runs a killed planner reserved but never enqueued: the next planner's reconciler enqueues them again.
  const requeued = runs.filter((r) => (r.requeues ?? 0) > 0).length;
  const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
  await queue.close();
  const lost = sweep.planned - sweep.runs.done - sweep.runs.failed - sweep.runs.cancelled;
  const out = {
    machine: machine(),
    date: new Date().toString(),
    load: [loadBefore, load1()],
    seconds,
    planned: sweep.planned,
    runs: sweep.runs,
    stopReason: sweep.stopReason,
    workerKills,
    plannerKills,
    failedReasons: reasons,
    requeued,
    doneWithWorker: rerun,
    runQueue: counts,
    lost,
    violations,
  };
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  await planner.child.kill('SIGTERM');
  store.redis.disconnect();
  await redis.stop();
  rmSync(runRoot, { recursive: true, force: true });
  if (JSON_OUT) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  else {
    process.stdout.write(
      `soak: ${sweep.planned} runs planned, ${sweep.runs.done} done, ${sweep.runs.failed} failed (${JSON.stringify(reasons)}), lost ${lost}; ${requeued} enqueued again; ` +
        `${workerKills} worker kills, ${plannerKills} planner kill(s); ${seconds.toFixed(0)} s; stop: ${sweep.stopReason}; ` +
        `invariants: ${violations.length ? violations.join('; ') : 'all hold'}; load ${out.load.join(' -> ')}\n`,
    );
  }
  process.exit(violations.length || lost ? 1 : 0);
}

main().catch((err) => {
  log(String(err instanceof Error ? err.stack : err));
  process.exit(1);
});
