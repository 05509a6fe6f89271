import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { parseImportedRuns, parseSweepSpec, type SpecError, type SweepSpec } from '@lawsweep/contracts';
import type { Config, Observation } from '@lawsweep/law';
import { compareDesigns, configKey, designEfficiencies, readPoolCsv, readReplayCsv, simulateSeeds, validateSweepSpecSemantics, type DesignEfficiency, type DesignName, type SimulateResult } from '@lawsweep/design';
import { table } from '../format';

const DESIGNS: DesignName[] = ['eig', 'grid', 'isoflop', 'random', 'oracle'];

interface SimulateFlags {
  spec: string;
  design?: string;
  seeds: string;
  checkpoints?: string;
  compare?: string;
  json?: boolean;
}

/** --compare's designs: a comma list, or 'all' (expanded once the spec is read: the oracle only where the trainer knows the truth). */
function parseCompare(text: string): DesignName[] | 'all' {
  if (text.trim() === 'all') return 'all';
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !DESIGNS.includes(n as DesignName));
  if (unknown.length > 0 || names.length === 0) throw new Error(`--compare: expected 'all' or designs from ${DESIGNS.join(', ')} separated by commas, got '${text}'`);
  return [...new Set(names)] as DesignName[];
}

/** The line that says where every seed starts when the spec carries runs (nothing without them). */
const importedNote = (imported: number): string[] =>
  imported > 0 ? [`starts from ${imported} imported run${imported === 1 ? '' : 's'} (cost not counted; included in runs)`] : [];

function printComparison(results: SimulateResult[], imported: number, efficiency?: { designs: DesignEfficiency[]; projected: boolean }): void {
  const shareOf = (design: string, budget: number) => efficiency?.designs.find((d) => d.design === design)?.checkpoints.find((c) => c.budget === budget)?.share;
  const rows = compareDesigns(results).map((r) => [
    fmt(r.budget),
    r.design,
    String(Math.round(r.runs)),
    fmt(r.spent),
    r.error ? `${(100 * r.error.median).toFixed(2)}% (${(100 * r.error.q25).toFixed(2)}–${(100 * r.error.q75).toFixed(2)}%)` : '-',
    `±${(100 * r.halfWidth).toFixed(2)}%`,
    ...(efficiency ? [shareOf(r.design, r.budget)?.toFixed(2) ?? '-'] : []),
  ]);
  const seeds = results[0].seeds;
  const text = table(['budget', 'design', 'runs', 'spent', 'target error: median (IQR)', '90% half-width', ...(efficiency ? ['efficiency'] : [])], rows);
  const notes = [
    ...importedNote(imported),
    `medians over ${seeds.length} seed${seeds.length === 1 ? '' : 's'} (${seeds[0].seed}–${seeds[seeds.length - 1].seed}); target error: mean relative error of the predicted target losses against the truth (lower is better)`,
    ...(efficiency
      ? [
          "efficiency: the share of the budget with which the best any design could do is as precise as this design's runs (1.00 = as good as possible; a certified bound, linearised at the true law with its noise known: the fits' small-sample error is not in it)",
          ...(efficiency.projected ? ["the truth is not in the spec's law family: efficiency is about the law's best approximation to it, and says nothing of the misfit, which the target error shows"] : []),
        ]
      : []),
  ];
  process.stdout.write(`${text}\n${notes.join('\n')}\n`);
}

/** A CSV the spec names, read relative to the spec; a failure names the spec and the field. */
function readField<T>(specPath: string, field: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    const message = (err as Error).message;
    const hint = /ENOENT/.test(message) ? " (a relative path is read from the spec's folder)" : '';
    throw new Error(`--spec ${specPath}: ${field}: ${message}${hint}`);
  }
}

/**
 * The runs beside the spec (`runs:`, what `sweep create` imports), read by the planner's parser so
 * a bad one names the same field. A config given twice counts once (the first), as a live sweep's
 * import skips a config it already has.
 */
function importedRuns(rawRuns: unknown, variables: string[]): { runs: Observation[]; errors: SpecError[] } {
  if (rawRuns === undefined) return { runs: [], errors: [] };
  const { runs, errors } = parseImportedRuns(rawRuns, variables);
  if (errors.length) return { runs: [], errors };
  const seen = new Set<string>();
  const unique: Observation[] = [];
  for (const run of runs) {
    const key = configKey(run.config, variables);
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(run);
  }
  if (unique.length < runs.length) {
    const repeated = runs.length - unique.length;
    process.stderr.write(`lawsweep simulate: runs: skipped ${repeated} run${repeated === 1 ? '' : 's'} whose config an earlier run has (a sweep imports each config once)\n`);
  }
  return { runs: unique, errors: [] };
}

/**
 * Reads a spec file (YAML or JSON), checks it, reads the CSVs it names (relative to the spec's
 * folder) and the runs beside it (`imported`: where every simulated sweep starts).
 */
function loadSpec(path: string): { spec: SweepSpec; pool?: Config[]; replay?: Observation[]; imported: Observation[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read --spec ${path}: ${(err as Error).message}. Start from examples/specs/chinchilla-demo.yaml.`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new Error(`--spec ${path} is not valid YAML or JSON: ${(err as Error).message}`);
  }
  // `runs` beside the spec is what `sweep create` imports; the schema itself (the spec) has no such field.
  let rawRuns: unknown;
  if (raw && typeof raw === 'object' && !Array.isArray(raw) && 'runs' in raw) {
    const { runs, ...specOnly } = raw as Record<string, unknown>;
    rawRuns = runs;
    raw = specOnly;
  }
  const parsed = parseSweepSpec(raw);
  if (!parsed.ok) throw new Error(`invalid spec ${path}:\n${parsed.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}`);
  const spec = parsed.spec;
  const variables = Object.keys(spec.variables);
  const base = dirname(resolve(path));
  const pool = typeof spec.candidates === 'string' ? readField(path, 'candidates', () => readPoolCsv(resolve(base, spec.candidates as string), variables)) : undefined;
  const trainer = spec.trainer;
  const replay = trainer.type === 'replay' ? readField(path, 'trainer.file', () => readReplayCsv(resolve(base, trainer.file), variables, (note) => process.stderr.write(`lawsweep simulate: trainer.file ${note}\n`))) : undefined;
  const imported = importedRuns(rawRuns, variables);
  const errors = [...validateSweepSpecSemantics(spec, { pool: pool ?? replay?.map((o) => o.config) }), ...imported.errors];
  if (errors.length > 0) throw new Error(`invalid spec ${path}:\n${errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}`);
  return { spec, pool, replay, imported: imported.runs };
}

function parseCheckpoints(text: string | undefined): number[] | undefined {
  if (!text) return undefined;
  const values = text.split(',').map((s) => Number(s.trim()));
  if (values.some((v) => !(Number.isFinite(v) && v > 0))) throw new Error(`--checkpoints: expected positive numbers separated by commas, got '${text}'`);
  return values;
}

const fmt = (x: number) => (Math.abs(x) >= 1e4 || Math.abs(x) < 1e-2 ? x.toExponential(2) : x.toPrecision(4));

function printTable(result: SimulateResult, imported: number): void {
  const out: string[] = [`design ${result.design}`, ...importedNote(imported)];
  for (const seed of result.seeds) {
    out.push(`seed ${seed.seed} (ended: ${seed.ended})`);
    const rows = seed.checkpoints.flatMap((cp) =>
      cp.targets.map((t) => [
        fmt(cp.budget),
        fmt(cp.spent),
        String(cp.runs.length),
        Object.entries(t.config).map(([k, v]) => `${k}=${fmt(v)}`).join(' '),
        // No params: too few runs to fit yet, so the engine's prediction is its prior's, which a bare number would hide.
        Object.keys(cp.params).length === 0 ? `${t.loss.toFixed(4)}*` : t.loss.toFixed(4),
        `[${t.lower.toFixed(3)}, ${t.upper.toFixed(3)}]`,
        t.truth !== undefined ? t.truth.toFixed(4) : '-',
        t.truth !== undefined ? `${((100 * Math.abs(t.loss - t.truth)) / t.truth).toFixed(2)}%` : '-',
      ]),
    );
    const text = table(['budget', 'spent', 'runs', 'target', 'predicted', '90% interval', 'truth', 'rel.err'], rows);
    out.push(...text.split('\n').map((line) => `  ${line}`));
    if (seed.checkpoints.some((cp) => Object.keys(cp.params).length === 0)) out.push("  * no fit yet at this budget (too few runs for the law): the prior's prediction, not a fit");
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description("run a whole sweep in-process (no Redis) against the spec's simulate or replay trainer")
    .requiredOption(
      '--spec <file>',
      "sweep spec (YAML or JSON) with a simulate or replay trainer; runs beside it (runs: [{N, D, loss}, ...], as `sweep create` imports them) are where every seed starts: they keep their losses, cost nothing, are never bought again, and are listed first in each checkpoint's runs",
    )
    .option('--design <name>', `design: ${DESIGNS.join('|')} (default: the spec's, else eig)`)
    .option('--seeds <k>', 'number of seeds (spec.seed, spec.seed+1, …)', '1')
    .option('--checkpoints <b1,b2,...>', "budget levels at which to record the fit and predictions; the sweep runs to the largest, past the spec's budget if it is larger (default: the budget)")
    .option(
      '--compare <designs>',
      "run several designs on the same seeds and print their median target error side by side: 'all' or a comma list (e.g. eig,grid,random); with a simulate trainer also each design's efficiency against the best any design could do",
    )
    .option(
      '--json',
      "print JSON: {design, imported (runs beside the spec), seeds: [{seed, checkpoints: [{budget, spent, runs (the imported ones first), losses (one per run, in order), params, targets}]}]}; with --compare, {compare: [that, per design], imported, efficiency?: [{design, checkpoints: [{budget, share}]}]}",
    )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ lawsweep simulate --spec examples/specs/chinchilla-demo.yaml --seeds 3 --checkpoints 1e20,3e20,1e21\n' +
        '  $ lawsweep simulate --spec examples/specs/chinchilla-demo.yaml --design grid --json | jq .seeds[0].checkpoints[0].targets\n' +
        '  $ lawsweep simulate --spec examples/specs/chinchilla-demo.yaml --compare all --seeds 10 --checkpoints 1e20,3e20,1e21   # which design for this space?\n' +
        '  $ lawsweep simulate --spec my-sweep-with-runs.yaml --compare eig,grid   # given the runs I have (runs: beside the spec), which design spends the rest best?\n',
    )
    .action((flags: SimulateFlags) => {
      // The flags first: they are cheap to check, and a typo should not wait for the spec's CSVs.
      if (flags.design !== undefined && !DESIGNS.includes(flags.design as DesignName)) throw new Error(`--design: expected one of ${DESIGNS.join(', ')}, got '${flags.design}'`);
      if (flags.design !== undefined && flags.compare !== undefined) throw new Error('--design and --compare: give one (--compare runs every design it names)');
      const compare = flags.compare !== undefined ? parseCompare(flags.compare) : undefined;
      const seeds = Number(flags.seeds);
      if (!(Number.isInteger(seeds) && seeds >= 1 && seeds <= 10_000)) throw new Error(`--seeds: expected an integer from 1 to 10000, got '${flags.seeds}'`);
      const checkpoints = parseCheckpoints(flags.checkpoints);
      const { spec, pool, replay, imported } = loadSpec(flags.spec);
      const design = (flags.design as DesignName | undefined) ?? spec.design;
      if (spec.trainer.type === 'command') throw new Error("simulate needs a 'simulate' or 'replay' trainer; a command trainer runs on workers (lawsweep sweep create)");
      const withPool = pool ? { ...spec, candidates: pool } : spec;
      // As a live sweep treats runs it imports: free (spent 0), never bought again, not counted against stop.maxRuns.
      const start = imported.length > 0 ? { observations: imported, spent: 0, imported: true } : undefined;
      if (compare !== undefined) {
        const designs = compare === 'all' ? DESIGNS.filter((d) => d !== 'oracle' || spec.trainer.type === 'simulate') : compare;
        const results = designs.map((d) => simulateSeeds(withPool, { design: d, seeds, checkpoints, replay, start }));
        // The bound knows only runs bought from the budget: runs had for free would make a design look better than the best.
        const bound = start
          ? spec.trainer.type === 'simulate'
            ? { skipped: `the sweeps start from ${imported.length} imported runs, and the bound counts only runs bought from the budget` }
            : undefined
          : designEfficiencies(withPool, results);
        const efficiency = bound && 'designs' in bound ? bound : undefined;
        const skipped = bound && 'skipped' in bound ? `efficiency: not computed: ${bound.skipped}` : undefined;
        if (flags.json) {
          const extra = efficiency ? { efficiency: efficiency.designs, efficiencyProjected: efficiency.projected } : skipped ? { efficiencySkipped: skipped } : {};
          process.stdout.write(`${JSON.stringify({ compare: results, imported: imported.length, ...extra })}\n`);
        } else {
          printComparison(results, imported.length, efficiency);
          if (skipped) process.stdout.write(`${skipped}\n`);
        }
        return;
      }
      const result = simulateSeeds(withPool, { design, seeds, checkpoints, replay, start });
      if (flags.json) process.stdout.write(`${JSON.stringify({ ...result, imported: imported.length })}\n`);
      else printTable(result, imported.length);
    });
}
