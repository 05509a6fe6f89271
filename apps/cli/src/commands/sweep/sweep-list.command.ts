import type { Command } from 'commander';
import { formatDuration } from '@lawsweep/contracts';
import { plannerClientFor } from '../../client/planner-options';
import { percent, printJson, table } from '../../format';

export function registerList(sweep: Command): void {
  sweep
    .command('list')
    .description('list the sweeps on the planner')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  $ lawsweep sweep list --planner http://127.0.0.1:3000')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const sweeps = await plannerClientFor(cmd).listSweeps();
      if (opts.json) return printJson(sweeps);
      if (sweeps.length === 0) return void process.stdout.write('no sweeps yet: create one with `lawsweep sweep create spec.yaml`\n');
      const left = (s: (typeof sweeps)[number]) => (s.state === 'running' && s.timeLeft ? formatDuration(s.timeLeft.seconds) : '-');
      const rows = sweeps.map((s) => [s.id, s.name, s.state, percent(s.budget.spent, s.budget.total), String(s.runs.done), String(s.runs.queued + s.runs.running), String(s.runs.failed), left(s)]);
      process.stdout.write(`${table(['ID', 'NAME', 'STATE', 'SPENT', 'DONE', 'IN FLIGHT', 'FAILED', 'TIME LEFT'], rows)}\n`);
    });
}
