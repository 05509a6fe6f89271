import type { Command } from 'commander';
import { cliEnvironment } from '../cli-config';
import { PlannerClient } from './planner-client';

/**
 * `--planner` and `--token` for the commands that talk to a planner. They sit on the `sweep` group
 * (and `plot`), not on the program: commander reads program options after any subcommand too,
 * which would take `lawsweep planner --token X` away from the planner command's own --token.
 */
export function addPlannerOptions(cmd: Command): Command {
  return cmd
    .option('--planner <url>', 'planner base URL (default: $LAWSWEEP_PLANNER_URL or http://127.0.0.1:3000)')
    .option('--token <token>', 'bearer token for a planner started with --token (default: $LAWSWEEP_TOKEN)');
}

export function plannerClientFor(cmd: Command): PlannerClient {
  const opts = cmd.optsWithGlobals<{ planner?: string; token?: string }>();
  const env = cliEnvironment();
  const url = opts.planner ?? env.plannerUrl;
  // A typo here would otherwise surface as "cannot reach the planner", which sends one looking for a dead service.
  if (!isHttpUrl(url)) {
    const from = opts.planner !== undefined ? '--planner' : 'LAWSWEEP_PLANNER_URL';
    throw new Error(`${from}: expected the planner's base URL, e.g. http://127.0.0.1:3000, got '${url}'`);
  }
  return new PlannerClient(url, opts.token ?? env.token);
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
