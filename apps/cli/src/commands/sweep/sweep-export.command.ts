import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { plannerClientFor } from '../../client/planner-options';

export function registerExport(sweep: Command): void {
  sweep
    .command('export')
    .description("a sweep's runs as CSV (readable by `lawsweep fit --data` and `plot --data`) or JSON (with learning curves)")
    .argument('<id>', 'sweep id')
    .option('--format <format>', 'csv or json', 'csv')
    .option('--out <file>', 'write to a file instead of stdout')
    .addHelpText('after', '\nExample:\n  $ lawsweep sweep export SWEEP_ID --format csv --out runs.csv && lawsweep fit --data runs.csv --law chinchilla')
    .action(async (id: string, opts: { format: string; out?: string }, cmd: Command) => {
      if (opts.format !== 'csv' && opts.format !== 'json') throw new Error(`--format: expected csv or json, got '${opts.format}'`);
      const client = plannerClientFor(cmd);
      const text = opts.format === 'csv' ? await client.getRunsCsv(id) : `${JSON.stringify(await client.getRuns(id), null, 2)}\n`;
      if (!opts.out) return void process.stdout.write(text);
      writeFileSync(opts.out, text);
      process.stderr.write(`wrote ${opts.out}\n`);
    });
}
