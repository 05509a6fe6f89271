import type { Command } from 'commander';
import { plannerClientFor } from '../../client/planner-options';
import { printJson } from '../../format';

export function registerPause(sweep: Command): void {
  sweep
    .command('pause')
    .description('pause a running sweep: nothing new is planned; runs already queued or running (at most its parallelism) still train and are recorded; resume goes on from them (to stop those too: cancel)')
    .argument('<id>', 'sweep id')
    .option('--json', 'print the sweep as JSON')
    .addHelpText('after', '\nExample:\n  $ lawsweep sweep pause SWEEP_ID --token $LAWSWEEP_TOKEN    # no new runs until: lawsweep sweep resume SWEEP_ID')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const s = await plannerClientFor(cmd).pauseSweep(id);
      if (opts.json) return printJson(s);
      const inFlight = s.runs.queued + s.runs.running;
      const flight = inFlight > 0 ? `; ${inFlight} run${inFlight === 1 ? '' : 's'} already queued or running still train and are recorded` : '';
      process.stdout.write(`sweep ${s.id} ${s.state}: nothing new is planned${flight} (lawsweep sweep resume ${s.id} goes on)\n`);
    });
}
