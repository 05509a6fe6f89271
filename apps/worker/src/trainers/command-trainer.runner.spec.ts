import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { TrainerSpec } from '@lawsweep/contracts';
import { WorkerConfig } from '../config/worker.config';
import { CommandTrainerRunner } from './command-trainer.runner';
import { RunDirInUse } from '../runs/run-dir-in-use';
import { RunFailure } from '../runs/run-failure';
import { OrphanTrainers } from './orphan-trainers.service';
import { procStat } from './proc-info';
import { thisWorkerProcess, type TrainerMarker } from './trainer-marker';
import type { TrainerContext } from './trainer.types';

type CommandSpec = Extract<TrainerSpec, { type: 'command' }>;

/** The command runner around its edges, with real trainers (sh) in real run directories. */
describe('CommandTrainerRunner', () => {
  const root = mkdtempSync(join(tmpdir(), 'lawsweep-command-runner-'));
  const config = Object.assign(new WorkerConfig(), { id: 'unit', runRoot: root, killGraceSeconds: 0.2, defaultTimeoutSeconds: 0, trainerLogMiB: 1, baseEnv: { PATH: process.env.PATH ?? '' } });
  const runner = new CommandTrainerRunner(config, new OrphanTrainers(config));
  let n = 0;

  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    Logger.overrideLogger(['log', 'warn', 'error']);
  });

  function context(): TrainerContext {
    const runId = `run-${++n}`;
    const runDir = join(root, 'sweep', runId);
    mkdirSync(runDir, { recursive: true });
    return { job: { sweepId: 'sweep', runId, config: {}, cost: 1, trainer: { type: 'command', command: ['true'] } }, attempt: 1, runDir, env: {}, signal: new AbortController().signal, onProgress: () => undefined };
  }

  const linux = existsSync('/proc/self/fd') ? it : it.skip;
  const trainerLog = (ctx: TrainerContext) => readFileSync(join(ctx.runDir, 'trainer.log'), 'utf8');
  /** Files this process holds open under a directory (Linux: /proc/self/fd). */
  const openUnder = (dir: string) =>
    readdirSync('/proc/self/fd')
      .map((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`);
        } catch {
          return '';
        }
      })
      .filter((target) => target.startsWith(dir));

  const sh = (script: string, extra: Partial<CommandSpec> = {}): CommandSpec => ({ type: 'command', command: ['sh', '-c', script], ...extra });

  it('a timeout longer than a timer can wait (30 days) does not fire at once', async () => {
    const ctx = context();
    const outcome = await runner.run(sh('sleep 0.3; echo \'{"final": true, "loss": 2}\'', { timeoutSeconds: 30 * 86_400 }), ctx);
    expect(outcome).toEqual({ loss: 2 });
    expect(existsSync(join(ctx.runDir, 'trainer.log'))).toBe(true);
  });

  linux('a command spawn refuses outright (a NUL byte in an argument): not retried, and trainer.log is closed', async () => {
    const ctx = context();
    const failure = await runner.run({ type: 'command', command: ['sh', '-c', 'echo \0'] }, ctx).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(RunFailure);
    expect(failure).toMatchObject({ retryable: false, message: expect.stringMatching(/^cannot start the trainer: .*null bytes.*not retried/) });
    expect(trainerLog(ctx)).toMatch(/attempt 1 could not be started: .*null bytes/);
    expect(openUnder(ctx.runDir)).toEqual([]);
  });

  linux("a marker that cannot be removed (the trainer put a directory in its place) neither fails a done run nor leaves trainer.log open", async () => {
    const ctx = context();
    const replaceMarker = 'sleep 0.2; for m in "$LAWSWEEP_RUN_DIR"/.lawsweep-trainer-*.json; do rm "$m"; mkdir "$m"; touch "$m/x"; done';
    const outcome = await runner.run(sh(`${replaceMarker}; echo '{"final": true, "loss": 3}'`), ctx);
    expect(outcome).toEqual({ loss: 3 });
    expect(readdirSync(ctx.runDir).filter((f) => f.startsWith('.lawsweep-trainer-'))).toHaveLength(1); // the directory, still there
    expect(trainerLog(ctx)).toMatch(/attempt 1 exited with code 0 after/);
    expect(openUnder(ctx.runDir)).toEqual([]);
  });

  linux("does not start a second trainer beside a live worker's trainer in the run directory: RunDirInUse (the executor hands the run back)", async () => {
    const ctx = context();
    const other = spawn('sh', ['-c', 'sleep 30 & wait'], { detached: true, stdio: 'ignore', env: { PATH: process.env.PATH, LAWSWEEP_RUN_DIR: ctx.runDir } });
    other.unref();
    const pgid = other.pid!;
    try {
      // The group is the child's own once it has called setsid: poll for that, with a deadline.
      const deadline = Date.now() + 5_000;
      while (procStat(pgid)?.pgrp !== pgid) {
        if (Date.now() > deadline) throw new Error(`process ${pgid} did not lead its own process group within 5 s`);
        await new Promise((r) => setTimeout(r, 10));
      }
      const marker: TrainerMarker = { pgid, leaderStart: procStat(pgid)!.startTime, ...thisWorkerProcess()!, workerId: 'other-worker', runId: ctx.job.runId, attempt: 1, startedAt: new Date().toISOString() };
      writeFileSync(join(ctx.runDir, `.lawsweep-trainer-${pgid}-abc123.json`), JSON.stringify(marker));
      const failure = await runner.run(sh(`touch "$LAWSWEEP_RUN_DIR/started"; echo '{"final": true, "loss": 1}'`), ctx).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(RunDirInUse);
      expect((failure as Error).message).toMatch(new RegExp(`^the run directory \\S+ is in use: worker other-worker \\(pid \\d+, alive\\) still runs a trainer there \\(process group ${pgid}, run ${ctx.job.runId} attempt 1`));
      expect(existsSync(join(ctx.runDir, 'started'))).toBe(false);
      expect(existsSync(join(ctx.runDir, 'trainer.log'))).toBe(false);
    } finally {
      process.kill(-pgid, 'SIGKILL');
    }
  });
});
