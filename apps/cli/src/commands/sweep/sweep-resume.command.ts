import type { Command } from 'commander';
import { plannerClientFor } from '../../client/planner-options';
import { printJson } from '../../format';

export function registerResume(sweep: Command): void {
  sweep
    .command('resume')
    .description('resume a paused sweep (one created with --paused, or paused after its runs kept failing: the failure count starts afresh)')
    .argument('<id>', 'sweep id')
    .option('--json', 'print the sweep as JSON')
    .addHelpText('after', '\nExample:\n  $ lawsweep sweep resume SWEEP_ID --token $LAWSWEEP_TOKEN')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const s = await plannerClientFor(cmd).resumeSweep(id);
      if (opts.json) return printJson(s);
      process.stdout.write(`sweep ${s.id} ${s.state}: planning goes on (lawsweep sweep watch ${s.id})\n`);
    });
}
