import { isPlaceholderSecret, redactRedisUrl, redisUrlPassword } from './deploy-secrets';

describe('deploy secrets', () => {
  it('knows the placeholders of example files, whatever their case, and nothing longer', () => {
    for (const p of ['change-me', 'CHANGE-ME', ' changeme ', 'replace_me']) expect(isPlaceholderSecret(p)).toBe(true);
    for (const p of ['change-me-7f3a', '0f3a9c1d', '']) expect(isPlaceholderSecret(p)).toBe(false);
  });

  it('reads and hides the password of a redis URL', () => {
    expect(redisUrlPassword('redis://:p%40ss@redis:6379')).toBe('p@ss');
    expect(redisUrlPassword('redis://:@redis:6379')).toBeUndefined();
    expect(redisUrlPassword('redis://redis:6379')).toBeUndefined();
    expect(redisUrlPassword('not a url')).toBeUndefined();
    expect(redactRedisUrl('redis://:s3cret@redis:6379/0')).toBe('redis://:***@redis:6379/0');
    expect(redactRedisUrl('rediss://user:s3cret@redis')).toBe('rediss://user:***@redis');
    expect(redactRedisUrl('redis://redis:6379')).toBe('redis://redis:6379');
  });
});
