import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { DelayedError, type Job } from 'bullmq';
import type { RunJobData } from '@lawsweep/contracts';
import { loadWorkerConfig, type WorkerOptions } from '../config/worker.config';
import { WorkerMetrics } from '../observability/worker-metrics.service';
import type { WorkerRedis } from '../redis/worker-redis.service';
import type { WorkerRegistry } from '../registry/worker-registry.service';
import type { TrainerRunners } from '../trainers/trainer-runners.service';
import type { CancelWatcher } from './cancel-watcher.service';
import { DiskSpace } from './disk-space';
import type { GpuSlots } from './gpu-slots.service';
import type { LockFence } from './lock-fence.service';
import type { ResultReporter } from './result-reporter.service';
import type { RetentionSweep, RunDirRetention } from './run-dir-retention.service';
import { RunExecutor } from './run-executor.service';

const GIB = 1024 ** 3;

/**
 * The disk floor (WORKER_MIN_FREE_DISK_GIB) of RunExecutor, with a stubbed statfs (DiskSpace) and
 * retention sweep: a run root below the floor hands the run back, without an attempt or a result.
 */
describe('RunExecutor: the disk floor', () => {
  let root: string;
  let warnings: string[];

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'lawsweep-disk-unit-'));
    warnings = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(root, { recursive: true, force: true });
  });

  const noneRemoved: RetentionSweep = { removed: { cancelled: 0, finished: 0, expired: 0 }, kept: 3 };

  /** An executor whose free space is `free` (bytes, one answer per reading; the last repeats) and whose sweep answers `sweep`. */
  function executor(free: (number | Error)[], options: WorkerOptions = {}, sweep: RetentionSweep = noneRemoved) {
    const config = loadWorkerConfig({ runRoot: root, minFreeDiskGiB: 1, ...options }, {});
    const metrics = new WorkerMetrics(config);
    const readings = [...free];
    const disk = {
      freeBytes: jest.fn(async (path: string) => {
        expect(path).toBe(root);
        const next = readings.length > 1 ? readings.shift()! : readings[0];
        if (next instanceof Error) throw next;
        return next;
      }),
    };
    const retention = { claim: jest.fn(async () => () => undefined), removeNow: jest.fn(async () => true), sweep: jest.fn(async () => sweep) };
    const trainers = { run: jest.fn(async () => ({ loss: 2.5 })) };
    const reporter = { report: jest.fn(async () => undefined) };
    const run = new RunExecutor(
      config,
      trainers as unknown as TrainerRunners,
      reporter as unknown as ResultReporter,
      { isCancelled: async () => false, watch: () => () => undefined } as unknown as CancelWatcher,
      { acquire: () => undefined, release: () => undefined } as unknown as GpuSlots,
      { setBusy: () => undefined } as unknown as WorkerRegistry,
      metrics,
      { liveAdverts: async () => [] } as unknown as WorkerRedis,
      { guard: () => () => undefined } as unknown as LockFence,
      retention as unknown as RunDirRetention,
      disk as unknown as DiskSpace,
    );
    return { run, disk, retention, trainers, reporter, metrics };
  }

  function job(trainer: RunJobData['trainer'] = { type: 'command', command: ['train', '{N}'] }) {
    const data: RunJobData = { sweepId: 'sweep-1', runId: 'sweep-1-r00001', config: { N: 1e6, D: 2e7 }, cost: 1, trainer };
    const j = {
      id: data.runId,
      data,
      attemptsMade: 0,
      opts: { attempts: 3 },
      processedOn: Date.now(),
      updateData: jest.fn(async (d: RunJobData) => void (j.data = d)),
      moveToDelayed: jest.fn(async () => undefined),
      updateProgress: jest.fn(async () => undefined),
    };
    return j;
  }

  it('hands a run back (delayed, no attempt used, no result) when the run root stays below the floor after a sweep', async () => {
    const { run, disk, retention, trainers, reporter, metrics } = executor([0.25 * GIB]);
    const j = job();
    await expect(run.execute(j as unknown as Job, 'token-1')).rejects.toBeInstanceOf(DelayedError);
    expect(retention.sweep).toHaveBeenCalledTimes(1); // expired run directories first
    expect(disk.freeBytes).toHaveBeenCalledTimes(1); // nothing removed: no second reading
    expect(trainers.run).not.toHaveBeenCalled();
    expect(retention.claim).not.toHaveBeenCalled(); // no run directory made
    expect(reporter.report).not.toHaveBeenCalled();
    expect(j.updateData).toHaveBeenCalledWith(expect.objectContaining({ refusals: 1 }));
    expect(j.moveToDelayed).toHaveBeenCalledWith(expect.any(Number), 'token-1');
    expect(run.busy).toBe(0);
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(`^run sweep-1-r00001 handed back for another worker \\(hand-back 1\\), not started here: the run root ${root} has 0\\.25 GiB free, below WORKER_MIN_FREE_DISK_GIB=1 \\(a retention sweep removed 0 run directories; 3 kept: .*WORKER_FAILED_RUN_DIR_HOURS=24 ago\\)`),
      ),
    ]);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/lawsweep_worker_hand_backs_total\{reason="low_disk",[^}]*\} 1/);
    expect(text).toMatch(/lawsweep_worker_runs_total\{outcome="handed_back",trainer="command",[^}]*\} 1/);
    expect(text).toMatch(new RegExp(`lawsweep_worker_run_root_free_bytes\\{[^}]*\\} ${0.25 * GIB}`));
    expect(text).not.toMatch(/outcome="failed"/);

    // Handed back again: the count (and so the delay) grows, as for a capacity refusal.
    await expect(run.execute(j as unknown as Job, 'token-2')).rejects.toBeInstanceOf(DelayedError);
    expect(j.updateData).toHaveBeenLastCalledWith(expect.objectContaining({ refusals: 2 }));
  });

  it('starts the run when the sweep made room', async () => {
    const { run, disk, retention, trainers } = executor([0.5 * GIB, 5 * GIB], {}, { removed: { cancelled: 0, finished: 1, expired: 2 }, kept: 0 });
    const result = await run.execute(job() as unknown as Job, 'token');
    expect(result).toMatchObject({ status: 'done', loss: 2.5 });
    expect(retention.sweep).toHaveBeenCalledTimes(1);
    expect(disk.freeBytes).toHaveBeenCalledTimes(2);
    expect(trainers.run).toHaveBeenCalledTimes(1);
    expect(retention.removeNow).toHaveBeenCalledWith(join(root, 'sweep-1', 'sweep-1-r00001'), 'done');
  });

  it('starts the run with room above the floor, without a sweep', async () => {
    const { run, retention, trainers } = executor([1.5 * GIB]);
    await expect(run.execute(job() as unknown as Job, 'token')).resolves.toMatchObject({ status: 'done' });
    expect(retention.sweep).not.toHaveBeenCalled();
    expect(trainers.run).toHaveBeenCalledTimes(1);
  });

  it('does not look without a floor (0), for trainers without a run directory, or when statfs fails', async () => {
    const off = executor([0], { minFreeDiskGiB: 0 });
    await expect(off.run.execute(job() as unknown as Job, 'token')).resolves.toMatchObject({ status: 'done' });
    expect(off.disk.freeBytes).not.toHaveBeenCalled();

    const simulated = executor([0]);
    await expect(simulated.run.execute(job({ type: 'simulate', truth: 'chinchilla', noise: 0, secondsPerCost: 0, maxSeconds: 0 }) as unknown as Job, 'token')).resolves.toMatchObject({ status: 'done' });
    expect(simulated.disk.freeBytes).not.toHaveBeenCalled();

    const unreadable = executor([Object.assign(new Error('ENOSYS: function not implemented, statfs'), { code: 'ENOSYS' })]);
    await expect(unreadable.run.execute(job() as unknown as Job, 'token')).resolves.toMatchObject({ status: 'done' });
    expect(warnings).toEqual([expect.stringMatching(/^cannot read the free space of the run root .* \(statfs\): ENOSYS.*; starting the run without the WORKER_MIN_FREE_DISK_GIB check$/)]);
  });
});

describe('DiskSpace', () => {
  it("reads a filesystem's free space (statfs: available blocks × block size)", async () => {
    const free = await new DiskSpace().freeBytes(tmpdir());
    expect(Number.isFinite(free)).toBe(true);
    expect(free).toBeGreaterThan(0);
    await expect(new DiskSpace().freeBytes(join(tmpdir(), 'no-such-dir-for-lawsweep'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
