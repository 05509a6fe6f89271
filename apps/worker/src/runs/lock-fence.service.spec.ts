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

  it("says Redis refused writes (maxmemory) when a renewal was refused for Redis's memory since the lock was last confirmed", () => {
    const oom = Object.assign(new Error("OOM command not allowed when used memory > 'maxmemory'. script: 0a1b, on @user_script:8."), { name: 'ReplyError' });
    const full = jest.fn();
    const later = jest.fn();
    fence.guard('full', 'run-f', 0, full);
    fence.redisError(new Error('Connection is closed.')); // not an OOM: changes nothing
    jest.advanceTimersByTime(500);
    fence.redisError(oom);
    jest.advanceTimersByTime(1_501);
    expect(full).toHaveBeenCalledTimes(1);
    expect(warnings).toEqual([expect.stringMatching(/^run run-f \(job full\): lock lost: not renewed for 2\.1 s, longer than the 2 s lock \(WORKER_LOCK_SECONDS; Redis refused writes \(maxmemory\): it is full, see the planner's lawsweep_redis_memory_used_bytes\): it has expired/)]);
    // A lock taken after the OOM, then silent: not Redis's memory this time.
    fence.guard('later', 'run-l', 0, later);
    jest.advanceTimersByTime(2_600);
    expect(later).toHaveBeenCalledTimes(1);
    expect(warnings[1]).toMatch(/^run run-l \(job later\): lock lost: .*\(WORKER_LOCK_SECONDS; Redis unreachable or too slow\)/);
  });

  it('says the lock expired while Redis refused writes when a renewal is refused after OOM errors since the lock was last confirmed', () => {
    const oom = Object.assign(new Error("OOM command not allowed when used memory > 'maxmemory'."), { name: 'ReplyError' });
    const [full, fine] = [jest.fn(), jest.fn()];
    fence.guard('full', 'run-f', 0, full);
    jest.advanceTimersByTime(400);
    fence.redisError(oom);
    jest.advanceTimersByTime(100);
    fence.renewalRefused(['full']);
    expect(warnings).toEqual([
      "run run-f (job full): lock lost: renewal refused by Redis (the lock expired while Redis refused writes (maxmemory): it is full, see the planner's lawsweep_redis_memory_used_bytes; the run is requeued); stopping its trainer, no result is reported for this attempt",
    ]);
    // Confirmed after the OOM: a refusal now is the usual one.
    fence.guard('fine', 'run-ok', 0, fine);
    jest.advanceTimersByTime(100);
    fence.renewalRefused(['fine']);
    expect(warnings[1]).toMatch(/^run run-ok \(job fine\): lock lost: renewal refused by Redis \(the lock expired or another worker holds it; the run is requeued\)/);
    expect([full, fine].map((f) => f.mock.calls.length)).toEqual([1, 1]);
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
