import type { Command } from 'commander';
import { formatSeenAgo } from '@lawsweep/contracts';
import { addPlannerOptions, plannerClientFor } from '../client/planner-options';
import type { WorkerView } from '../client/planner-api.types';
import { printJson, sci, table } from '../format';

/** `lawsweep workers`: the workers the planner can route to, their capacity, and what each trains now. */
export function register(program: Command): void {
  addPlannerOptions(
    program
      .command('workers')
      .description('list the workers on the planner: pool, live or gone, busy slots, capacity, labels, the runs each trains now')
      .option('--pool <pool>', 'only this pool')
      .option('--all', 'also the gone ones (no heartbeat for 30 s: killed, or their node lost) that hold no runs')
      .option('--json', 'print JSON (every worker, gone ones included)'),
  )
    .addHelpText(
      'after',
      `
A worker advertises its pool, capacity and labels every heartbeat (lawsweep worker); the planner plans
only runs a live worker of the sweep's pool can hold. Start workers with \`lawsweep worker --help\`.

Examples:
  $ lawsweep workers
  $ lawsweep workers --pool a100 --all`,
    )
    .action(async (opts: { pool?: string; all?: boolean; json?: boolean }, cmd: Command) => {
      const workers = await plannerClientFor(cmd).listWorkers(opts.pool);
      if (opts.json) return printJson(workers);
      process.stdout.write(`${workersText(workers, { all: Boolean(opts.all), pool: opts.pool })}\n`);
    });
}

/** The table `lawsweep workers` prints, and what it leaves out. */
export function workersText(workers: WorkerView[], opts: { all: boolean; pool?: string }): string {
  // A gone worker still holding runs is shown: they wait for a live worker of the pool to take them back.
  const shown = opts.all ? workers : workers.filter((w) => w.state !== 'gone' || w.running.length > 0);
  const gone = workers.length - shown.length;
  const where = opts.pool ? ` in pool '${opts.pool}'` : '';
  if (shown.length === 0) {
    const hint = gone > 0 ? ` (${gone} gone: --all lists them)` : '';
    return `no workers${where}${hint}: start one with \`lawsweep worker --pool POOL --capacity N=1e9\` (lawsweep worker --help)`;
  }
  const rows = shown.map((w) => [
    w.id,
    w.pool,
    w.state,
    `${w.busy}/${w.concurrency}`,
    Object.entries(w.capacity).map(([k, v]) => `${k}<=${sci(v, 1)}`).join(' ') || 'any',
    Object.entries(w.labels).map(([k, v]) => `${k}=${v}`).join(' ') || '-',
    formatSeenAgo(w.secondsSinceSeen),
    w.running.map((r) => `${r.sweepId}/${r.runId}`).join(' ') || '-',
  ]);
  const lines = [table(['ID', 'POOL', 'STATE', 'BUSY', 'CAPACITY', 'LABELS', 'SEEN', 'RUNS'], rows)];
  if (gone > 0) lines.push(`(${gone} gone worker${gone === 1 ? '' : 's'} not shown: --all lists them)`);
  return lines.join('\n');
}
