import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { WorkerConfig } from '../config/worker.config';
import { OrphanTrainers } from './orphan-trainers.service';
import { groupAlive } from './process-group';
import { isSameProcess, procStat } from './proc-info';
import { thisWorkerProcess, type TrainerMarker } from './trainer-marker';

/**
 * Which markers OrphanTrainers acts on, with real process groups (Linux: /proc). A worker that died
 * is a pid that has exited; pid reuse is a marker whose start time does not match.
 */
const linux = existsSync('/proc/self/stat') ? describe : describe.skip;

/** Polls `done` until it holds, failing after `deadlineMs` (no fixed sleep: a loaded box is slow). */
async function until(done: () => boolean, what: string, deadlineMs = 5_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not within ${deadlineMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

linux('OrphanTrainers', () => {
  const root = mkdtempSync(join(tmpdir(), 'lawsweep-orphans-unit-'));
  const groups: number[] = [];
  let n = 0;
  const config = Object.assign(new WorkerConfig(), { runRoot: root, killGraceSeconds: 0.2 });
  const orphans = new OrphanTrainers(config);
  const self = thisWorkerProcess()!;
  const deadPid = spawnSync('true').pid!; // exited and reaped: a worker that is gone

  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => {
    for (const pgid of groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // stopped by the test, as it should be
      }
    }
    rmSync(root, { recursive: true, force: true });
    Logger.overrideLogger(['log', 'warn', 'error']);
  });

  /** A trainer-like process group (sh and a sleep) in a new run directory, and its marker's fields. */
  function trainer(): { runDir: string; pgid: number; marker: TrainerMarker } {
    const runDir = join(root, 'sweep', `run-${++n}`);
    mkdirSync(runDir, { recursive: true });
    const child = spawn('sh', ['-c', 'sleep 30 & wait'], { detached: true, stdio: 'ignore', env: { PATH: process.env.PATH, LAWSWEEP_RUN_DIR: runDir } });
    child.unref();
    const pgid = child.pid!;
    groups.push(pgid);
    const marker: TrainerMarker = { pgid, leaderStart: procStat(pgid)!.startTime, workerPid: deadPid, workerStart: '1', workerId: 'gone', runId: `run-${n}`, attempt: 1, pidSpace: self.pidSpace, startedAt: new Date().toISOString() };
    return { runDir, pgid, marker };
  }

  function mark(runDir: string, marker: TrainerMarker): string {
    const path = join(runDir, `.lawsweep-trainer-${marker.pgid}-abc123.json`);
    writeFileSync(path, JSON.stringify(marker));
    return path;
  }

  it("stops a group whose worker is gone, and removes its marker", async () => {
    const t = trainer();
    mark(t.runDir, t.marker);
    expect(await orphans.stopIn(t.runDir)).toEqual({ stopped: 1, liveElsewhere: [] });
    expect(groupAlive(t.pgid)).toBe(false);
    expect(readdirSync(t.runDir)).toEqual([]);
  });

  it("leaves a live worker's trainer alone and reports it", async () => {
    const t = trainer();
    const marker = { ...t.marker, workerPid: self.workerPid, workerStart: self.workerStart, workerId: 'alive' };
    const path = mark(t.runDir, marker);
    expect(await orphans.stopIn(t.runDir)).toEqual({ stopped: 0, liveElsewhere: [marker] });
    expect(groupAlive(t.pgid)).toBe(true);
    expect(existsSync(path)).toBe(true);
  });

  it("does not report a live worker's marker whose trainer has ended (its removal failed)", async () => {
    const t = trainer();
    process.kill(-t.pgid, 'SIGKILL');
    await until(() => !groupAlive(t.pgid), `group ${t.pgid} gone after SIGKILL`);
    const path = mark(t.runDir, { ...t.marker, workerPid: self.workerPid, workerStart: self.workerStart, workerId: 'alive' });
    expect(await orphans.stopIn(t.runDir)).toEqual({ stopped: 0, liveElsewhere: [] });
    expect(existsSync(path)).toBe(true); // its worker's to remove
  });

  it('does not stop a pid that is another process now (start time differs); the stale marker goes', async () => {
    const t = trainer();
    mark(t.runDir, { ...t.marker, leaderStart: '12345' });
    expect((await orphans.stopIn(t.runDir)).stopped).toBe(0);
    expect(groupAlive(t.pgid)).toBe(true);
    expect(readdirSync(t.runDir)).toEqual([]);
  });

  it('a marker that cannot be removed (EACCES) is logged; the worker still starts', async () => {
    const t = trainer();
    const path = mark(t.runDir, { ...t.marker, leaderStart: '12345' }); // stale: to be removed
    const rmSync = jest.spyOn(fs, 'rmSync').mockImplementation(() => {
      throw Object.assign(new Error(`EACCES: permission denied, unlink '${path}'`), { code: 'EACCES' });
    });
    try {
      await expect(orphans.stopUnderRunRoot()).resolves.toBe(0);
      expect(rmSync).toHaveBeenCalledWith(path, { force: true });
    } finally {
      rmSync.mockRestore();
    }
  });

  it('skips a marker that is a symlink (planted by another user of a shared run root)', async () => {
    const t = trainer();
    const elsewhere = join(root, `planted-${n}.json`);
    writeFileSync(elsewhere, JSON.stringify(t.marker));
    symlinkSync(elsewhere, join(t.runDir, `.lawsweep-trainer-${t.pgid}-abc123.json`));
    expect(await orphans.stopIn(t.runDir)).toEqual({ stopped: 0, liveElsewhere: [] });
    expect(groupAlive(t.pgid)).toBe(true);
  });

  (process.getuid?.() === 0 ? it : it.skip)("skips a marker another user owns", async () => {
    const t = trainer();
    const path = mark(t.runDir, t.marker);
    chownSync(path, 65534, 65534);
    expect(await orphans.stopIn(t.runDir)).toEqual({ stopped: 0, liveElsewhere: [] });
    expect(groupAlive(t.pgid)).toBe(true);
    expect(existsSync(path)).toBe(true);
  });

  it("skips markers of another machine or pid namespace (a run root on shared storage)", async () => {
    const t = trainer();
    const path = mark(t.runDir, { ...t.marker, pidSpace: 'another-boot/pid:[1]' });
    expect((await orphans.stopIn(t.runDir)).stopped).toBe(0);
    expect(groupAlive(t.pgid)).toBe(true);
    expect(existsSync(path)).toBe(true);
  });

  it('after its leader exited, stops the members that carry the run directory; not a group of another run', async () => {
    const ours = trainer();
    const theirs = trainer();
    // The leader (sh) goes; its sleep lives on in the group.
    for (const t of [ours, theirs]) {
      process.kill(t.pgid, 'SIGKILL');
      // Gone and reaped: a zombie leader still holds its pid (and so names its group), as it would
      // under a PID 1 that does not reap; this case is a leader that has left the group for good.
      await until(() => !isSameProcess(t.pgid, t.marker.leaderStart!) && procStat(t.pgid) === undefined, `leader ${t.pgid} gone and reaped after SIGKILL`);
      expect(groupAlive(t.pgid)).toBe(true);
    }
    mark(ours.runDir, ours.marker);
    const elsewhere = join(root, 'sweep', `another-run-${n}`); // not theirs.runDir: a run directory of its own
    mkdirSync(elsewhere);
    mark(elsewhere, theirs.marker); // a marker naming theirs, in another run's directory
    expect(await orphans.stopUnderRunRoot()).toBe(1);
    expect(groupAlive(ours.pgid)).toBe(false);
    expect(groupAlive(theirs.pgid)).toBe(true);
  });
});
