import { existsSync } from 'node:fs';
import Redis from 'ioredis';
import { pingRedis, RedisProcess } from './redis-process';

describe('RedisProcess', () => {
  it('starts with a password and AOF, keeps acknowledged writes across a SIGKILL restart, and removes its dir on stop', async () => {
    const server = await RedisProcess.start({ appendonly: true, password: 'p@ss word' });
    try {
      expect(server.url).toBe(`redis://:p%40ss%20word@127.0.0.1:${server.port}`);
      expect(await pingRedis(`redis://127.0.0.1:${server.port}`, 500)).toBe(false); // no password: refused
      const client = new Redis(server.url, { maxRetriesPerRequest: null });
      client.on('error', () => undefined);
      try {
        expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
        expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
        await client.set('k', 'v');
        await server.restart();
        expect(await client.get('k')).toBe('v');
      } finally {
        client.disconnect();
      }
    } finally {
      await server.stop();
    }
    expect(existsSync(server.dir)).toBe(false);
    expect(await pingRedis(server.url, 500)).toBe(false);
  });

  it('names the argument and shows its log when redis-server refuses to start', async () => {
    await expect(RedisProcess.start({ extraArgs: ['--no-such-option', 'x'] })).rejects.toThrow(/did not start on port \d+ \(exit code 1\)[\s\S]*no-such-option/);
  });
});
