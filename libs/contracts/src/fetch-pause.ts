import { isRedisOutOfMemory } from './redis-oom';

/** How long a BullMQ worker stops fetching after Redis refused a fetch at its maxmemory. */
export const FULL_REDIS_BACKOFF_MS = 2_000;

/** The part of a BullMQ Worker the back-off drives. */
export interface PausableWorker {
  pause(doNotWaitActive?: boolean): Promise<void>;
  resume(): void;
  isPaused(): boolean;
  /** Set by BullMQ once close() was called. */
  closing?: Promise<void>;
}

/**
 * BullMQ waits `runRetryDelay` before fetching again only after a connection error; a fetch Redis
 * refused at its maxmemory (a reply, not a connection error) is tried again at once, ~10,000 times a
 * second, on a Redis already in trouble (test/faults/redis-oom.e2e-spec.ts). Fed the worker's 'error'
 * events, this pauses fetching for `ms` after such a refusal (jobs in progress go on: pause(true)
 * does not wait for them), then resumes, unless the worker is closing or stop() was called; pauseFor
 * does the same for other reasons (a worker out of disk). Written here because BullMQ has no option
 * for it.
 */
export class FetchPause {
  private backingOff = false;
  private stopped = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly worker: () => PausableWorker,
    private readonly ms = FULL_REDIS_BACKOFF_MS,
  ) {}

  onError(err: unknown): void {
    if (isRedisOutOfMemory(err)) this.pauseFor(this.ms);
  }

  /**
   * Pauses fetching for `ms` (jobs in progress go on), then resumes; nothing while a pause of this
   * back-off runs, after stop(), or while the worker is closing or paused by someone else (shutdown).
   */
  pauseFor(ms: number): void {
    const worker = this.worker();
    if (this.backingOff || this.stopped || worker.closing || worker.isPaused()) return;
    this.backingOff = true;
    void worker.pause(true).then(() => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.backingOff = false;
        if (!this.stopped && !worker.closing) worker.resume();
      }, ms);
    });
  }

  /** No more back-offs, and none resumes the worker (shutdown: the worker is paused or closed for good). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
