import type { Command } from 'commander';
import { plannerClientFor } from '../../client/planner-options';
import { printJson } from '../../format';

export function registerCancel(sweep: Command): void {
  sweep
    .command('cancel')
    .description('stop a sweep: no more planning, queued runs removed, running ones asked to stop (their cost is released)')
    .argument('<id>', 'sweep id')
    .option('--json', 'print the sweep as JSON')
    .addHelpText('after', '\nExample:\n  $ lawsweep sweep cancel SWEEP_ID --token $LAWSWEEP_TOKEN')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const s = await plannerClientFor(cmd).cancelSweep(id);
      if (opts.json) return printJson(s);
      process.stdout.write(`sweep ${s.id} ${s.state}: ${s.runs.done} runs done; ${s.fit ? `its fit stays readable (lawsweep sweep fit ${s.id})` : 'it had no fit yet'}\n`);
    });
}
