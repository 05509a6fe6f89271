import type { Command } from 'commander';
import { plannerClientFor } from '../../client/planner-options';
import { configText, printJson, sci, table } from '../../format';

export function registerFit(sweep: Command): void {
  sweep
    .command('fit')
    .description("the sweep's current fit: parameters with standard errors, target predictions, compute-optimal frontier")
    .argument('<id>', 'sweep id')
    .option('--json', "print the planner's JSON (GET /sweeps/:id/fit)")
    .addHelpText('after', '\nExample:\n  $ lawsweep sweep fit SWEEP_ID\n  $ lawsweep sweep fit SWEEP_ID --json | jq .params')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const client = plannerClientFor(cmd);
      const fit = await client.getFit(id);
      if (opts.json) return printJson(fit);
      if (fit.n === 0) {
        const sweep = await client.getSweep(id);
        const live = sweep.state === 'running' || sweep.state === 'paused';
        return void process.stdout.write(
          live
            ? `sweep ${id} has no fit yet: it needs a few finished runs (lawsweep sweep watch ${id})\n`
            : `sweep ${id} ended (${sweep.state}${sweep.stopReason ? `: ${sweep.stopReason}` : ''}) before enough runs finished to fit the law; lawsweep sweep status ${id} shows its runs\n`,
        );
      }
      const out = [`law ${fit.law}, fitted to ${fit.n} runs (rmse of log-loss ${sci(fit.rmse, 3)})`];
      out.push(table(['PARAM', 'VALUE', 'STDERR'], Object.entries(fit.params).map(([k, v]) => [k, sci(v, 4), sci(fit.stderr[k], 2)])));
      for (const p of fit.predictions) out.push(`target ${configText(p.config)}: ${p.loss.toFixed(4)} (90% interval ${p.lower.toFixed(4)} … ${p.upper.toFixed(4)})`);
      for (const w of fit.warnings ?? []) out.push(`warning: ${w.message}`);
      if (fit.frontier?.length) {
        out.push('compute-optimal frontier:');
        out.push(table(['COMPUTE', 'CONFIG', 'LOSS'], fit.frontier.map((f) => [sci(f.compute), configText(f.config), Number.isFinite(f.loss) ? f.loss.toFixed(4) : '-'])));
      }
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
