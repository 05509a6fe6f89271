import { mergeExpositions } from './merge-expositions';

describe('mergeExpositions', () => {
  it('keeps each family header once and its samples together', () => {
    const q = (name: string) =>
      [
        '# HELP bullmq_job_count Number of jobs',
        '# TYPE bullmq_job_count gauge',
        `bullmq_job_count{queue="${name}", state="waiting"} 1`,
        '# HELP bullmq_job_completed_total Completed',
        '# TYPE bullmq_job_completed_total counter',
        `bullmq_job_completed_total{queue="${name}"} 2`,
      ].join('\n');
    const lines = mergeExpositions([q('a'), q('b')]).trim().split('\n');
    expect(lines).toEqual([
      '# HELP bullmq_job_count Number of jobs',
      '# TYPE bullmq_job_count gauge',
      'bullmq_job_count{queue="a", state="waiting"} 1',
      'bullmq_job_count{queue="b", state="waiting"} 1',
      '# HELP bullmq_job_completed_total Completed',
      '# TYPE bullmq_job_completed_total counter',
      'bullmq_job_completed_total{queue="a"} 2',
      'bullmq_job_completed_total{queue="b"} 2',
    ]);
  });
});
