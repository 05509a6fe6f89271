import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { RUN_EXPORT_COLUMNS } from '@lawsweep/contracts';
import {
  backtestFit,
  bootstrapFit,
  computeOptimal,
  csvNumericColumns,
  dropHighestLoss,
  fitLaw,
  fitWarnings,
  formatLossFunction,
  getLaw,
  parseLossFunction,
  describeSkippedRuns,
  readRunsCsvReport,
  type BacktestResult,
  type ExpressionLawSpec,
  type FitOptions,
  type Law,
  type LawSpec,
  type Observation,
  UnknownSymbolError,
} from '@lawsweep/law';
import { printJson, sci, table } from '../format';
import { checkLawFlag } from '../law-flag';

interface FitFlags {
  data: string;
  law?: string;
  expression?: string;
  param: string[];
  loss: string;
  starts: string;
  bootstrap?: string;
  seed: string;
  dropHighestLoss?: string;
  optimal?: string;
  backtest?: string;
  json?: boolean;
}

/** --param NAME=LOWER:UPPER, repeatable. */
function collectParam(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseParams(texts: string[]): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const t of texts) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=([^:]+):(.+)$/.exec(t.trim());
    const lo = m ? Number(m[2]) : NaN;
    const hi = m ? Number(m[3]) : NaN;
    if (!m || !Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) {
      throw new Error(`--param '${t}': expected NAME=LOWER:UPPER with LOWER < UPPER, e.g. --param E=0.5:5`);
    }
    out[m[1]] = [lo, hi];
  }
  return out;
}

function lawSpecFrom(flags: FitFlags): LawSpec {
  if (flags.law && flags.expression) throw new Error('give either --law NAME or --expression "...", not both');
  if (flags.expression) {
    if (flags.param.length === 0) throw new Error('--expression needs its parameters with bounds: --param NAME=LOWER:UPPER for each');
    return { expression: flags.expression, params: parseParams(flags.param) } satisfies ExpressionLawSpec;
  }
  if (!flags.law) throw new Error('give --law NAME (e.g. chinchilla) or --expression "..." with --param NAME=LOWER:UPPER');
  checkLawFlag(flags.law, { expressionFlag: true });
  return flags.law;
}

/**
 * Columns of a runs CSV that are never variables: the loss, and the bookkeeping columns of a
 * sweep's export (`GET /sweeps/:id/runs?format=csv`, `lawsweep sweep export`).
 */
const NON_VARIABLE_COLUMNS: readonly string[] = RUN_EXPORT_COLUMNS;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * An --expression law's variables are the CSV's numeric columns (other than the loss, bookkeeping
 * columns and the --param names), whatever their names: P and T, or N, D and lr.
 */
function expressionLaw(spec: ExpressionLawSpec, csv: string, path: string): Law {
  const columns = csvNumericColumns(csv);
  const variables = columns.filter((c) => IDENTIFIER.test(c) && !NON_VARIABLE_COLUMNS.includes(c) && !(c in spec.params));
  try {
    return getLaw(spec, variables);
  } catch (err) {
    if (!(err instanceof UnknownSymbolError)) throw err;
    const s = err.symbol;
    const why = NON_VARIABLE_COLUMNS.includes(s)
      ? `'${s}' is a bookkeeping column of a sweep export, not a variable`
      : `it is neither a --param (${err.params.join(', ')}) nor a numeric column of --data ${path} (${variables.join(', ') || 'none'})`;
    throw new Error(`--expression: unknown symbol "${s}" in "${err.expression}": ${why}; give it bounds with --param ${s}=LOWER:UPPER, or add a numeric column ${s} to the CSV`);
  }
}

function nonNegativeInt(text: string, flag: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${flag}: expected a non-negative integer, got '${text}'`);
  return v;
}

async function runFit(flags: FitFlags): Promise<void> {
  const lawSpec = lawSpecFrom(flags);
  // A built-in law is checked before the file is read; an expression law needs the CSV's columns.
  let law: Law | undefined = typeof lawSpec === 'string' ? getLaw(lawSpec) : undefined;
  const loss = parseLossFunction(flags.loss);
  if (flags.starts !== 'default' && flags.starts !== 'full') throw new Error(`--starts: expected default or full, got '${flags.starts}'`);
  // Checked before any work: Number('abc') is NaN, which would seed the bootstrap silently and unreproducibly.
  const seed = nonNegativeInt(flags.seed, '--seed');
  let text: string;
  try {
    text = readFileSync(flags.data, 'utf8');
  } catch (err) {
    throw new Error(`cannot read --data ${flags.data}: ${(err as Error).message}`);
  }
  law ??= expressionLaw(lawSpec as ExpressionLawSpec, text, flags.data);
  let csv: ReturnType<typeof readRunsCsvReport>;
  try {
    csv = readRunsCsvReport(text, law.variables);
  } catch (err) {
    throw new Error(`--data ${flags.data}: ${(err as Error).message}`);
  }
  const rows = csv.rows;
  // On stderr, so `--json | jq` still reads only the fit.
  const skippedNote = describeSkippedRuns(csv.skipped);
  if (skippedNote) process.stderr.write(`lawsweep fit: --data ${flags.data}: ${skippedNote}\n`);
  const drop = flags.dropHighestLoss === undefined ? 0 : nonNegativeInt(flags.dropHighestLoss, '--drop-highest-loss');
  const kept = dropHighestLoss(rows, drop);
  const k = law.theta.length;
  if (kept.length < k + 1) {
    throw new Error(`${flags.data}: ${kept.length} usable rows, but law ${law.name} has ${k} parameters and needs at least ${k + 1} rows`);
  }
  const budgets = flags.optimal ? flags.optimal.split(',').map((s) => Number(s.trim())) : [];
  if (budgets.some((b) => !(b > 0 && Number.isFinite(b)))) throw new Error(`--optimal: expected positive FLOP budgets separated by commas, got '${flags.optimal}'`);
  if (budgets.length > 0 && !(law.variables.includes('N') && law.variables.includes('D'))) {
    throw new Error(`--optimal finds the compute-optimal N*(C), D*(C) at cost 6·N·D, so the law needs variables N and D; law ${law.name} has ${law.variables.join(', ')}: drop --optimal`);
  }
  const data: Observation[] = kept.map((r) => ({ config: r.config, loss: r.loss }));
  const options: FitOptions = { loss, starts: flags.starts as 'default' | 'full' };
  const started = process.hrtime.bigint();
  const bootstrapSamples = flags.bootstrap === undefined ? 0 : nonNegativeInt(flags.bootstrap, '--bootstrap');
  const boot = bootstrapSamples > 0 ? bootstrapFit(law, data, { ...options, samples: bootstrapSamples, seed }) : undefined;
  const fit = boot ? boot.fit : fitLaw(law, data, options);
  const fitMs = Number(process.hrtime.bigint() - started) / 1e6;
  const optimal = budgets.map((c) => computeOptimal(law, fit, c, { seed }));
  const backtest = flags.backtest === undefined ? undefined : runBacktest(law, data, options, flags.backtest, rows.length - kept.length);
  const warnings = fitWarnings(law, fit, data);

  const result = {
    law: law.name,
    params: fit.params,
    stderr: fit.stderr,
    n: fit.n,
    dropped: rows.length - kept.length,
    rmse: fit.rmse,
    sigma: fit.sigma,
    objective: fit.objective,
    loss: formatLossFunction(loss),
    // What 'huber:auto' chose (the same as `loss` otherwise).
    lossUsed: loss.kind === 'huber-auto' && fit.loss.kind === 'huber' ? `huber:${Number(fit.loss.delta.toPrecision(3))}` : formatLossFunction(fit.loss),
    converged: fit.converged,
    iterations: fit.iterations,
    startsRun: fit.startsRun,
    totalIterations: fit.totalIterations,
    fitMs: Math.round(fitMs * 10) / 10,
    theta: Array.from(fit.theta),
    covariance: fit.covariance,
    modes: fit.modes.map((m) => ({ params: m.params, objective: m.objective, weight: m.weight, starts: m.starts })),
    ...(boot ? { bootstrap: { samples: bootstrapSamples, level: boot.level, stderr: boot.stderr, intervals: boot.intervals } } : {}),
    ...(optimal.length > 0 ? { optimal } : {}),
    ...(backtest ? { backtest: backtestJson(backtest) } : {}),
    warnings,
  };
  if (flags.json) {
    printJson(result);
    return;
  }
  const lines = [
    `law ${law.name}: ${fit.n} runs${result.dropped ? ` (${result.dropped} highest-loss dropped)` : ''}, loss ${result.loss}${result.lossUsed !== result.loss ? ` (${result.lossUsed})` : ''}, ${fit.startsRun} starts, ${result.fitMs} ms`,
    '',
    table(
      ['param', 'value', 's.e.', ...(boot ? [`bootstrap s.e.`, `${Math.round(boot.level * 100)}% interval`] : [])],
      law.paramNames.map((p) => [
        p,
        sci(fit.params[p], 4),
        sci(fit.stderr[p], 2),
        ...(boot ? [sci(boot.stderr[p], 2), `[${sci(boot.intervals[p][0], 3)}, ${sci(boot.intervals[p][1], 3)}]`] : []),
      ]),
    ),
    '',
    `rmse (log-loss) ${sci(fit.rmse, 3)}, sigma ${sci(fit.sigma, 3)}, objective ${sci(fit.objective, 6)}, ${fit.converged ? 'converged' : 'NOT converged'} (${fit.iterations} iterations)`,
    ...warnings.map((w) => `warning: ${w.message}`),
    `modes: ${fit.modes.length}${fit.modes.map((m, i) => `\n  #${i + 1} weight ${m.weight.toFixed(3)}, objective ${sci(m.objective, 6)}, ${m.starts} starts: ${law.paramNames.map((p) => `${p}=${sci(m.params[p], 3)}`).join(' ')}`).join('')}`,
    ...optimal.map((o) => `optimal at C=${sci(o.compute, 2)}: N*=${sci(o.N, 3)} [${sci(o.interval.N[0], 2)}, ${sci(o.interval.N[1], 2)}], D*=${sci(o.D, 3)} [${sci(o.interval.D[0], 2)}, ${sci(o.interval.D[1], 2)}], loss ${o.loss.toFixed(4)}`),
    ...(backtest ? ['', backtestText(law, backtest)] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** --backtest K: refit without the K runs of largest 6·N·D and predict them (libs/law backtestFit). */
function runBacktest(law: Law, data: Observation[], options: FitOptions, text: string, dropped: number): BacktestResult {
  const holdout = nonNegativeInt(text, '--backtest');
  if (holdout < 1) throw new Error(`--backtest: expected how many of the largest runs to hold out (≥ 1), got '${text}'`);
  if (!law.variables.includes('N') || !law.variables.includes('D')) {
    throw new Error(`--backtest holds out the runs of largest training compute 6·N·D, so the law needs variables N and D; law ${law.name} has ${law.variables.join(', ')}`);
  }
  const k = law.theta.length;
  const largest = data.length - (k + 1);
  if (holdout > largest) {
    const runs = `${data.length} runs${dropped > 0 ? ` (after --drop-highest-loss ${dropped})` : ''}`;
    const need = `law ${law.name} has ${k} parameters, so the refit needs at least ${k + 1} runs`;
    if (largest < 1) throw new Error(`--backtest ${holdout}: ${runs} are too few for a backtest: ${need}, plus at least 1 to hold out (${k + 2} in all)`);
    throw new Error(`--backtest ${holdout}: ${runs}, and ${need}; hold out at most ${largest} (--backtest ${largest})`);
  }
  return backtestFit(law, data, { ...options, holdout });
}

function backtestJson(b: BacktestResult) {
  return {
    holdout: b.heldOut.length,
    trainedOn: b.trainedOn,
    largestTrainedCost: b.largestTrainedCost,
    level: b.level,
    params: b.fit.params,
    meanRelativeError: b.meanRelativeError,
    meanAbsRelativeError: b.meanAbsRelativeError,
    inside: b.inside,
    runs: b.heldOut,
  };
}

function backtestText(law: Law, b: BacktestResult): string {
  // Signed, rounded before the sign is chosen (no "-0.00%").
  const pct = (x: number) => {
    const v = Number((100 * x).toFixed(2));
    return `${v > 0 ? '+' : ''}${(v === 0 ? 0 : v).toFixed(2)}%`;
  };
  const farthest = Math.max(...b.heldOut.map((r) => r.cost));
  const level = Math.round(b.level * 100);
  return [
    `backtest: the law fitted to the ${b.trainedOn} smaller runs (largest 6ND ${sci(b.largestTrainedCost, 2)}) predicts the ${b.heldOut.length} largest (up to ${sci(farthest, 2)}, ${(farthest / b.largestTrainedCost).toFixed(1)}× beyond):`,
    '',
    table(
      [...law.variables, '6ND', 'loss', 'predicted', `${level}% interval (with noise)`, 'error', 'z', 'inside'],
      b.heldOut.map((r) => [
        ...law.variables.map((v) => sci(r.config[v], 3)),
        sci(r.cost, 2),
        r.loss.toFixed(4),
        r.predicted.toFixed(4),
        `[${r.lower.toFixed(4)}, ${r.upper.toFixed(4)}]`,
        pct(r.relativeError),
        r.z.toFixed(2),
        r.inside ? 'yes' : 'NO',
      ]),
    ),
    '',
    `mean error ${pct(b.meanRelativeError)} (mean |error| ${(100 * b.meanAbsRelativeError).toFixed(2)}%); ${b.inside} of ${b.heldOut.length} inside their ${level}% intervals (about ${Math.round(b.level * b.heldOut.length)} expected if the law holds at scale)`,
  ].join('\n');
}

export function register(program: Command): void {
  program
    .command('fit')
    .description('fit a scaling law to finished runs (a CSV with one column per variable and a loss column)')
    .requiredOption('--data <file>', 'runs CSV: a header with the law\'s variables (e.g. N,D) and loss; extra columns are ignored, except state: rows whose state is not done (a sweep export\'s failed runs) are skipped. An --expression may use any numeric column as a variable (not loss, id, state, cost, worker, attempts, imported)')
    .option('--law <name>', 'a built-in law: chinchilla, kaplan, chinchilla-tied, data-constrained, farseer')
    .option('--expression <formula>', 'an expression law over the CSV\'s columns, e.g. "E + A / N^alpha + B / D^beta" or "E + A / P^alpha + B / T^beta" (with --param for each parameter)')
    .option('--param <NAME=LOWER:UPPER>', 'bounds of an expression-law parameter (repeatable)', collectParam, [])
    .option('--loss <loss>', 'huber:DELTA, huber:auto (δ = 1.345 robust sd of the residuals, at least 1e-3) or mse (residuals of log-loss)', 'huber:1e-3')
    .option('--starts <grid>', "default (a small grid) or full (chinchilla: Hoffmann et al.'s 4,500 starting points)", 'default')
    .option('--bootstrap <K>', 'also refit K bootstrap resamples and report their standard errors and 90% intervals')
    .option('--seed <n>', 'seed for --bootstrap and the --optimal intervals', '0')
    .option('--drop-highest-loss <K>', "drop the K highest-loss runs first (Epoch AI's preprocessing of the Chinchilla data uses 5)")
    .option('--optimal <C1,C2,...>', 'also report the compute-optimal N*(C), D*(C) (cost 6ND) with 90% intervals')
    .option('--backtest <K>', 'also refit without the K runs of largest 6·N·D and check the law predicts them (errors, 90% predictive intervals)')
    .option('--json', 'print the fit as JSON: {law, params, stderr, n, rmse, sigma, objective, converged, modes, ...}')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ lawsweep fit --data runs.csv --law chinchilla --json | jq .params\n' +
        '  $ lawsweep fit --data runs.csv --law chinchilla --bootstrap 100 --optimal 1e22,1e23\n' +
        '  $ lawsweep fit --data runs.csv --law chinchilla --backtest 10     # does the law fitted to the rest predict the 10 largest runs?\n' +
        '  $ lawsweep fit --data runs.csv --expression "E + A / N^alpha" --param E=0.5:5 --param A=1:1e6 --param alpha=0.05:1\n',
    )
    .action((flags: FitFlags) => runFit(flags));
}
