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
  return new PlannerClient(opts.planner ?? env.plannerUrl, opts.token ?? env.token);
}
