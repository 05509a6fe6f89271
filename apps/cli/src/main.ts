#!/usr/bin/env node
import { Command } from 'commander';
import { registerCommands } from './commands';

const program = new Command();
program
  .name('lawsweep')
  .description('Compute-budgeted scaling-law sweeps: plan the runs that teach the most, run them on workers, refit after every result.')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)');

registerCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`lawsweep: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
