import type { Command } from 'commander';
import { PlannerHttpError } from '../../client/planner-client';
import { plannerClientFor } from '../../client/planner-options';
import { printJson, sci } from '../../format';

export function registerCreate(sweep: Command): void {
  sweep
    .command('create')
    .description('submit a sweep spec (YAML or JSON) to the planner; prints its id and dashboard URL')
    .argument('<spec>', 'sweep spec file (see "Sweep spec" in the README)')
    .option('--paused', 'create it paused: nothing is bought until `lawsweep sweep resume ID` (check it, import runs, then start)')
    .option('--json', 'print the created sweep as JSON')
    .addHelpText('after', '\nExample:\n  $ lawsweep sweep create examples/specs/chinchilla-demo.yaml\n  $ lawsweep sweep create spec.yaml --paused     # then lawsweep sweep import ID runs.csv, lawsweep sweep resume ID\n  $ id=$(lawsweep sweep create spec.yaml --json | jq -r .id) && lawsweep sweep watch $id')
    .action(async (specPath: string, opts: { json?: boolean; paused?: boolean }, cmd: Command) => {
      const client = plannerClientFor(cmd);
      // Lazily: the spec loader pulls in the law library, which other commands need not load.
      const { loadSpecFile, specFileNotes } = await import('../../client/spec-file.loader');
      const spec = loadSpecFile(specPath);
      for (const note of specFileNotes(specPath, spec)) process.stderr.write(`${note}\n`);
      let created;
      try {
        created = await client.createSweep(spec, { paused: opts.paused });
      } catch (err) {
        if (err instanceof PlannerHttpError && err.status === 400 && err.errors.length > 0) {
          throw new Error(`the planner rejected ${specPath}:\n${err.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}\nFix those fields and run the command again.`);
        }
        throw err;
      }
      if (opts.json) return printJson({ ...created, dashboard: client.dashboardUrl(created.id) });
      process.stdout.write(
        `created sweep ${created.id} (${created.name}): budget ${sci(created.budget.total)}, state ${created.state}\n` +
          `  dashboard: ${client.dashboardUrl(created.id)}\n` +
          (created.state === 'paused' ? `  start it: lawsweep sweep resume ${created.id}\n` : `  follow it: lawsweep sweep watch ${created.id}\n`),
      );
    });
}
