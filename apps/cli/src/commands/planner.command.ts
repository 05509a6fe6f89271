import type { Command } from 'commander';
import { plannerEnvHelpLines } from '../../../planner/src/config/planner-config';

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
    .addHelpText('after', `\nEnvironment only (no flag):\n${plannerEnvHelpLines().join('\n')}\n`)
    .action(async (opts: { redis?: string; port?: string; host?: string; token?: string }) => {
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
