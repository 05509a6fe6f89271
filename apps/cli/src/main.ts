#!/usr/bin/env node
import { Command, Help, type Option } from 'commander';
import { plainLogsWhenPiped } from '@lawsweep/contracts';
import { registerCommands } from './commands';

plainLogsWhenPiped();

const program = new Command();
program
  .name('lawsweep')
  .description('Compute-budgeted scaling-law sweeps: plan the runs that teach the most, run them on workers, refit after every result.')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  // 'sweep create --help' also lists the parent's --planner and --token, which it accepts.
  .configureHelp({
    showGlobalOptions: true,
    // Defaults as the user types them, (default: 20), not commander's JSON (default: "20"); a
    // repeatable option's empty list is no default worth showing.
    optionDescription(this: Help, option: Option): string {
      if (typeof option.defaultValue === 'string' && option.defaultValueDescription === undefined) option.defaultValueDescription = option.defaultValue;
      return Help.prototype.optionDescription.call(this, option).replace(' (default: [])', '');
    },
  })
  .addHelpText(
    'after',
    `
Examples:
  $ lawsweep demo                                             # a whole sweep on this machine, ~30 s
  $ lawsweep simulate --spec examples/specs/chinchilla-demo.yaml --seeds 3
  $ lawsweep fit --data runs.csv --law chinchilla
  $ lawsweep planner &  lawsweep worker &                     # the services; Redis from $REDIS_URL or 127.0.0.1:6379
  $ lawsweep sweep create examples/specs/chinchilla-demo.yaml        # prints the id to follow: lawsweep sweep watch ID
  $ lawsweep workers                                          # the live workers, their capacity and runs

'lawsweep <command> --help' shows each command's flags, defaults and an example.`,
  );

registerCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`lawsweep: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
