/** A job whose lock has gone unconfirmed for longer than the lock duration, and for how long (ms). */
export interface LapsedLock {
  jobId: string;
  silentMs: number;
}

/**
 * When each job this worker processes last had its BullMQ lock confirmed: when it was handed out
 * (the lock is taken then), then each renewal that Redis answered. Plain bookkeeping on an injected
 * clock (monotonic by default: a wall-clock jump must not stop or spare runs); LockFence acts on it.
 *
 * A job is lapsed once its lock has gone unconfirmed for longer than the lock duration, with nothing
 * subtracted for round trips or clock rates. Redis expires a lock `lockMs` after it last set it
 * (PEXPIRE is relative to when Redis ran the command), and it ran that command before its answer
 * reached us, so by then the lock has expired, give or take the drift of two clocks over one lock
 * duration. The error is on the late side (up to one round trip), which is the harmless side: the
 * fence does not guarantee a single trainer (the lock token does that, at completion); it bounds the
 * training that is thrown away.
 */
export class LockClock {
  private readonly confirmedAt = new Map<string, number>();

  constructor(
    readonly lockMs: number,
    /** The clock's time (ms). */
    readonly now: () => number = () => performance.now(),
  ) {}

  /** A job starts processing; its lock was taken `ageMs` ago, when BullMQ handed the job out. */
  start(jobId: string, ageMs = 0): void {
    this.confirmedAt.set(jobId, this.now() - Math.max(0, ageMs));
  }

  /** Redis renewed these jobs' locks; ids this clock does not know are ignored. */
  renewed(jobIds: readonly string[]): void {
    const now = this.now();
    for (const id of jobIds) if (this.confirmedAt.has(id)) this.confirmedAt.set(id, now);
  }

  /** How long this job's lock has gone unconfirmed (ms); undefined for a job this clock does not know. */
  silentMs(jobId: string): number | undefined {
    const at = this.confirmedAt.get(jobId);
    return at === undefined ? undefined : this.now() - at;
  }

  forget(jobId: string): void {
    this.confirmedAt.delete(jobId);
  }

  /** The jobs whose lock has not been confirmed for longer than the lock duration. */
  lapsed(): LapsedLock[] {
    const now = this.now();
    const out: LapsedLock[] = [];
    for (const [jobId, at] of this.confirmedAt) if (now - at > this.lockMs) out.push({ jobId, silentMs: now - at });
    return out;
  }
}
