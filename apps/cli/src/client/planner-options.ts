import type { Command } from 'commander';
import { cliEnvironment } from '../cli-config';
import { DEFAULT_TIMEOUT_MS, PlannerClient } from './planner-client';

/** The longest --timeout: a day. */
const MAX_TIMEOUT_SECONDS = 86_400;

/**
 * `--planner`, `--token` and `--timeout` for the commands that talk to a planner. They sit on the `sweep` group
 * (and `plot`), not on the program: commander reads program options after any subcommand too,
 * which would take `lawsweep planner --token X` away from the planner command's own --token.
 */
export function addPlannerOptions(cmd: Command): Command {
  return cmd
    .option('--planner <url>', 'planner base URL (default: $LAWSWEEP_PLANNER_URL or http://127.0.0.1:3000)')
    .option('--token <token>', 'bearer token for a planner started with --token (default: $LAWSWEEP_TOKEN)')
    .option('--timeout <seconds>', `seconds to wait for each answer (default: $LAWSWEEP_TIMEOUT_SECONDS or ${DEFAULT_TIMEOUT_MS / 1000})`);
}

export function plannerClientFor(cmd: Command): PlannerClient {
  const opts = cmd.optsWithGlobals<{ planner?: string; token?: string; timeout?: string }>();
  const env = cliEnvironment();
  const url = opts.planner ?? env.plannerUrl;
  // A typo here would otherwise surface as "cannot reach the planner", which sends one looking for a dead service.
  if (!isHttpUrl(url)) {
    const from = opts.planner !== undefined ? '--planner' : 'LAWSWEEP_PLANNER_URL';
    throw new Error(`${from}: expected the planner's base URL, e.g. http://127.0.0.1:3000, got '${url}'`);
  }
  return new PlannerClient(url, opts.token ?? env.token, timeoutMs(opts.timeout, env.timeoutSeconds));
}

/** --timeout, else LAWSWEEP_TIMEOUT_SECONDS, else the default; a bad value is an error naming the one it came from. */
function timeoutMs(flag: string | undefined, variable: string | undefined): number {
  const [raw, from] = flag !== undefined ? [flag, '--timeout'] : [variable, 'LAWSWEEP_TIMEOUT_SECONDS'];
  if (raw === undefined) return DEFAULT_TIMEOUT_MS;
  const seconds = Number(raw);
  if (raw.trim() === '' || !(seconds > 0 && seconds <= MAX_TIMEOUT_SECONDS)) throw new Error(`${from}: expected seconds above 0 and at most ${MAX_TIMEOUT_SECONDS} (e.g. 120), got '${raw}'`);
  return Math.round(seconds * 1000);
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
