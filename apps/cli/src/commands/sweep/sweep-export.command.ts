import type { Command } from 'commander';
import { plannerClientFor } from '../../client/planner-options';
import { RunsExportWriter } from '../../export/runs-export.writer';

export function registerExport(sweep: Command): void {
  sweep
    .command('export')
    .description("a sweep's runs as CSV (readable by `lawsweep fit --data` and `plot --data`) or JSON (with learning curves)")
    .argument('<id>', 'sweep id')
    .option('--format <format>', 'csv or json', 'csv')
    .option('--out <file>', 'write to a file instead of stdout')
    .addHelpText(
      'after',
      "\nThe runs are read in pages (500 a page with their curves, 5000 as CSV) and\nwritten as they come; a page that takes the planner more than 30 s needs\n--timeout SECONDS.\n\nExample:\n  $ lawsweep sweep export SWEEP_ID --format csv --out runs.csv && lawsweep fit --data runs.csv --law chinchilla",
    )
    .action(async (id: string, opts: { format: string; out?: string }, cmd: Command) => {
      if (opts.format !== 'csv' && opts.format !== 'json') throw new Error(`--format: expected csv or json, got '${opts.format}'`);
      await new RunsExportWriter(plannerClientFor(cmd)).export(id, opts.format, opts.out);
      if (opts.out) process.stderr.write(`wrote ${opts.out}\n`);
    });
}
