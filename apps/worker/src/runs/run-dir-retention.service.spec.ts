import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { CANCELLED_REASON } from '@lawsweep/contracts';
import { loadWorkerConfig, type WorkerOptions } from '../config/worker.config';
import { WorkerMetrics } from '../observability/worker-metrics.service';
import { OrphanTrainers } from '../trainers/orphan-trainers.service';
import { writeTrainerMarker } from '../trainers/trainer-marker';
import { RUN_DIR_MARKER } from './run-dir';
import { RunDirRetention } from './run-dir-retention.service';
import type { RunJobLookup, RunJobState } from './run-job-lookup';

const HOUR = 3_600_000;

/**
 * The retention sweep of the run root against a stubbed job lookup (what the pool queue says of
 * each run): which run directories go, which stay.
 */
describe('RunDirRetention', () => {
  let root: string;
  let jobs: Map<string, RunJobState | Error>;
  const groups: number[] = [];

  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => {
    for (const pgid of groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    Logger.overrideLogger(['log', 'warn', 'error']);
  });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'lawsweep-retention-unit-'));
    jobs = new Map();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function retention(options: WorkerOptions = {}): { retention: RunDirRetention; metrics: WorkerMetrics } {
    const config = loadWorkerConfig({ runRoot: root, killGraceSeconds: 0.2, ...options }, {});
    const lookup = {
      stateOf: async (runId: string): Promise<RunJobState> => {
        const state = jobs.get(runId) ?? { state: 'missing' };
        if (state instanceof Error) throw state;
        return state;
      },
    } as unknown as RunJobLookup;
    const metrics = new WorkerMetrics(config);
    return { retention: new RunDirRetention(config, lookup, new OrphanTrainers(config), metrics), metrics };
  }

  /** A run directory as a worker makes it (its marker), with a trainer.log and a checkpoint, everything in it last changed `ageHours` ago. */
  function runDir(runId: string, ageHours: number, sweep = 'sweep-1'): string {
    const dir = join(root, sweep, runId);
    mkdirSync(join(dir, 'ckpt'), { recursive: true });
    writeFileSync(join(dir, RUN_DIR_MARKER), `${runId}\n`);
    writeFileSync(join(dir, 'trainer.log'), 'a log\n');
    writeFileSync(join(dir, 'ckpt', 'step-100.pt'), 'weights');
    const at = new Date(Date.now() - ageHours * HOUR);
    for (const p of [join(dir, 'ckpt', 'step-100.pt'), join(dir, 'ckpt'), join(dir, 'trainer.log'), join(dir, RUN_DIR_MARKER), dir]) utimesSync(p, at, at);
    return dir;
  }

  it('removes failed runs\' directories older than WORKER_FAILED_RUN_DIR_HOURS and keeps the young ones', async () => {
    const { retention: r, metrics } = retention({ failedRunDirHours: 24 });
    const old = runDir('old-failed', 30);
    jobs.set('old-failed', { state: 'failed', finishedOn: Date.now() - 30 * HOUR, failedReason: 'trainer exited with code 3' });
    const young = runDir('young-failed', 2);
    jobs.set('young-failed', { state: 'failed', finishedOn: Date.now() - 2 * HOUR, failedReason: 'no final loss' });
    // Its files are old, but it failed only an hour ago: counted from the later of the two.
    const recentlyFailed = runDir('recently-failed', 30);
    jobs.set('recently-failed', { state: 'failed', finishedOn: Date.now() - HOUR, failedReason: 'timeout' });
    // A job that is gone (removed from the queue, or another pool's) counts from its files.
    const goneOld = runDir('gone-old', 25);
    const goneYoung = runDir('gone-young', 1);

    const report = await r.sweep();
    expect(report).toEqual({ removed: { cancelled: 0, finished: 0, expired: 2 }, kept: 3 });
    expect(existsSync(old)).toBe(false);
    expect(existsSync(goneOld)).toBe(false);
    expect(existsSync(young)).toBe(true);
    expect(existsSync(join(young, 'trainer.log'))).toBe(true);
    expect(existsSync(recentlyFailed)).toBe(true);
    expect(existsSync(goneYoung)).toBe(true);
    expect(await metrics.registry.metrics()).toMatch(/lawsweep_worker_run_dirs_removed_total\{reason="expired",[^}]*\} 2/);
  });

  it('keeps the directory of a run that may still resume (retried, handed back, lost its lock), however old', async () => {
    const { retention: r } = retention({ failedRunDirHours: 1 });
    const dirs = (['waiting', 'delayed', 'active', 'prioritized'] as const).map((state) => {
      jobs.set(`r-${state}`, { state });
      return runDir(`r-${state}`, 100);
    });
    expect((await r.sweep()).kept).toBe(4);
    for (const d of dirs) expect(existsSync(d)).toBe(true);
  });

  it('removes at once the directory of a run done elsewhere or cancelled, and an empty sweep directory with it', async () => {
    const { retention: r } = retention();
    const done = runDir('done-elsewhere', 0, 'sweep-a');
    jobs.set('done-elsewhere', { state: 'completed', finishedOn: Date.now() });
    const cancelled = runDir('cancelled', 0, 'sweep-b');
    jobs.set('cancelled', { state: 'failed', finishedOn: Date.now(), failedReason: CANCELLED_REASON });
    const report = await r.sweep();
    expect(report.removed).toEqual({ cancelled: 1, finished: 1, expired: 0 });
    expect(existsSync(done)).toBe(false);
    expect(existsSync(cancelled)).toBe(false);
    expect(existsSync(join(root, 'sweep-a'))).toBe(false);
    expect(existsSync(join(root, 'sweep-b'))).toBe(false);
  });

  it('never removes a directory a run of this worker claims; a claim waits for a removal under way', async () => {
    const { retention: r } = retention({ failedRunDirHours: 1 });
    const claimed = runDir('claimed', 50);
    jobs.set('claimed', { state: 'failed', finishedOn: Date.now() - 50 * HOUR });
    const release = await r.claim(claimed);
    expect((await r.sweep()).kept).toBe(1);
    expect(existsSync(claimed)).toBe(true);
    // The run's own claim does not keep it from removeNow (done, cancelled); a second one does.
    const second = await r.claim(claimed);
    expect(await r.removeNow(claimed, 'cancelled')).toBe(false);
    second();
    release();
    expect(await r.removeNow(claimed, 'cancelled', false)).toBe(true);
    expect(existsSync(claimed)).toBe(false);

    // A claim made while a sweep looks at the directory (at every point of it: after 0 to 11 turns
    // of the event loop): either the sweep sees the claim and keeps the directory, or the claim
    // waits until its removal has finished; never a claimed directory removed under the run.
    for (let turns = 0; turns < 12; turns++) {
      const racing = runDir(`racing-${turns}`, 50);
      jobs.set(`racing-${turns}`, { state: 'missing' });
      const sweeping = r.sweep();
      let releaseRacing = (): void => undefined;
      const claim = (async () => {
        for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
        releaseRacing = await r.claim(racing);
        return existsSync(racing);
      })();
      await sweeping;
      const existedWhenClaimed = await claim;
      expect(existsSync(racing)).toBe(existedWhenClaimed);
      releaseRacing();
    }
  });

  const linux = existsSync('/proc/self/stat') ? it : it.skip;
  linux('never removes a directory in which a trainer still runs (its marker names a live process group)', async () => {
    const { retention: r } = retention({ failedRunDirHours: 1 });
    const dir = runDir('live-trainer', 50);
    jobs.set('live-trainer', { state: 'missing' });
    const child = spawn('sh', ['-c', 'sleep 30 & wait'], { detached: true, stdio: 'ignore', env: { PATH: process.env.PATH, LAWSWEEP_RUN_DIR: dir } });
    child.unref();
    groups.push(child.pid!);
    writeTrainerMarker(dir, { pgid: child.pid!, workerId: 'this-worker', runId: 'live-trainer', attempt: 1 });
    const at = new Date(Date.now() - 50 * HOUR);
    utimesSync(dir, at, at);
    expect((await r.sweep()).kept).toBe(1);
    expect(existsSync(join(dir, 'trainer.log'))).toBe(true);
    expect(await r.removeNow(dir, 'cancelled', false)).toBe(false);
    process.kill(-child.pid!, 'SIGKILL');
  });

  it('never removes a directory no worker made (no marker): a run root pointed at a home or scratch directory', async () => {
    const { retention: r } = retention({ failedRunDirHours: 0 });
    const mine = join(root, 'projects', 'thesis');
    mkdirSync(mine, { recursive: true });
    writeFileSync(join(mine, 'draft.tex'), 'years of work');
    const at = new Date(Date.now() - 1000 * HOUR);
    utimesSync(join(mine, 'draft.tex'), at, at);
    utimesSync(mine, at, at);
    jobs.set('thesis', { state: 'missing' });
    expect(await r.sweep()).toEqual({ removed: { cancelled: 0, finished: 0, expired: 0 }, kept: 1 });
    expect(existsSync(join(mine, 'draft.tex'))).toBe(true);
  });

  it('removes nothing while the queue cannot be read, nor under WORKER_KEEP_RUN_DIRS', async () => {
    const { retention: r } = retention({ failedRunDirHours: 0 });
    const a = runDir('a', 100);
    jobs.set('a', new Error('no answer from Redis within 5 s'));
    const report = await r.sweep();
    expect(report.aborted).toMatch(/cannot read run jobs from Redis \(no answer from Redis within 5 s\)/);
    expect(existsSync(a)).toBe(true);

    const { retention: keeper } = retention({ keepRunDirs: true, failedRunDirHours: 0 });
    jobs.set('a', { state: 'completed' });
    expect(await keeper.sweep()).toEqual({ removed: { cancelled: 0, finished: 0, expired: 0 }, kept: 0 });
    expect(await keeper.removeNow(a, 'done', false)).toBe(false);
    expect(existsSync(a)).toBe(true);
  });

  it('with WORKER_FAILED_RUN_DIR_HOURS=0 a failed run\'s directory goes at the next sweep; symlinks in the run root are never followed', async () => {
    const { retention: r } = retention({ failedRunDirHours: 0 });
    const failed = runDir('failed-now', 0);
    jobs.set('failed-now', { state: 'failed', finishedOn: Date.now() });
    const outside = mkdtempSync(join(tmpdir(), 'lawsweep-retention-outside-'));
    try {
      mkdirSync(join(outside, 'run-x'));
      symlinkSync(outside, join(root, 'linked-sweep'));
      expect((await r.sweep()).removed.expired).toBe(1);
      expect(existsSync(failed)).toBe(false);
      expect(existsSync(join(outside, 'run-x'))).toBe(true);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
