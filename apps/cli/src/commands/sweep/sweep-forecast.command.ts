import { InvalidArgumentError, type Command } from 'commander';
import { plannerClientFor } from '../../client/planner-options';
import { configText, printJson, sci, table } from '../../format';

function budgets(raw: string): number[] {
  const values = raw.split(',').map((s) => s.trim());
  if (values.some((v) => v === '' || !(Number(v) > 0) || !Number.isFinite(Number(v)))) throw new InvalidArgumentError(`--budget takes positive total budgets, comma-separated (e.g. 2e21,4e21), got '${raw}'`);
  return values.map(Number);
}

const pm = (x: number) => `±${(100 * x).toFixed(2)}%`;

export function registerForecast(sweep: Command): void {
  sweep
    .command('forecast')
    .description(
      "what raising a sweep's budget would buy, before spending it: the runs its design would plan from the runs it has, and each target's 90% interval after them (then `lawsweep sweep update ID --budget B`)",
    )
    .argument('<id>', 'sweep id')
    .requiredOption('--budget <b1,b2,...>', 'total budgets to ask about (at most 5), each at least what is spent and reserved', budgets)
    .option('--json', "print the planner's JSON (GET /sweeps/:id/forecast)")
    .addHelpText(
      'after',
      `
The interval forecast is the linearised posterior of the current fit, conditioned on the planned runs:
it assumes the law holds and the noise stays as fitted. On simulated sweeps the intervals reached came
out close to it (BENCHMARKS.md, "Forecast calibration"); whether the interval covers the truth is the
fit's own calibration, which a law that bends away at scale breaks for any forecast.

Example:
  $ lawsweep sweep forecast SWEEP_ID --budget 2e21,4e21`,
    )
    .action(async (id: string, opts: { budget: number[]; json?: boolean }, cmd: Command) => {
      const answer = await plannerClientFor(cmd).getForecast(id, opts.budget);
      if (opts.json) return printJson(answer);
      const out = [`sweep ${id}: budget ${sci(answer.budget)}, spent ${sci(answer.spent)}, reserved ${sci(answer.reserved)}`];
      const first = answer.forecasts[0];
      first.targets.forEach((t, i) => {
        out.push(`target ${configText(t.config)}: ${t.loss.toFixed(4)} ${pm(t.halfWidthNow)} now`);
        out.push(
          table(
            ['BUDGET', 'MORE RUNS', 'THEIR COST', 'INTERVAL AFTER'],
            answer.forecasts.map((f) => [sci(f.budget), String(f.runs), sci(f.cost), pm(f.targets[i].halfWidthAfter)]),
          ).replace(/^/gm, '  '),
        );
      });
      for (const f of answer.forecasts) {
        if (!f.stoppedBecause || f.cost >= (f.budget - answer.spent - answer.reserved) * 0.99) continue;
        const hint = /maxRuns/.test(f.stoppedBecause) ? ` (the spec's stop rule; lawsweep sweep update ${id} --max-runs N raises it)` : '';
        out.push(`at ${sci(f.budget)} the design stops short: ${f.stoppedBecause}${hint}`);
      }
      out.push('(linearised at the current fit, assuming the law holds: see `lawsweep sweep forecast --help`)');
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
