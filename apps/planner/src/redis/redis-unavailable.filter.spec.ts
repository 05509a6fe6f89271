import { isRedisUnreachable, redisWhere } from './redis-unavailable.filter';

describe('isRedisUnreachable / redisWhere', () => {
  it('knows the errors ioredis and BullMQ give while Redis is away, and nothing else', () => {
    const maxRetries = Object.assign(new Error('Reached the max retries per request limit (which is 3). Refer to "maxRetriesPerRequest" option for details.'), { name: 'MaxRetriesPerRequestError' });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    for (const e of [maxRetries, refused, new Error('Connection is closed.'), new Error("Stream isn't writeable and enableOfflineQueue options is false")]) expect(isRedisUnreachable(e)).toBe(true);
    for (const e of [new Error('unknown sweep'), new TypeError('x is not a function'), 'Connection is closed.', undefined]) expect(isRedisUnreachable(e)).toBe(false);
  });

  it('names the server without its credentials', () => {
    expect(redisWhere('redis://user:s3cret@redis.internal:6380/2')).toBe('redis.internal:6380');
    expect(redisWhere('redis://127.0.0.1')).toBe('127.0.0.1:6379');
  });
});
