import { readFileSync } from 'node:fs';
import { compileExpression } from '@lawsweep/design';
import { describeSkippedRuns, fitLaw, getLaw, predictMixture, readRunsCsvReport, truthLossAt, type Config, type LawSpec } from '@lawsweep/law';
import type { ScalingPlotInput } from '@lawsweep/plot';
import type { PlannerClient } from '../client/planner-client';
import { sci } from '../format';

/** A sweep on a planner, drawn from its REST API: runs, current fit, targets (and the truth if simulated). */
export async function sweepPlotInput(client: PlannerClient, id: string): Promise<ScalingPlotInput> {
  const [sweep, fit, runs] = await Promise.all([client.getSweep(id), client.getFit(id), client.getRuns(id, { curves: false })]);
  const variables = sweep.variables ?? Object.keys(runs[0]?.config ?? { N: 1, D: 1 });
  const costExpr = compileExpression(sweep.cost ?? '6 * N * D', variables);
  const done = runs.filter((r) => r.state === 'done' && r.loss !== null);
  return {
    title: `${sweep.name} (${sweep.id})`,
    subtitle: `${sweep.state} · ${done.length} runs · spent ${sci(sweep.budget.spent)} of ${sci(sweep.budget.total)} · law ${fit.law}`,
    law: fit.n > 0 ? (sweep.lawSpec ?? sweep.law) : null,
    params: fit.n > 0 ? fit.params : null,
    variables,
    runs: done.map((r) => ({ config: r.config, loss: r.loss as number })),
    cost: (c) => costExpr.evaluate(c),
    costLabel: sweep.cost === '6 * N * D' ? 'compute, 6·N·D (FLOPs)' : `cost (${sweep.cost ?? '?'})`,
    targets: sweep.targets.map((t) => ({ ...t, truth: truthLossAt(sweep.truth, t.config) })),
  };
}

/** A CSV of finished runs (columns N, D, loss), fitted here with the named law. */
export function csvPlotInput(path: string, lawSpec: LawSpec, targets: Config[], cost = '6 * N * D'): ScalingPlotInput {
  const law = getLaw(lawSpec);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read --data ${path}: ${(err as Error).message}`);
  }
  let csv: ReturnType<typeof readRunsCsvReport>;
  try {
    csv = readRunsCsvReport(text, law.variables, { minRows: law.theta.length + 1 });
  } catch (err) {
    throw new Error(`--data ${path}: ${(err as Error).message}`);
  }
  const rows = csv.rows;
  const skippedNote = describeSkippedRuns(csv.skipped);
  if (skippedNote) process.stderr.write(`lawsweep plot: --data ${path}: ${skippedNote}\n`);
  for (const config of targets) {
    const missing = law.variables.filter((v) => config[v] === undefined);
    if (missing.length > 0) {
      const given = Object.entries(config).map(([k, v]) => `${k}=${v}`).join(',');
      throw new Error(`--target ${given}: missing ${missing.join(', ')}; law ${law.name} needs a value for each of ${law.variables.join(', ')} (e.g. --target N=7e10,D=1.4e12)`);
    }
  }
  const observations = rows.map((r) => ({ config: r.config, loss: r.loss }));
  const fit = fitLaw(law, observations);
  const costExpr = compileExpression(cost, law.variables);
  return {
    title: `${path}: ${law.name} fitted to ${observations.length} runs`,
    subtitle: Object.entries(fit.params).map(([k, v]) => `${k}=${sci(v, 3)}`).join('  '),
    law: lawSpec,
    params: fit.params,
    runs: observations,
    cost: (c) => costExpr.evaluate(c),
    costLabel: cost === '6 * N * D' ? 'compute, 6·N·D (FLOPs)' : `cost (${cost})`,
    targets: targets.map((config) => {
      const p = predictMixture(law, fit, config);
      return { config, loss: p.loss, lower: p.lower, upper: p.upper };
    }),
  };
}

/** "N=7e10,D=1.4e12" → { N: 7e10, D: 1.4e12 }. */
export function parseConfigFlag(text: string, flag: string): Config {
  const config: Config = {};
  for (const part of text.split(',')) {
    const [k, v] = part.split('=').map((s) => s.trim());
    const n = Number(v);
    if (!k || !(n > 0 && Number.isFinite(n))) throw new Error(`${flag}: expected NAME=VALUE pairs separated by commas (e.g. N=7e10,D=1.4e12), got '${text}'`);
    config[k] = n;
  }
  return config;
}
