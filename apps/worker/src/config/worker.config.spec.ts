import { isAbsolute, resolve } from 'node:path';
import { loadWorkerConfig } from './worker.config';

describe('loadWorkerConfig', () => {
  it('fills defaults: default pool, no capacity limit, one run at a time, no metrics server', () => {
    const c = loadWorkerConfig({}, {});
    expect(c).toMatchObject({ redisUrl: 'redis://127.0.0.1:6379', pool: 'default', capacity: {}, concurrency: 1, gpus: [], labels: {}, metricsPort: 0, graceSeconds: 30 });
    expect(c.id).toMatch(/^[A-Za-z0-9._:-]+$/);
    expect(c.trainerLogMiB).toBe(8);
    expect(c).toMatchObject({ keepRunDirs: false, failedRunDirHours: 24, minFreeDiskGiB: 1 });
  });

  it('reads the environment and lets explicit options win', () => {
    const env = { REDIS_URL: 'redis://env:1/2', WORKER_POOL: 'a100', WORKER_CAPACITY: 'N=1e9, D=1e12', WORKER_LABELS: 'gpu=a100,zone=eu-1', WORKER_GRACE_SECONDS: '5' };
    const c = loadWorkerConfig({ pool: 'h100', capacity: { N: 7e10 } }, env);
    expect(c).toMatchObject({ redisUrl: 'redis://env:1/2', pool: 'h100', capacity: { N: 7e10 }, labels: { gpu: 'a100', zone: 'eu-1' }, graceSeconds: 5 });
    expect(loadWorkerConfig({}, env).capacity).toEqual({ N: 1e9, D: 1e12 });
  });

  it('runs one run per GPU: concurrency follows --gpus unless given', () => {
    expect(loadWorkerConfig({ gpus: '0,1,2,3' }, {}).concurrency).toBe(4);
    expect(loadWorkerConfig({ gpus: ['0', '1'], concurrency: 1 }, {}).concurrency).toBe(1);
    expect(() => loadWorkerConfig({ gpus: '0,1', concurrency: '3' }, {})).toThrow(/WORKER_CONCURRENCY \(--concurrency\): 3 runs at once but WORKER_GPUS \(--gpus\) lists 2 GPUs/);
  });

  it.each([
    ['WORKER_CAPACITY', 'N=abc', /WORKER_CAPACITY \(--capacity\): 'N=abc' is not NAME=POSITIVE_NUMBER/],
    ['WORKER_CAPACITY', 'N=-1', /WORKER_CAPACITY/],
    ['WORKER_POOL', 'Big Pool', /WORKER_POOL \(--pool\): must be lowercase/],
    ['REDIS_URL', 'localhost:6379', /REDIS_URL \(--redis\): must be a redis:\/\/ or rediss:\/\/ URL/],
    ['WORKER_METRICS_PORT', 'x', /WORKER_METRICS_PORT \(--metrics-port\): must be a port number/],
    ['WORKER_METRICS_PORT', '70000', /WORKER_METRICS_PORT/],
    ['WORKER_CONCURRENCY', '1.5', /WORKER_CONCURRENCY \(--concurrency\): must be a whole number/],
    ['WORKER_GPUS', '0,0', /WORKER_GPUS \(--gpus\): lists a GPU twice/],
    ['WORKER_LABELS', 'gpu', /WORKER_LABELS \(--labels\): 'gpu' is not KEY=VALUE/],
    ['WORKER_GRACE_SECONDS', '-1', /WORKER_GRACE_SECONDS \(--grace\)/],
    ['WORKER_TRAINER_LOG_MIB', 'lots', /WORKER_TRAINER_LOG_MIB: must be a number of MiB \(0 = no trainer.log\)/],
    ['WORKER_HEARTBEAT_SECONDS', '3000000', /WORKER_HEARTBEAT_SECONDS: must be at most 86400 seconds \(a day\) \(got '3000000'\)/],
    ['WORKER_CANCEL_POLL_SECONDS', '1e7', /WORKER_CANCEL_POLL_SECONDS: must be at most 86400 seconds/],
    ['WORKER_LOCK_SECONDS', '2592000', /WORKER_LOCK_SECONDS: must be at most 86400 seconds/],
    ['WORKER_FAILED_RUN_DIR_HOURS', '-1', /WORKER_FAILED_RUN_DIR_HOURS: must be a number of hours \(0 = removed at the next sweep\) \(got '-1'\)/],
    ['WORKER_FAILED_RUN_DIR_HOURS', 'a day', /WORKER_FAILED_RUN_DIR_HOURS: must be a number of hours/],
    ['WORKER_FAILED_RUN_DIR_HOURS', '100000', /WORKER_FAILED_RUN_DIR_HOURS: must be at most 8760 hours \(a year\); to keep every run directory use WORKER_KEEP_RUN_DIRS=true/],
    ['WORKER_MIN_FREE_DISK_GIB', 'lots', /WORKER_MIN_FREE_DISK_GIB: must be a number of GiB \(0 = no check\)/],
    ['WORKER_MIN_FREE_DISK_GIB', '-2', /WORKER_MIN_FREE_DISK_GIB: must be a number of GiB/],
    ['WORKER_MIN_FREE_DISK_GIB', '10000000000', /WORKER_MIN_FREE_DISK_GIB: must be at most 1048576 GiB \(a PiB\): it is in GiB, not bytes/],
    ['WORKER_TRAINER_LOG_MIB', '0.000001', /WORKER_TRAINER_LOG_MIB: must be 0 \(no trainer.log\) or at least 0.0625 \(64 KiB\)/],
  ])('stops on a bad %s=%s, naming the variable and its flag', (name, value, message) => {
    expect(() => loadWorkerConfig({}, { [name]: value })).toThrow(message);
  });

  it('refuses a REDIS_URL with the placeholder password, without printing a real password', () => {
    expect(() => loadWorkerConfig({}, { REDIS_URL: 'redis://:change-me@redis:6379' })).toThrow(
      /REDIS_URL \(--redis\): carries a placeholder password that everyone knows: give Redis a password of its own \(make one with `openssl rand -hex 32`\) and put it in REDIS_URL \(got 'redis:\/\/:\*\*\*@redis:6379'\)/,
    );
    expect(() => loadWorkerConfig({}, { REDIS_URL: 'rediss://user:s3cret@redis' + ' ' })).not.toThrow(/s3cret/);
    expect(loadWorkerConfig({}, { REDIS_URL: 'redis://:0f3a9c1d@redis:6379' }).redisUrl).toBe('redis://:0f3a9c1d@redis:6379');
  });

  it('reads the run directory retention and the disk floor, fractions and 0 included', () => {
    expect(loadWorkerConfig({}, { WORKER_FAILED_RUN_DIR_HOURS: '0.5', WORKER_MIN_FREE_DISK_GIB: '0' })).toMatchObject({ failedRunDirHours: 0.5, minFreeDiskGiB: 0 });
    expect(loadWorkerConfig({ failedRunDirHours: 0, minFreeDiskGiB: '2.5' }, { WORKER_FAILED_RUN_DIR_HOURS: '48' })).toMatchObject({ failedRunDirHours: 0, minFreeDiskGiB: 2.5 });
  });

  it('accepts periods up to a day', () => {
    expect(loadWorkerConfig({}, { WORKER_HEARTBEAT_SECONDS: '86400', WORKER_CANCEL_POLL_SECONDS: '3600', WORKER_LOCK_SECONDS: '86400' })).toMatchObject({ heartbeatSeconds: 86400, cancelPollSeconds: 3600, lockSeconds: 86400 });
  });

  it('makes the run root absolute, so LAWSWEEP_RUN_DIR is the same directory whatever cwd a trainer starts in', () => {
    expect(loadWorkerConfig({}, { WORKER_RUN_DIR: 'runs/here' }).runRoot).toBe(resolve(process.cwd(), 'runs/here'));
    expect(loadWorkerConfig({ runRoot: './x/../y' }, {}).runRoot).toBe(resolve('y'));
    expect(loadWorkerConfig({ runRoot: '/srv/runs/' }, {}).runRoot).toBe('/srv/runs');
    expect(isAbsolute(loadWorkerConfig({}, {}).runRoot)).toBe(true);
  });

  it('lists every bad variable at once', () => {
    expect(() => loadWorkerConfig({}, { WORKER_POOL: '!', WORKER_CAPACITY: 'x' })).toThrow(/WORKER_POOL[\s\S]*WORKER_CAPACITY/);
  });
});
