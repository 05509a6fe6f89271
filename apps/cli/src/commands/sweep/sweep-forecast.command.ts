import { InvalidArgumentError, type Command } from 'commander';
import { plannerClientFor } from '../../client/planner-options';
import { roundUpSignificant } from '@lawsweep/contracts';
import { configText, printJson, sci, table, widestHalfWidth } from '../../format';

function budgets(raw: string): number[] {
  const values = raw.split(',').map((s) => s.trim());
  if (values.some((v) => v === '' || !(Number(v) > 0) || !Number.isFinite(Number(v)))) throw new InvalidArgumentError(`--budget takes positive total budgets, comma-separated (e.g. 2e21,4e21), got '${raw}'`);
  return values.map(Number);
}

function interval(raw: string): number {
  const value = Number(raw);
  if (!(Number.isFinite(value) && value > 0)) throw new InvalidArgumentError(`--interval takes a relative half-width above 0 (e.g. 0.01 for ±1%), got '${raw}'`);
  // ±100% or more is no prediction: a percentage typed as such (2 for ±2%) is the likely mistake.
  if (value >= 1) throw new InvalidArgumentError(`--interval is relative: 0.01 for ±1%; got '${raw}' (±${+(value * 100).toPrecision(4)}%)`);
  return value;
}

/** Three significant digits, rounded up, as sci() prints them: a budget that, typed back, is not below the one meant. */
const roundUp = (x: number): number => roundUpSignificant(x, 3);

const pm = (x: number) => `±${(100 * x).toFixed(2)}%`;

export function registerForecast(sweep: Command): void {
  sweep
    .command('forecast')
    .description(
      "what raising a sweep's budget would buy, before spending it: the runs its design would plan from the runs it has, and each target's 90% interval after them (then `lawsweep sweep update ID --budget B`)",
    )
    .argument('<id>', 'sweep id')
    .option('--budget <b1,b2,...>', 'total budgets to ask about (at most 5), each at least what is spent and reserved', budgets)
    .option('--interval <r>', "instead: the least total budget forecast to bring every target within ±r (relative, e.g. 0.01 for ±1%)", interval)
    .option('--json', "print the planner's JSON (GET /sweeps/:id/forecast)")
    .addHelpText(
      'after',
      `
The interval forecast is the linearised posterior of the current fit, conditioned on the planned runs:
it assumes the law holds and the noise stays as fitted. On simulated sweeps the intervals reached came
out close to it (BENCHMARKS.md, "Forecast calibration"); whether the interval covers the truth is the
fit's own calibration, which a law that bends away at scale breaks for any forecast. Like the planner,
a forecast plans only configs some live worker of the sweep's pool can hold (it says how many it left out).

Examples:
  $ lawsweep sweep forecast SWEEP_ID --budget 2e21,4e21
  $ lawsweep sweep forecast SWEEP_ID --interval 0.01      # how much compute until every target is within ±1%?`,
    )
    .action(async (id: string, opts: { budget?: number[]; interval?: number; json?: boolean }, cmd: Command) => {
      if ((opts.budget === undefined) === (opts.interval === undefined)) cmd.error('error: give either --budget B1[,B2,...] or --interval R');
      const client = plannerClientFor(cmd);
      if (opts.interval !== undefined) {
        const found = await client.getBudgetForInterval(id, opts.interval);
        if (opts.json) return printJson(found);
        const f = found.forecast;
        const widest = widestHalfWidth(f.targets, 'halfWidthAfter');
        const now = widestHalfWidth(f.targets, 'halfWidthNow');
        const lines = [`sweep ${id}: every target within ${pm(found.interval)} (the widest is ${pm(now)} now)`];
        const committed = found.budget.spent + found.budget.reserved;
        if (!found.reachable) {
          lines.push(`  out of reach: ${found.reason}; at a total budget of ${sci(found.budgetNeeded)} (+${f.runs} runs) the widest would be ${pm(widest)}`);
        } else if (found.budgetNeeded <= committed) {
          lines.push('  already there: no more budget needed');
        } else if (found.budgetNeeded <= found.budget.total) {
          lines.push(`  the budget it has (${sci(found.budget.total)}) is enough: about ${sci(roundUp(found.budgetNeeded))} gets there (${f.runs} more runs)`);
        } else {
          const needed = roundUp(found.budgetNeeded);
          lines.push(`  needs a total budget of about ${sci(needed)} (now ${sci(found.budget.total)}): ${f.runs} more runs costing ${sci(f.cost)}, the widest then ${pm(widest)}`);
          lines.push(`  then: lawsweep sweep update ${id} --budget ${sci(needed)}`);
        }
        if (found.capacity) lines.push(`note: ${found.capacity.message}`);
        lines.push('(linearised at the current fit, assuming the law holds: see `lawsweep sweep forecast --help`)');
        return void process.stdout.write(`${lines.join('\n')}\n`);
      }
      const answer = await client.getForecast(id, opts.budget as number[]);
      if (opts.json) return printJson(answer);
      const out = [`sweep ${id}: budget ${sci(answer.budget.total)}, spent ${sci(answer.budget.spent)}, reserved ${sci(answer.budget.reserved)}`];
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
        if (!f.stoppedBecause || (f.budgetBound !== false && !f.truncated)) continue; // stopped by the budget itself: nothing to say
        const hint = /maxRuns/.test(f.stoppedBecause) ? ` (the spec's stop rule; lawsweep sweep update ${id} --max-runs N raises it)` : '';
        out.push(`at ${sci(f.budget)} the design stops short: ${f.stoppedBecause}${hint}`);
      }
      if (answer.capacity) out.push(`note: ${answer.capacity.message}`);
      out.push('(linearised at the current fit, assuming the law holds: see `lawsweep sweep forecast --help`)');
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
