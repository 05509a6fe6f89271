import type { Command } from 'commander';
import { plannerClientFor } from '../../client/planner-options';
import { printJson, targetText } from '../../format';
import { summarise } from '../../watch/progress-summary';

export function registerStatus(sweep: Command): void {
  sweep
    .command('status')
    .description("a sweep's state, budget, runs and target predictions")
    .argument('<id>', 'sweep id')
    .option('--json', 'print the planner\'s JSON (GET /sweeps/:id)')
    .addHelpText('after', '\nExample:\n  $ lawsweep sweep status SWEEP_ID --json | jq .budget')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const client = plannerClientFor(cmd);
      const s = await client.getSweep(id);
      if (opts.json) return printJson(s);
      const sum = summarise(s, []);
      const lines = [
        `sweep ${s.id} (${s.name}): ${s.state}${s.stopReason ? ` (${s.stopReason})` : ''}`,
        `  budget  ${sum.budget}`,
        `  ${sum.runs}`,
        ...s.targets.map((t) => `  target  ${targetText(t)}`),
        ...(s.warnings ?? []).map((w) => `  warning ${w.message}`),
        `  dashboard: ${client.dashboardUrl(s.id)}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
