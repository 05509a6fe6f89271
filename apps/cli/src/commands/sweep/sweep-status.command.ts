import type { Command } from 'commander';
import { describeTimeLeft, goOnWithMoreBudgetHint } from '@lawsweep/contracts';
import type { SweepView } from '../../client/planner-api.types';
import { plannerClientFor } from '../../client/planner-options';
import { printJson, sci, targetText } from '../../format';
import { summarise } from '../../watch/progress-summary';

export function registerStatus(sweep: Command): void {
  sweep
    .command('status')
    .description("a sweep's state, budget, runs and target predictions")
    .argument('<id>', 'sweep id')
    .option('--json', 'print the planner\'s JSON (GET /sweeps/:id)')
    .addHelpText('after', '\nExample:\n  $ lawsweep sweep status SWEEP_ID --json | jq .budget')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const client = plannerClientFor(cmd);
      const s = await client.getSweep(id);
      if (opts.json) return printJson(s);
      const sum = summarise(s, []);
      const lines = [
        `sweep ${s.id} (${s.name}): ${s.state}${s.stopReason ? ` (${s.stopReason})` : ''}`,
        `  budget  ${sum.budget}`,
        ...(s.state === 'running' && s.timeLeft
          ? [`  time    ${describeTimeLeft(s.timeLeft)} (${sci(s.timeLeft.rate)} spent per second)${s.timeLeft.until !== 'maxRuns' ? '; the interval stop rule may end it sooner' : ''}`]
          : []),
        `  ${sum.runs}`,
        ...failureLines(s),
        ...s.targets.map((t) => `  target  ${targetText(t)}`),
        // The interval above is the fit's; what the runs cannot pin yet qualifies it (lawsweep sweep fit says more).
        ...(s.fit?.warnings ?? []).map((w) => `  fit     ${w.message}`),
        // The breaker's warning is the stop reason above: said once.
        ...(s.warnings ?? []).filter((w) => w.message !== s.stopReason).map((w) => `  warning ${w.message}`),
        `  dashboard: ${client.dashboardUrl(s.id)}`,
        // A done sweep can go on: say how, since the interval it ended with is often not the one wanted.
        ...(s.state === 'done'
          ? [`  to go on: ${goOnWithMoreBudgetHint(s.id, sci(2 * s.budget.total), { stopCause: s.stopCause, stopReason: s.stopReason, planned: s.runs.planned })}`]
          : []),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

/** Why runs failed: the most common reasons with their counts, and the failures in a row. */
function failureLines(s: SweepView): string[] {
  const f = s.failures;
  if (!f || s.runs.failed === 0) return [];
  const inARow = f.inARow > 0 ? `; ${f.inARow} in a row${f.pauseAfter > 0 ? ` (the sweep pauses at ${f.pauseAfter})` : ''}` : '';
  const reasons = f.reasons ?? [];
  const shown = reasons.reduce((n, r) => n + r.count, 0);
  return [
    `  failed runs: ${s.runs.failed}${inARow}${reasons.length ? ', most common reasons:' : ''}`,
    ...reasons.map((r) => `    ${String(r.count).padStart(4)} × ${r.reason}`),
    ...(shown < s.runs.failed ? [`         (${s.runs.failed - shown} more, for other reasons: lawsweep sweep export ${s.id} --format json)`] : []),
  ];
}
