/**
 * What `lawsweep planner` and `lawsweep worker` say when no Redis answers as they start: how to get
 * one, once, up front, rather than only the services' connection warnings. The planner starts
 * anyway and retries (Compose and Kubernetes may start it before Redis); the worker gives up with
 * its own message. A URL the services' config will reject is left to that config's message.
 */
export async function warnWithoutRedis(service: 'planner' | 'worker', url: string): Promise<void> {
  if (!/^rediss?:\/\/\S+$/.test(url)) return;
  const { pingRedis } = await import('./demo/redis-process');
  const { redactUrl } = await import('./demo/local-redis');
  if (await pingRedis(url, 1000)) return;
  let port = '6379';
  try {
    port = new URL(url).port || port;
  } catch {
    // The config names a malformed URL itself.
  }
  const then = service === 'planner' ? 'the planner starts anyway and keeps retrying (/health fails until then)' : 'the worker waits a little, then stops';
  process.stderr.write(
    `lawsweep ${service}: no Redis answers at ${redactUrl(url)} yet; ${then}.\n` +
      `  Start one: \`redis-server --port ${port} --appendonly yes\` (Debian/Ubuntu: \`sudo apt-get install -y redis-server\`; macOS: \`brew install redis\`),\n` +
      '  or point at yours with --redis URL / REDIS_URL. `npm run demo` starts Redis, a planner and workers for you.\n',
  );
}
