import { join } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { PLACEHOLDER_PATTERN, placeholderList, type RunPlaceholder, type TrainerSpec } from '@lawsweep/contracts';
import { WorkerConfig } from '../config/worker.config';
import { RunDirInUse } from '../runs/run-dir-in-use';
import { RunFailure } from '../runs/run-failure';
import { RunStopped } from '../runs/run-stopped';
import { timerDelay } from '../runs/timer-delay';
import { OrphanTrainers } from './orphan-trainers.service';
import { ProcessGroup, type ProcessExit } from './process-group';
import { spawnFailure } from './spawn-failure';
import { TRAINER_LOG_FILE, TrainerLog } from './trainer-log';
import { removeTrainerMarker, writeTrainerMarker } from './trainer-marker';
import { finalLossProblem, LineSplitter, parseTrainerLine, TailBuffer } from './trainer-output.parser';
import type { StopReason, TrainerContext, TrainerOutcome, TrainerRunner } from './trainer.types';

type CommandSpec = Extract<TrainerSpec, { type: 'command' }>;

/**
 * Replaces `{name}` in one argument by its value (placeholders: libs/contracts, which the spec
 * parser checks against the same list). The result stays one argument: it is passed to the trainer
 * verbatim, never through a shell, so no value can inject a command.
 */
export function substitutePlaceholders(template: string, values: Record<string, string>, where: string): string {
  return template.replace(PLACEHOLDER_PATTERN, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new RunFailure(`${where}: unknown placeholder ${whole} in '${template}'; known: ${placeholderList(Object.keys(values))}`, false);
    }
    return value;
  });
}

/** Shortest exact decimal form: 1e9 -> "1000000000", 1.4e12 -> "1400000000000", 1e21 -> "1e+21". */
function formatNumber(n: number): string {
  return String(n);
}

/**
 * The `command` trainer (protocol in ARCHITECTURE.md): starts the command without a shell in its
 * own process group, streams its JSON progress lines, writes all it prints (stdout and stderr) to
 * the run directory's trainer.log (TrainerLog), enforces the per-run timeout, stops the whole
 * group on timeout, cancel or shutdown (SIGTERM, then SIGKILL after the kill grace), and judges the
 * exit: a non-zero exit is retryable; a command that cannot be started (missing, not executable), a
 * missing, non-finite or non-positive final loss, and a timeout, are not (the same command would do
 * the same again).
 */
@Injectable()
export class CommandTrainerRunner implements TrainerRunner<CommandSpec> {
  readonly type = 'command' as const;
  private readonly logger = new Logger(CommandTrainerRunner.name);

  constructor(
    private readonly config: WorkerConfig,
    private readonly orphans: OrphanTrainers,
  ) {}

  async run(spec: CommandSpec, ctx: TrainerContext): Promise<TrainerOutcome> {
    const { job } = ctx;
    // Every name of RUN_PLACEHOLDERS, or this does not compile: the spec parser accepts exactly these.
    const perRun: Record<RunPlaceholder, string | undefined> = {
      runId: job.runId,
      sweepId: job.sweepId,
      runDir: ctx.runDir,
      attempt: String(ctx.attempt),
      seed: job.seed !== undefined ? String(job.seed) : undefined,
    };
    const values: Record<string, string> = {
      ...Object.fromEntries(Object.entries(job.config).map(([k, v]) => [k, formatNumber(v)])),
      ...(Object.fromEntries(Object.entries(perRun).filter(([, v]) => v !== undefined)) as Record<string, string>),
    };
    const argv = spec.command.map((arg, i) => substitutePlaceholders(arg, values, `trainer.command[${i}]`));
    const specEnv = Object.fromEntries(Object.entries(spec.env ?? {}).map(([k, v]) => [k, substitutePlaceholders(v, values, `trainer.env.${k}`)]));
    const env: Record<string, string> = {
      ...this.config.baseEnv,
      ...specEnv,
      ...Object.fromEntries(Object.entries(job.config).map(([k, v]) => [k, formatNumber(v)])),
      LAWSWEEP_RUN_ID: job.runId,
      LAWSWEEP_SWEEP_ID: job.sweepId,
      LAWSWEEP_RUN_DIR: ctx.runDir,
      LAWSWEEP_ATTEMPT: String(ctx.attempt),
      ...(job.seed !== undefined ? { LAWSWEEP_SEED: String(job.seed) } : {}),
      ...ctx.env,
    };

    await this.stopOrphans(ctx.runDir);
    let finalLoss: number | undefined;
    const log = new TailBuffer(4000);
    const stderr = new TailBuffer(4000);
    const trainerLog = await this.openTrainerLog(ctx.runDir, job.runId);
    trainerLog?.note(`attempt ${ctx.attempt} of run ${job.runId} on worker ${this.config.id}: ${JSON.stringify(argv)}`);
    const stderrLines = new LineSplitter((line) => trainerLog?.line('stderr', line));
    const started = Date.now();
    let group: ProcessGroup;
    try {
      group = new ProcessGroup(argv[0], argv.slice(1), {
        cwd: spec.cwd,
        env,
        onStdoutLine: (line) => {
          trainerLog?.line('stdout', line);
          const parsed = parseTrainerLine(line);
          if (parsed.kind === 'progress') ctx.onProgress(parsed.point);
          else if (parsed.kind === 'final') finalLoss = parsed.loss;
          else log.push(`${parsed.text}\n`);
        },
        onStderr: (chunk) => {
          stderr.push(chunk);
          stderrLines.push(chunk);
        },
      });
    } catch (err) {
      // spawn throws (rather than emitting 'error') for arguments it refuses, e.g. a NUL byte.
      await this.closeTrainerLog(trainerLog, `attempt ${ctx.attempt} could not be started: ${(err as Error).message}`, job.runId);
      throw startFailure(err as NodeJS.ErrnoException, argv[0], spec.cwd);
    }
    trainerLog?.control({ pause: () => group.pauseOutput(), resume: () => group.resumeOutput() });
    const marker = this.markTrainer(ctx, group.pid);

    const graceMs = this.config.killGraceSeconds * 1000;
    let stopCause: StopReason | 'timeout' | undefined;
    let ended = 'ended';
    let stopping: Promise<{ killed: boolean; exit: ProcessExit }> | undefined;
    const stop = (cause: StopReason | 'timeout') => {
      if (stopping) return;
      stopCause = cause;
      this.logger.log(`run ${job.runId}: stopping trainer (pid ${group.pid}) for ${cause}`);
      stopping = group.stop(graceMs);
    };
    const timeoutSeconds = spec.timeoutSeconds ?? this.config.defaultTimeoutSeconds;
    const timer = timeoutSeconds > 0 ? setTimeout(() => stop('timeout'), timerDelay(timeoutSeconds * 1000)) : undefined;
    const onAbort = () => stop((ctx.signal.reason as StopReason) ?? 'cancelled');
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });

    try {
      const exit = await group.whenExited;
      if (stopping) {
        const { killed } = await stopping;
        const how = killed ? 'killed with SIGKILL after ignoring SIGTERM' : 'stopped with SIGTERM';
        ended = `${how} (${stopCause})`;
        if (stopCause === 'timeout') {
          throw new RunFailure(`timeout: the trainer ran past its ${timeoutSeconds}s limit and was ${how}${tail('stderr', stderr)}`, false);
        }
        this.logger.log(`run ${job.runId}: trainer ${how} (${stopCause})`);
        throw new RunStopped(stopCause as StopReason);
      }
      await group.finish();
      const status = exit.code !== null ? `code ${exit.code}` : `signal ${exit.signal}`;
      ended = exit.spawnError ? 'could not be started' : `exited with ${status}`;
      if (exit.spawnError) throw spawnFailure(exit.spawnError, argv[0], spec.cwd);
      if (exit.code !== 0) throw new RunFailure(`trainer exited with ${status}${tail('stderr', stderr)}`, true);
      const problem = finalLossProblem(finalLoss);
      if (problem) throw new RunFailure(`${problem}${tail('stdout', log)}${tail('stderr', stderr)}`, false);
      return { loss: finalLoss as number };
    } finally {
      if (timer) clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      if (marker) this.unmarkTrainer(marker, job.runId); // its group is gone: finish() or stop() saw to that
      stderrLines.end();
      await this.closeTrainerLog(trainerLog, `attempt ${ctx.attempt} ${ended} after ${((Date.now() - started) / 1000).toFixed(1)} s`, job.runId);
    }
  }

  /** Removes the trainer's marker; a failure (EACCES, EROFS: the trainer made its directory read-only) is logged, never the run's. */
  private unmarkTrainer(marker: string, runId: string): void {
    const failed = removeTrainerMarker(marker);
    if (failed) this.logger.warn(`run ${runId}: cannot remove the trainer's marker ${marker}: ${failed.message}`);
  }

  /** Writes the attempt's last line to trainer.log and closes it; never fails the run. */
  private async closeTrainerLog(trainerLog: TrainerLog | undefined, note: string, runId: string): Promise<void> {
    if (!trainerLog) return;
    trainerLog.note(note);
    const failed = await trainerLog.close();
    if (failed) this.logger.warn(`run ${runId}: ${TRAINER_LOG_FILE} is incomplete: ${failed.message}`);
  }

  /**
   * Before a trainer starts in a run directory: a trainer left there by a worker that died (the run
   * was requeued from it) is stopped first, or two would train in one directory, on one GPU. One of
   * a worker still alive (it lost the run's lock, and BullMQ requeued the run) is not ours to stop:
   * the run is handed back, delayed, without using an attempt (RunDirInUse), rather than train beside
   * it. Two trainers in one directory would overwrite each other's checkpoints and trainer.log, not
   * only share a GPU; the other one's result is refused when it completes without the lock.
   */
  private async stopOrphans(runDir: string): Promise<void> {
    const { liveElsewhere } = await this.orphans.stopIn(runDir);
    const [other] = liveElsewhere;
    if (!other) return;
    throw new RunDirInUse(
      `the run directory ${runDir} is in use: worker ${other.workerId} (pid ${other.workerPid}, alive) still runs a trainer there ` +
        `(process group ${other.pgid}, run ${other.runId} attempt ${other.attempt}, started ${other.startedAt}); not starting a second one beside it`,
    );
  }

  /** The trainer's marker (trainer-marker.ts), so that it can be found if this worker dies; never fails the run. */
  private markTrainer(ctx: TrainerContext, pgid: number | undefined): string | undefined {
    if (pgid === undefined) return undefined; // not started
    try {
      return writeTrainerMarker(ctx.runDir, { pgid, workerId: this.config.id, runId: ctx.job.runId, attempt: ctx.attempt });
    } catch (err) {
      this.logger.warn(`run ${ctx.job.runId}: cannot write the trainer's marker in ${ctx.runDir}: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** The run directory's trainer.log, open for this attempt; none when turned off or it cannot be opened (never fails the run). */
  private async openTrainerLog(runDir: string, runId: string): Promise<TrainerLog | undefined> {
    if (this.config.trainerLogMiB <= 0) return undefined;
    try {
      return await TrainerLog.open(join(runDir, TRAINER_LOG_FILE), this.config.trainerLogMiB * (1 << 20));
    } catch (err) {
      this.logger.warn(`run ${runId}: cannot write ${TRAINER_LOG_FILE}: ${(err as Error).message}`);
      return undefined;
    }
  }
}

/** A command that spawn refused outright: its own argument checks (ERR_*) are not retried, errno codes as spawnFailure says. */
function startFailure(err: NodeJS.ErrnoException, command: string, cwd: string | undefined): RunFailure {
  if (err.code?.startsWith('ERR_') || !err.code) return new RunFailure(`cannot start the trainer: ${err.message}; not retried: another attempt would fail the same way`, false);
  return spawnFailure(err, command, cwd);
}

function tail(name: string, buffer: TailBuffer): string {
  const text = buffer.toString().trimEnd();
  return text ? `; ${name} tail:\n${text}` : '';
}
