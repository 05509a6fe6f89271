import { resultJobOptions, runJobOptions } from './job-options';

describe('job options: nothing is kept in Redis for ever', () => {
  it('bounds failed result jobs by age and count, as failed run jobs', () => {
    const kept = resultJobOptions('sw-1-r00001').removeOnFail;
    expect(kept).toEqual({ age: 7 * 24 * 3600, count: 10_000 });
    expect(kept).toEqual(runJobOptions('sw-1-r00001').removeOnFail);
  });

  it('removes a completed result job at once (the store holds the result)', () => {
    expect(resultJobOptions('sw-1-r00001').removeOnComplete).toBe(true);
  });
});
