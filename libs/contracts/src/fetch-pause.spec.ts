import { FetchPause, type PausableWorker } from './fetch-pause';

const oom = Object.assign(new Error("OOM command not allowed when used memory > 'maxmemory'."), { name: 'ReplyError' });

/** A stand-in for a BullMQ worker: pause and resume flip `paused`; each call is counted. */
function fakeWorker(): PausableWorker & { pauses: number; resumes: number } {
  let paused = false;
  const w = {
    pauses: 0,
    resumes: 0,
    closing: undefined as Promise<void> | undefined,
    pause: async () => {
      w.pauses++;
      paused = true;
    },
    resume: () => {
      w.resumes++;
      paused = false;
    },
    isPaused: () => paused,
  };
  return w;
}

describe('FetchPause', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('pauses fetching after a refusal at maxmemory and resumes after the back-off, once however many errors come', async () => {
    const worker = fakeWorker();
    const backoff = new FetchPause(() => worker, 2_000);
    for (let i = 0; i < 1_000; i++) backoff.onError(oom);
    await Promise.resolve();
    expect([worker.pauses, worker.isPaused()]).toEqual([1, true]);
    jest.advanceTimersByTime(1_999);
    expect(worker.resumes).toBe(0);
    jest.advanceTimersByTime(1);
    expect([worker.resumes, worker.isPaused()]).toEqual([1, false]);
    backoff.onError(oom); // still full: again
    await Promise.resolve();
    expect(worker.pauses).toBe(2);
    backoff.stop();
  });

  it('pauses for as long as asked (a worker out of disk)', async () => {
    const worker = fakeWorker();
    const backoff = new FetchPause(() => worker, 2_000);
    backoff.pauseFor(30_000);
    await Promise.resolve();
    jest.advanceTimersByTime(29_999);
    expect([worker.pauses, worker.resumes]).toEqual([1, 0]);
    jest.advanceTimersByTime(1);
    expect(worker.resumes).toBe(1);
    backoff.stop();
  });

  it('leaves other errors alone, and never resumes a worker that stop() or close() ended', async () => {
    const worker = fakeWorker();
    const backoff = new FetchPause(() => worker, 2_000);
    backoff.onError(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    expect(worker.pauses).toBe(0);
    backoff.onError(oom);
    await Promise.resolve();
    backoff.stop();
    jest.advanceTimersByTime(10_000);
    expect([worker.resumes, worker.isPaused()]).toEqual([0, true]);

    const closing = fakeWorker();
    const other = new FetchPause(() => closing, 2_000);
    other.onError(oom);
    await Promise.resolve();
    closing.closing = Promise.resolve();
    jest.advanceTimersByTime(2_000);
    expect(closing.resumes).toBe(0);
    other.onError(oom); // closing: no new back-off
    expect(closing.pauses).toBe(1);
  });
});
