import type { Command } from 'commander';
import { addPlannerOptions, plannerClientFor } from '../client/planner-options';
import type { Config } from '@lawsweep/law';

interface PlotFlags {
  data?: string;
  out: string;
  law: string;
  target: string[];
  cost: string;
  json?: boolean;
}

/** `lawsweep plot`: the scaling-law figure of a sweep on a planner, or of a CSV of runs. */
export function register(program: Command): void {
  addPlannerOptions(
    program
      .command('plot')
      .description('draw losses against compute (log-log) with the fitted law per model size, the compute-optimal frontier and the targets')
      .argument('[sweep]', 'sweep id on the planner (or use --data)')
      .option('--data <runs.csv>', 'plot a CSV of finished runs (columns N, D, loss; with a state column, only the done rows) instead of a sweep')
      .requiredOption('--out <file>', 'output file: .svg or .png')
      .option('--law <law>', 'law to fit with --data', 'chinchilla')
      .option('--target <N=..,D=..>', 'with --data: a config to predict, with its 90% interval (repeatable)', (v: string, acc: string[]) => [...acc, v], [])
      .option('--cost <expr>', 'with --data: cost of a config (the x axis)', '6 * N * D')
      .option('--json', 'print {out} as JSON'),
  )
    .addHelpText('after', '\nExamples:\n  $ lawsweep plot SWEEP_ID --out fig.svg\n  $ lawsweep plot --data runs.csv --law chinchilla --target N=7e10,D=1.4e12 --out fig.png')
    .action(async (sweepId: string | undefined, flags: PlotFlags, cmd: Command) => {
      if (sweepId && flags.data) throw new Error('give a sweep id or --data runs.csv, not both');
      if (!sweepId && !flags.data) throw new Error('give what to plot: a sweep id (lawsweep plot SWEEP_ID --out fig.svg) or --data runs.csv');
      // Lazily: the law, design and plot libraries load only when a plot is drawn (fast --help).
      if (flags.data) (await import('../law-flag')).checkLawFlag(flags.law, { expressionFlag: false });
      const { csvPlotInput, parseConfigFlag, sweepPlotInput } = await import('../plot/plot-inputs');
      const { writePlotFile } = await import('../plot/plot-file.writer');
      const input = flags.data
        ? csvPlotInput(flags.data, flags.law, flags.target.map((t): Config => parseConfigFlag(t, '--target')), flags.cost)
        : await sweepPlotInput(plannerClientFor(cmd), sweepId as string);
      writePlotFile(input, flags.out);
      if (flags.json) process.stdout.write(`${JSON.stringify({ out: flags.out, runs: input.runs.length })}\n`);
      else process.stdout.write(`wrote ${flags.out} (${input.runs.length} runs)\n`);
    });
}
