import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidSpace, procStat } from './proc-info';

/**
 * A small file in a run directory, there while a trainer runs in it, naming the trainer's process
 * group and the worker process that started it. A trainer is the leader of its own process group,
 * so when its worker dies (kill -9, OOM) it is re-parented to PID 1 and goes on training; Node has
 * no PR_SET_PDEATHSIG to prevent that. The marker lets the next worker on the node find it and stop
 * it (OrphanTrainers) before the run, requeued by BullMQ, trains twice in one run directory.
 *
 * Pids are reused, so each is recorded with the process's start time (/proc/<pid>/stat), and pids
 * only mean something on this boot in this pid namespace (pidSpace): markers are only written where
 * /proc tells all this (Linux), and only read where they were written.
 */
export interface TrainerMarker {
  /** The trainer's process group id: the pid of the process the worker started. */
  pgid: number;
  /** That process's start time; a process with this pid but another start time is someone else. */
  leaderStart?: string;
  workerPid: number;
  workerStart: string;
  workerId: string;
  runId: string;
  attempt: number;
  pidSpace: string;
  startedAt: string;
}

const MARKER_FILE = /^\.lawsweep-trainer-\d+-[0-9a-f]+\.json$/;

let self: { workerPid: number; workerStart: string; pidSpace: string } | undefined | null = null;

/**
 * This process, as a marker names its worker; undefined where /proc is missing (then no markers).
 * Read from /proc once: none of it changes while the process lives.
 */
export function thisWorkerProcess(): { workerPid: number; workerStart: string; pidSpace: string } | undefined {
  if (self === null) {
    const space = pidSpace();
    const stat = procStat(process.pid);
    self = space && stat ? { workerPid: process.pid, workerStart: stat.startTime, pidSpace: space } : undefined;
  }
  return self;
}

/**
 * Writes the marker of a trainer just started (synchronously: the window in which a worker dying
 * leaves an unmarked trainer is as short as it can be); returns its path, or undefined where there
 * is no /proc. Written under a temporary name and renamed: a reader never sees half of one.
 */
export function writeTrainerMarker(runDir: string, trainer: { pgid: number; workerId: string; runId: string; attempt: number }): string | undefined {
  const worker = thisWorkerProcess();
  if (!worker) return undefined;
  const marker: TrainerMarker = { ...trainer, leaderStart: procStat(trainer.pgid)?.startTime, ...worker, startedAt: new Date().toISOString() };
  const path = join(runDir, `.lawsweep-trainer-${trainer.pgid}-${randomBytes(3).toString('hex')}.json`);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(marker)}\n`);
  renameSync(`${path}.tmp`, path);
  return path;
}

/**
 * Removes a marker; never throws: a failure (EACCES, EROFS: a trainer made its directory read-only)
 * comes back for the caller to log, since it must fail neither a run nor a worker's start.
 */
export function removeTrainerMarker(path: string): Error | undefined {
  try {
    rmSync(path, { force: true });
    return undefined;
  } catch (err) {
    return err as Error;
  }
}

/**
 * The markers in a run directory, with their paths; unreadable ones are skipped, and so are
 * symlinks and files of another user: a marker makes the worker stop a process group, so only one
 * this user's worker wrote counts (opened without following links, then checked on the open file:
 * nothing can be swapped in between).
 */
export function readTrainerMarkers(runDir: string): { path: string; marker: TrainerMarker }[] {
  let names: string[];
  try {
    names = readdirSync(runDir);
  } catch {
    return [];
  }
  const found: { path: string; marker: TrainerMarker }[] = [];
  for (const name of names.filter((n) => MARKER_FILE.test(n))) {
    const path = join(runDir, name);
    try {
      const text = readOwnFile(path);
      if (text === undefined) continue;
      const marker = JSON.parse(text) as TrainerMarker;
      if (Number.isInteger(marker.pgid) && marker.pgid > 1 && Number.isInteger(marker.workerPid) && typeof marker.workerStart === 'string') found.push({ path, marker });
    } catch {
      // removed while we looked, or not ours to read
    }
  }
  return found;
}

/** A regular file's text if this process's user owns it; undefined for a symlink, a FIFO, another user's file. */
function readOwnFile(path: string): string | undefined {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK); // ELOOP on a symlink
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.uid !== process.getuid?.()) return undefined;
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
