import type { Command } from 'commander';
import { plannerEnvHelpLines, plannerSettingError, validatePlannerEnv } from '../../../planner/src/config/planner-config';
import { optionsToEnv } from '../../../planner/src/config/planner-options';
import { cliEnvironment, DEFAULT_REDIS_URL } from '../cli-config';
import { warnWithoutRedis } from '../redis-hint';

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
        '  $ LAWSWEEP_TOKEN=long-random-secret lawsweep planner --host 0.0.0.0      # exposed: writes need the token (8 characters or more)\n',
    )
    .action(async (opts: { redis?: string; port?: string; host?: string; token?: string }) => {
      // Checked here so the message names the flag and what was typed (Number('abc') would reach the config as NaN).
      if (opts.port !== undefined && !/^\d+$/.test(opts.port.trim())) throw new Error(`--port: expected a port number (0-65535), got '${opts.port}'`);
      // The config checks these again with the environment, but its message names the variable (LAWSWEEP_TOKEN), not the flag typed.
      const flags = [
        ['--redis', 'REDIS_URL', opts.redis],
        ['--port', 'PORT', opts.port],
        ['--host', 'HOST', opts.host],
        ['--token', 'LAWSWEEP_TOKEN', opts.token],
      ] as const;
      for (const [flag, name, value] of flags) {
        const problem = value === undefined ? undefined : plannerSettingError(name, value);
        // The token is a secret: its length is shown, not its value.
        const got = name === 'LAWSWEEP_TOKEN' ? `${value?.length} characters` : `'${value}'`;
        if (problem) throw new Error(`${flag}: ${problem}, got ${got}`);
      }
      const options = { redisUrl: opts.redis, port: opts.port === undefined ? undefined : Number(opts.port), host: opts.host, token: opts.token };
      // A bad setting is said first: not after a hint that the planner "starts anyway" without Redis.
      validatePlannerEnv({ ...process.env, ...optionsToEnv(options) });
      await warnWithoutRedis('planner', opts.redis ?? cliEnvironment().redisUrl ?? DEFAULT_REDIS_URL);
      // Imported lazily so other commands do not load NestJS.
      const { bootstrapPlanner } = await import('../../../planner/src/bootstrap');
      await bootstrapPlanner(options);
    });
}
