import { LockClock } from './lock-clock';

describe('LockClock', () => {
  let t: number;
  let clock: LockClock;
  beforeEach(() => {
    t = 1_000;
    clock = new LockClock(2_000, () => t);
  });

  it('a job is lapsed only once its lock has gone unconfirmed for longer than the lock duration', () => {
    clock.start('a');
    t += 2_000;
    expect(clock.lapsed()).toEqual([]); // exactly the lock duration: not yet
    t += 1;
    expect(clock.lapsed()).toEqual([{ jobId: 'a', silentMs: 2_001 }]);
  });

  it('each renewal restarts the count; renewals of other or unknown jobs do not', () => {
    clock.start('a');
    clock.start('b');
    t += 1_500;
    clock.renewed(['a', 'unknown']);
    t += 1_500;
    expect(clock.lapsed()).toEqual([{ jobId: 'b', silentMs: 3_000 }]);
    t += 501;
    expect(clock.lapsed().map((l) => l.jobId)).toEqual(['a', 'b']); // and never 'unknown'
  });

  it('counts from when the job was handed out (its age at start), never from the future', () => {
    clock.start('old', 1_800);
    clock.start('odd', -5_000); // a processedOn ahead of our clock: counted as now
    t += 201;
    expect(clock.lapsed()).toEqual([{ jobId: 'old', silentMs: 2_001 }]);
    t += 1_800;
    expect(clock.lapsed().map((l) => l.jobId)).toEqual(['old', 'odd']);
  });

  it('forgets a job that ended', () => {
    clock.start('a');
    clock.forget('a');
    t += 10_000;
    expect(clock.lapsed()).toEqual([]);
    clock.renewed(['a']); // a late renewal does not bring it back
    t += 10_000;
    expect(clock.lapsed()).toEqual([]);
  });
});
