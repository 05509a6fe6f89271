import type { Command } from 'commander';
import { plannerClientFor } from '../../client/planner-options';
import { printJson } from '../../format';
import { askToTypeId, deleteConfirmation } from './delete-confirmation';

/** Exit status of a deletion refused for want of --yes (a usage error, as commander's own). */
const NEEDS_YES_EXIT = 2;

/** The run states GET /sweeps/:id counts runs by (its `runs` also has `planned` and `imported`, which count them again). */
const RUN_STATES_COUNTED = ['queued', 'running', 'done', 'failed', 'cancelled', 'unschedulable'] as const;

export function registerDelete(sweep: Command): void {
  sweep
    .command('delete')
    .description(
      'delete a sweep that has ended (done, cancelled, failed) and everything of it on the planner: runs, learning curves, fit history. Nothing can bring it back: export it first. Asks you to type the id on a terminal; elsewhere needs --yes',
    )
    .argument('<id>', 'sweep id')
    .option('--yes', 'delete without asking (scripts); without it, a stdin that is not a terminal is refused (exit 2)')
    .option('--json', "print the planner's answer as JSON")
    .addHelpText(
      'after',
      `
Examples:
  $ lawsweep sweep export SWEEP_ID --format json --out SWEEP_ID.json   # keep its runs and curves first
  $ lawsweep sweep delete SWEEP_ID                                   # asks you to type SWEEP_ID
  $ lawsweep sweep delete SWEEP_ID --yes --token $LAWSWEEP_TOKEN     # in a script

A running or paused sweep is refused: lawsweep sweep cancel SWEEP_ID first.`,
    )
    .action(async (id: string, opts: { yes?: boolean; json?: boolean }, cmd: Command) => {
      const exportFirst = `lawsweep sweep export ${id} --format json --out ${id}.json`;
      const decision = deleteConfirmation({ yes: opts.yes, stdinIsTTY: Boolean(process.stdin.isTTY) });
      if (decision === 'refuse') {
        process.stderr.write(`lawsweep: not deleting sweep ${id}: stdin is not a terminal to confirm on, and --yes was not given. Nothing can bring a deleted sweep back: export it first (${exportFirst}), then: lawsweep sweep delete ${id} --yes\n`);
        process.exitCode = NEEDS_YES_EXIT;
        return;
      }
      const client = plannerClientFor(cmd);
      if (decision === 'ask') {
        const s = await client.getSweep(id);
        // Refused by the planner anyway: say so before asking for the id, not after.
        if (s.state === 'running' || s.state === 'paused') {
          process.stderr.write(`lawsweep: sweep ${id} is ${s.state}: only an ended sweep can be deleted; cancel it first (lawsweep sweep cancel ${id})\n`);
          process.exitCode = 1;
          return;
        }
        const runs = RUN_STATES_COUNTED.reduce((sum, state) => sum + (s.runs[state] ?? 0), 0);
        const question = `Delete sweep ${s.id} ('${s.name}', ${s.state}, ${runs} run${runs === 1 ? '' : 's'})? Its runs, learning curves and fit history cannot be brought back; ${exportFirst} keeps them.\nType the sweep id to delete it: `;
        if (!(await askToTypeId(s.id, question, process.stdin, process.stderr))) {
          process.stderr.write(`not deleted: sweep ${id} is unchanged\n`);
          process.exitCode = 1;
          return;
        }
      }
      const answer = await client.deleteSweep(id);
      if (opts.json) return printJson(answer);
      if (answer.deleted) return void process.stdout.write(`sweep ${answer.id} deleted: ${answer.runs} run${answer.runs === 1 ? '' : 's'} and their curves removed\n`);
      process.stdout.write(`sweep ${answer.id} is being deleted: ${answer.runs} runs removed, ${answer.runsLeft} left; the planner goes on in the background (lawsweep sweep delete ${answer.id} --yes waits for it again)\n`);
    });
}
