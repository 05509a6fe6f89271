import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { timerDelay } from '../runs/timer-delay';
import { procStat } from './proc-info';
import { LineSplitter } from './trainer-output.parser';

/**
 * Live (non-zombie) members of a process group, from /proc; undefined where /proc is missing (then
 * kill(-pgid, 0) decides). A zombie answers kill(-pgid, 0) too, and where PID 1 does not reap
 * orphans (some containers) a killed group's members stay zombies: dead, but signalable.
 */
export function liveGroupMembers(pgid: number): number[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const live: number[] = [];
  for (const entry of entries) {
    if (!/^[0-9]+$/.test(entry)) continue;
    const stat = procStat(Number(entry)); // undefined: the process ended while we looked
    if (stat && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') live.push(Number(entry));
  }
  return live;
}

/** Whether anything of a process group still runs (zombies excluded where /proc tells). */
export function groupAlive(pgid: number): boolean {
  const live = liveGroupMembers(pgid);
  return live ? live.length > 0 : signalProcessGroup(pgid, 0);
}

/** Sends a signal to a whole process group; false when nothing is left in it (ESRCH). */
export function signalProcessGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops a process group that is not this process's child (a trainer whose worker died): SIGTERM,
 * then SIGKILL to whatever is left after `graceMs`, if `isSameGroup` still says it is the group
 * meant: not being our child, its id can be reused during the grace once all of it has exited, and
 * the SIGKILL would then hit someone else's group. Resolves once nothing of it runs (or a second
 * after the SIGKILL); `killed` tells whether SIGKILL was sent.
 */
export async function stopProcessGroup(pgid: number, graceMs: number, isSameGroup: () => boolean): Promise<{ killed: boolean }> {
  const signal = (s: NodeJS.Signals) => signalProcessGroup(pgid, s);
  const waitGone = async (ms: number) => {
    const deadline = Date.now() + ms;
    while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  };
  if (!signal('SIGTERM')) return { killed: false };
  await waitGone(graceMs);
  if (!groupAlive(pgid) || !isSameGroup()) return { killed: false };
  const killed = signal('SIGKILL');
  await waitGone(1000);
  return { killed };
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the command could not be started at all (ENOENT, EACCES, ...): code is then 127. */
  spawnError?: NodeJS.ErrnoException;
}

export interface ProcessGroupOptions {
  cwd?: string;
  env: Record<string, string>;
  onStdoutLine(line: string): void;
  onStderr(chunk: string): void;
}

/** The trainer groups of this process not yet finished or stopped (killAllProcessGroupsNow). */
const liveGroups = new Set<ProcessGroup>();

/**
 * SIGKILL to every trainer group this process started and has not yet seen end: for a worker that
 * must exit at once (asked again during its shutdown), so that no trainer outlives it. Synchronous.
 * Returns how many groups were signalled.
 */
export function killAllProcessGroupsNow(): number {
  let n = 0;
  for (const group of liveGroups) if (group.signalGroup('SIGKILL')) n++;
  return n;
}

/**
 * A trainer process started without a shell (arguments reach it verbatim) as the leader of its own
 * process group (detached), so that stopping it also stops whatever it started: data loaders,
 * torchrun ranks, a `sleep` in a shell script. Node's child_process has no group kill; this small
 * class adds it (process.kill with a negative pid) and a SIGTERM-then-SIGKILL stop.
 */
export class ProcessGroup {
  private readonly child: ChildProcess;
  private readonly exited: Promise<ProcessExit>;
  /** Both pipes read to their end (every process holding them gone). */
  private readonly outputClosed: Promise<void>;
  private exit: ProcessExit | undefined;
  /** Set once the leader has exited: the output is read to its end, whatever the log asks. */
  private readingToEnd = false;

  constructor(command: string, args: string[], options: ProcessGroupOptions) {
    this.child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      shell: false,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (this.child.pid !== undefined) liveGroups.add(this);
    this.exited = new Promise((resolve) => {
      // 'error' (e.g. ENOENT: no such command) comes instead of 'exit' when the spawn fails.
      this.child.once('error', (err: NodeJS.ErrnoException) => {
        options.onStderr(`${err.message}\n`);
        this.exit ??= { code: 127, signal: null, ...(err.syscall?.startsWith('spawn') ? { spawnError: err } : {}) };
        resolve(this.exit);
      });
      this.child.once('exit', (code, signal) => {
        this.exit ??= { code, signal };
        // What the trainer printed last (its final loss) may still be in the pipes. Node resumes
        // them on exit, but a log that falls behind again would pause them, finish() give up on
        // them after 2 s, and the run fail with "no final loss": from now on they are read to the
        // end whatever the log asks (it queues the rest, which is bounded: the trainer is done).
        this.readingToEnd = true;
        this.resumeOutput();
        resolve(this.exit);
      });
    });
    const stdout = this.child.stdout!;
    stdout.setEncoding('utf8');
    const stdoutClosed = new Promise<void>((resolve) => {
      const lines = new LineSplitter(options.onStdoutLine);
      stdout.on('data', (chunk: string) => lines.push(chunk));
      stdout.once('close', () => {
        lines.end();
        resolve();
      });
    });
    const stderr = this.child.stderr!;
    stderr.setEncoding('utf8');
    stderr.on('data', (chunk: string) => options.onStderr(chunk));
    const stderrClosed = new Promise<void>((resolve) => stderr.once('close', () => resolve()));
    this.outputClosed = Promise.all([stdoutClosed, stderrClosed]).then(() => undefined);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Stops reading the trainer's output until resumeOutput(): when its pipes fill, the trainer's
   * writes block, as they would on a slow terminal (the run's trainer.log is behind). Not once the
   * leader has exited: then the output is read to its end.
   */
  pauseOutput(): void {
    if (this.readingToEnd) return;
    this.child.stdout?.pause();
    this.child.stderr?.pause();
  }

  resumeOutput(): void {
    this.child.stdout?.resume();
    this.child.stderr?.resume();
  }

  /** Resolves when the leader exits (or could not start: code 127). */
  get whenExited(): Promise<ProcessExit> {
    return this.exited;
  }

  get hasExited(): boolean {
    return this.exit !== undefined;
  }

  /** Sends a signal to the whole group; false when the group is already gone. */
  signalGroup(signal: NodeJS.Signals | 0): boolean {
    const pid = this.child.pid;
    return pid !== undefined && signalProcessGroup(pid, signal);
  }

  /**
   * After the leader exited on its own: kills anything the trainer left running in its group (a
   * run's processes must not outlive the run, and a straggler holding a pipe open would keep it
   * from closing), then waits for stdout and stderr to be read to the end.
   */
  async finish(): Promise<ProcessExit> {
    const exit = await this.exited;
    this.signalGroup('SIGKILL');
    liveGroups.delete(this);
    await Promise.race([this.outputClosed, new Promise((r) => setTimeout(r, 2000).unref())]);
    return exit;
  }

  /** SIGTERM to the group, SIGKILL after `graceMs` if anything is still alive; resolves on exit. */
  async stop(graceMs: number): Promise<{ killed: boolean; exit: ProcessExit }> {
    let killed = false;
    if (!this.hasExited) this.signalGroup('SIGTERM');
    const timer = setTimeout(() => {
      killed = this.signalGroup('SIGKILL');
    }, timerDelay(graceMs));
    const exit = await this.exited;
    // The leader may exit on SIGTERM while a child that ignores it lives on: wait the grace out for
    // the group, then kill what is left.
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && this.groupAlive()) await new Promise((r) => setTimeout(r, 50));
    clearTimeout(timer);
    if (this.groupAlive()) killed = this.signalGroup('SIGKILL') || killed;
    liveGroups.delete(this);
    await Promise.race([this.outputClosed, new Promise((r) => setTimeout(r, 2000).unref())]);
    return { killed, exit };
  }

  /** Whether anything of the group still runs (zombies excluded where /proc tells). */
  groupAlive(): boolean {
    const pid = this.child.pid;
    return pid !== undefined && groupAlive(pid);
  }
}
