import { resultOfRunJob, type RunResult } from './run-job.types';

describe('resultOfRunJob: the result a completed run job returned', () => {
  const done: RunResult = { status: 'done', sweepId: 's1', runId: 's1-r1', loss: 2.5, curve: [{ tokens: 100, loss: 3 }], worker: 'w', attempts: 1, durationMs: 12 };

  it('is the return value when it is a valid result for this job', () => {
    expect(resultOfRunJob('s1-r1', done)).toEqual(done);
    const failed = { status: 'failed', sweepId: 's1', runId: 's1-r1', reason: 'x', worker: 'w', attempts: 3, durationMs: 1 };
    expect(resultOfRunJob('s1-r1', failed)).toEqual({ ...failed, curve: [] });
  });

  it('is undefined for what a worker of the first contract returns ({ loss }), or nothing at all', () => {
    for (const value of [{ loss: 2.5 }, null, undefined, 'done', 3, []]) expect(resultOfRunJob('s1-r1', value)).toBeUndefined();
  });

  it('is undefined for a result of another run, or one that breaks the contract', () => {
    expect(resultOfRunJob('s1-r2', done)).toBeUndefined();
    expect(resultOfRunJob(undefined, done)).toBeUndefined();
    expect(resultOfRunJob('s1-r1', { ...done, loss: Number.NaN })).toBeUndefined();
    expect(resultOfRunJob('s1-r1', { ...done, loss: -1 })).toBeUndefined();
    expect(resultOfRunJob('s1-r1', { ...done, status: 'maybe' })).toBeUndefined();
  });
});
