import { Logger } from '@nestjs/common';
import { loadWorkerConfig } from '../config/worker.config';
import { LockFence } from './lock-fence.service';

describe('LockFence', () => {
  let fence: LockFence;
  let warnings: string[];

  beforeEach(() => {
    jest.useFakeTimers();
    warnings = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
    fence = new LockFence(loadWorkerConfig({ lockSeconds: 2 }, {}));
  });

  afterEach(() => {
    fence.onModuleDestroy();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('stops a run whose renewal Redis refused, once, and says why', () => {
    const onLost = jest.fn();
    fence.guard('job-1', 'run-1', 0, onLost);
    fence.renewalRefused(['job-1', 'job-unknown']);
    fence.renewalRefused(['job-1']); // BullMQ keeps trying until the processor ends
    expect(onLost).toHaveBeenCalledTimes(1);
    expect(warnings).toEqual(['run run-1 (job job-1): lock lost: renewal refused by Redis (the lock expired or another worker holds it; the run is requeued); stopping its trainer, no result is reported for this attempt']);
  });

  it('stops a run whose lock has gone unconfirmed for longer than the lock duration; renewals keep it going', () => {
    const renewedRun = jest.fn();
    const silentRun = jest.fn();
    fence.guard('renewed', 'run-r', 0, renewedRun);
    fence.guard('silent', 'run-s', 0, silentRun);
    for (let i = 0; i < 8; i++) {
      jest.advanceTimersByTime(500);
      fence.renewed(['renewed']);
    }
    expect(renewedRun).not.toHaveBeenCalled();
    expect(silentRun).toHaveBeenCalledTimes(1);
    // Checked every 500 ms (a quarter of the lock), on the next turn of the event loop (1 ms later
    // under fake timers): stopped at the check at 2 s, 2001 ms unconfirmed, said rounded up.
    expect(warnings).toEqual([expect.stringMatching(/^run run-s \(job silent\): lock lost: not renewed for 2\.1 s, longer than the 2 s lock \(WORKER_LOCK_SECONDS; Redis unreachable or too slow\): it has expired and the run will be requeued; stopping its trainer/)]);
  });

  it('counts from when the job was handed out', () => {
    const onLost = jest.fn();
    fence.guard('job-1', 'run-1', 1_800, onLost);
    jest.advanceTimersByTime(400);
    expect(onLost).not.toHaveBeenCalled();
    jest.advanceTimersByTime(101); // the first check, at 500 ms (+1 ms: setImmediate under fake timers)
    expect(onLost).toHaveBeenCalledTimes(1);
  });

  it('a run that ended is not stopped, and no timer is left', () => {
    const onLost = jest.fn();
    const stop = fence.guard('job-1', 'run-1', 0, onLost);
    stop();
    expect(jest.getTimerCount()).toBe(0);
    fence.renewalRefused(['job-1']);
    jest.advanceTimersByTime(10_000);
    expect(onLost).not.toHaveBeenCalled();
  });

  it("a later guard of the same job id is not ended by the earlier one's stop", () => {
    const first = fence.guard('job-1', 'run-1', 0, jest.fn());
    const onLost = jest.fn();
    fence.guard('job-1', 'run-1', 0, onLost);
    first();
    fence.renewalRefused(['job-1']);
    expect(onLost).toHaveBeenCalledTimes(1);
  });
});
