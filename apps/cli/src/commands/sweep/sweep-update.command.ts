import { InvalidArgumentError, type Command } from 'commander';
import type { SweepFieldChange } from '@lawsweep/contracts';
import { PlannerHttpError } from '../../client/planner-client';
import { plannerClientFor } from '../../client/planner-options';
import { printJson, sci } from '../../format';

/** A number as typed (the planner names the field if it is out of range), or null for "none". */
function numberOrNone(option: string, allowNone: boolean) {
  return (raw: string): number | null => {
    if (allowNone && raw.trim().toLowerCase() === 'none') return null;
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) throw new InvalidArgumentError(`${option} must be a number${allowNone ? " or 'none' (removes the rule)" : ''}, got '${raw}'`);
    return value;
  };
}

/** A relative half-width below 1 (0.01 for ±1%), or null: 2 meaning ±2% would ask for ±200%. */
function relativeOrNone(option: string) {
  const parse = numberOrNone(option, true);
  return (raw: string): number | null => {
    const value = parse(raw);
    if (value !== null && value >= 1) throw new InvalidArgumentError(`${option} is relative: 0.01 for ±1%; got '${raw}' (±${+(value * 100).toPrecision(4)}%)`);
    return value;
  };
}

/** The option that sets each field the planner may name in a refusal. */
const OPTION_OF: Record<string, string> = {
  budget: '--budget',
  parallelism: '--parallelism',
  'stop.maxRuns': '--max-runs',
  'stop.targetRelativeInterval': '--target-interval',
  'stop.pauseAfterFailures': '--pause-after-failures',
};

const show = (field: SweepFieldChange['field'], v: number | undefined): string =>
  v === undefined ? 'none' : field === 'budget' ? sci(v) : field === 'stop.targetRelativeInterval' ? `${+(v * 100).toPrecision(4)}%` : String(v);

export function registerUpdate(sweep: Command): void {
  sweep
    .command('update')
    .description(
      "change a sweep's budget, parallelism or stop rules while it runs, is paused, or after it ended: a sweep that is done runs again from the runs it has, once no stop rule is still met (the law, variables, targets and trainer cannot change: a new sweep can import these runs)",
    )
    .argument('<id>', 'sweep id')
    .option('--budget <flops>', 'new total budget (e.g. 2e21); at least what is spent and reserved already', numberOrNone('--budget', false))
    .option('--parallelism <k>', 'runs in flight at once', numberOrNone('--parallelism', false))
    .option('--max-runs <n>', "stop after this many runs ('none' removes the limit)", numberOrNone('--max-runs', true))
    .option('--target-interval <r>', "stop once every target's 90% interval is within ±r, relative (e.g. 0.01 for ±1%; 'none' removes the rule)", relativeOrNone('--target-interval'))
    .option('--pause-after-failures <k>', 'pause after this many failed runs in a row (0: never)', numberOrNone('--pause-after-failures', false))
    .option('--json', 'print the sweep as JSON, with changes and reopened')
    .addHelpText(
      'after',
      `
Examples:
  $ lawsweep sweep update SWEEP_ID --budget 2e21                 # a done sweep runs again with the extra compute
  $ lawsweep sweep update SWEEP_ID --parallelism 16              # more GPUs free: more runs in flight
  $ lawsweep sweep update SWEEP_ID --target-interval 0.005 --max-runs none`,
    )
    .action(async (id: string, opts: { budget?: number; parallelism?: number; maxRuns?: number | null; targetInterval?: number | null; pauseAfterFailures?: number; json?: boolean }, cmd: Command) => {
      const stop: Record<string, number | null> = {};
      if (opts.maxRuns !== undefined) stop.maxRuns = opts.maxRuns;
      if (opts.targetInterval !== undefined) stop.targetRelativeInterval = opts.targetInterval;
      if (opts.pauseAfterFailures !== undefined) stop.pauseAfterFailures = opts.pauseAfterFailures;
      const body = {
        ...(opts.budget !== undefined ? { budget: opts.budget } : {}),
        ...(opts.parallelism !== undefined ? { parallelism: opts.parallelism } : {}),
        ...(Object.keys(stop).length ? { stop } : {}),
      };
      if (Object.keys(body).length === 0) cmd.error('error: nothing to change: give --budget, --parallelism, --max-runs, --target-interval or --pause-after-failures');
      let s;
      try {
        s = await plannerClientFor(cmd).updateSweep(id, body);
      } catch (err) {
        if (err instanceof PlannerHttpError && err.status === 400 && err.errors.length > 0) {
          throw new Error(`the planner refused the update of sweep ${id}:\n${err.errors.map((e) => `  ${OPTION_OF[e.path] ?? e.path}: ${e.message}`).join('\n')}`);
        }
        throw err;
      }
      if (opts.json) return printJson(s);
      if (s.changes.length === 0) {
        process.stdout.write(`sweep ${s.id}: nothing changed (it has these values already)\n`);
        return;
      }
      const changed = s.changes.map((c) => `${c.field} ${show(c.field, c.from)} -> ${show(c.field, c.to)}`).join(', ');
      const after = s.reopened
        ? `; it had ended and runs again (lawsweep sweep watch ${s.id})`
        : s.staysDone
          ? `; it stays done: ${s.staysDone}`
          : s.state === 'running'
            ? '; the planner plans with it from now on'
            : ` (the sweep is ${s.state})`;
      process.stdout.write(`sweep ${s.id}: ${changed}${after}\n`);
    });
}
