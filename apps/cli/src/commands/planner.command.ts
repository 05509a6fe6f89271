import type { Command } from 'commander';
import { plannerEnvHelpLines } from '../../../planner/src/config/planner-config';
import { cliEnvironment, DEFAULT_REDIS_URL } from '../cli-config';

/**
 * The planner starts without Redis and retries (Compose and Kubernetes may start it first), so it
 * does not stop; but someone trying it on a laptop should hear once, up front, how to get a Redis
 * rather than read connection warnings. A URL the config will reject is left to its message.
 */
async function warnWithoutRedis(url: string): Promise<void> {
  if (!/^rediss?:\/\/\S+$/.test(url)) return;
  const { pingRedis } = await import('../demo/redis-process');
  const { redactUrl } = await import('../demo/local-redis');
  if (await pingRedis(url, 1000)) return;
  let port = '6379';
  try {
    port = new URL(url).port || port;
  } catch {
    // The config names a malformed URL itself.
  }
  process.stderr.write(
    `lawsweep planner: no Redis answers at ${redactUrl(url)} yet; the planner starts anyway and keeps retrying (/health fails until then).\n` +
      `  Start one: \`redis-server --port ${port} --appendonly yes\` (Debian/Ubuntu: \`sudo apt-get install -y redis-server\`; macOS: \`brew install redis\`),\n` +
      '  or point at yours with --redis URL / REDIS_URL. `npm run demo` starts Redis, a planner and workers for you.\n',
  );
}

/**
 * `lawsweep planner`: the planner service in this process (the same app as apps/planner/src/main.ts).
 * Flags override REDIS_URL, PORT, HOST and LAWSWEEP_TOKEN; SIGINT/SIGTERM shut it down cleanly.
 */
export function register(program: Command): void {
  program
    .command('planner')
    .description('start the planner service: REST API, planning loop, /metrics, /health, /docs')
    .option('--redis <url>', 'Redis URL (default: $REDIS_URL or redis://127.0.0.1:6379)')
    .option('--port <port>', 'HTTP port (default: $PORT or 3000)')
    .option('--host <host>', 'interface to listen on (default: $HOST or 127.0.0.1; 0.0.0.0 to expose it)')
    .option('--token <token>', 'require `Authorization: Bearer <token>` on state-changing requests (default: $LAWSWEEP_TOKEN)')
    .addHelpText(
      'after',
      `\nEnvironment only (no flag):\n${plannerEnvHelpLines().join('\n')}\n\nExamples:\n` +
        '  $ lawsweep planner --redis redis://127.0.0.1:6379 --port 3000\n' +
        '  $ LAWSWEEP_TOKEN=s3cret lawsweep planner --host 0.0.0.0      # exposed: writes need the token\n',
    )
    .action(async (opts: { redis?: string; port?: string; host?: string; token?: string }) => {
      // Checked here so the message names the flag and what was typed (Number('abc') would reach the config as NaN).
      if (opts.port !== undefined && !/^\d+$/.test(opts.port.trim())) throw new Error(`--port: expected a port number (0-65535), got '${opts.port}'`);
      await warnWithoutRedis(opts.redis ?? cliEnvironment().redisUrl ?? DEFAULT_REDIS_URL);
      // Imported lazily so other commands do not load NestJS.
      const { bootstrapPlanner } = await import('../../../planner/src/bootstrap');
      await bootstrapPlanner({
        redisUrl: opts.redis,
        port: opts.port === undefined ? undefined : Number(opts.port),
        host: opts.host,
        token: opts.token,
      });
    });
}
