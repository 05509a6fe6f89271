import { isRedisUnreachable, redisErrorAnswer, redisWhere } from './redis-unavailable.filter';

describe('isRedisUnreachable / redisErrorAnswer / redisWhere', () => {
  it('knows the errors ioredis and BullMQ give while Redis is away, and nothing else', () => {
    const maxRetries = Object.assign(new Error('Reached the max retries per request limit (which is 3). Refer to "maxRetriesPerRequest" option for details.'), { name: 'MaxRetriesPerRequestError' });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    for (const e of [maxRetries, refused, new Error('Connection is closed.'), new Error("Stream isn't writeable and enableOfflineQueue options is false")]) expect(isRedisUnreachable(e)).toBe(true);
    for (const e of [new Error('unknown sweep'), new TypeError('x is not a function'), 'Connection is closed.', undefined]) expect(isRedisUnreachable(e)).toBe(false);
  });

  it('answers 503 with Retry-After for Redis unreachable, 507 naming the fix for Redis at maxmemory, nothing for the rest', () => {
    expect(redisErrorAnswer(new Error('Connection is closed.'), 'redis:6379')).toEqual({ status: 503, retryAfterS: 5, body: { statusCode: 503, message: expect.stringMatching(/^Redis is unreachable from the planner \(redis:6379\)/) } });
    const oom = Object.assign(new Error("OOM command not allowed when used memory > 'maxmemory'. script: 0a1b, on @user_script:12."), { name: 'ReplyError' });
    expect(isRedisUnreachable(oom)).toBe(false);
    expect(redisErrorAnswer(oom, 'redis:6379')).toEqual({
      status: 507,
      body: { statusCode: 507, message: expect.stringMatching(/^Redis is at maxmemory: export and delete ended sweeps \(lawsweep sweep delete\), or raise Redis's maxmemory\. .*raise maxmemory first/) },
    });
    expect(redisErrorAnswer(new Error('unknown sweep'), 'redis:6379')).toBeUndefined();
  });

  it('names the server without its credentials', () => {
    expect(redisWhere('redis://user:s3cret@redis.internal:6380/2')).toBe('redis.internal:6380');
    expect(redisWhere('redis://127.0.0.1')).toBe('127.0.0.1:6379');
  });
});
