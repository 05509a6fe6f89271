import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { parseSweepSpec, type SweepSpec } from '@lawsweep/contracts';
import type { Config, Observation } from '@lawsweep/law';
import { readPoolCsv, readReplayCsv, simulateSeeds, validateSweepSpecSemantics, type DesignName, type SimulateResult } from '@lawsweep/design';

const DESIGNS: DesignName[] = ['eig', 'grid', 'isoflop', 'random', 'oracle'];

interface SimulateFlags {
  spec: string;
  design?: string;
  seeds: string;
  checkpoints?: string;
  json?: boolean;
}

/** Reads a spec file (YAML or JSON), checks it, and reads the CSVs it names (relative to the spec's folder). */
function loadSpec(path: string): { spec: SweepSpec; pool?: Config[]; replay?: Observation[] } {
  const raw: unknown = parseYaml(readFileSync(path, 'utf8'));
  const parsed = parseSweepSpec(raw);
  if (!parsed.ok) throw new Error(`invalid spec ${path}:\n${parsed.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}`);
  const spec = parsed.spec;
  const variables = Object.keys(spec.variables);
  const base = dirname(resolve(path));
  const pool = typeof spec.candidates === 'string' ? readPoolCsv(resolve(base, spec.candidates), variables) : undefined;
  const replay = spec.trainer.type === 'replay' ? readReplayCsv(resolve(base, spec.trainer.file), variables) : undefined;
  const errors = validateSweepSpecSemantics(spec, { pool: pool ?? replay?.map((o) => o.config) });
  if (errors.length > 0) throw new Error(`invalid spec ${path}:\n${errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}`);
  return { spec, pool, replay };
}

function parseCheckpoints(text: string | undefined): number[] | undefined {
  if (!text) return undefined;
  const values = text.split(',').map((s) => Number(s.trim()));
  if (values.some((v) => !(Number.isFinite(v) && v > 0))) throw new Error(`--checkpoints: expected positive numbers separated by commas, got '${text}'`);
  return values;
}

const fmt = (x: number) => (Math.abs(x) >= 1e4 || Math.abs(x) < 1e-2 ? x.toExponential(2) : x.toPrecision(4));

function printTable(result: SimulateResult): void {
  const out: string[] = [`design ${result.design}`];
  for (const seed of result.seeds) {
    out.push(`seed ${seed.seed} (ended: ${seed.ended})`);
    out.push('  budget     spent      runs  target                      predicted  90% interval         truth     rel.err');
    for (const cp of seed.checkpoints) {
      for (const t of cp.targets) {
        const target = Object.entries(t.config).map(([k, v]) => `${k}=${fmt(v)}`).join(' ');
        const err = t.truth !== undefined ? `${((100 * Math.abs(t.loss - t.truth)) / t.truth).toFixed(2)}%` : '-';
        out.push(
          `  ${fmt(cp.budget).padEnd(10)} ${fmt(cp.spent).padEnd(10)} ${String(cp.runs.length).padEnd(5)} ${target.padEnd(27)} ${t.loss.toFixed(4).padEnd(10)} [${t.lower.toFixed(3)}, ${t.upper.toFixed(3)}]`.padEnd(98) +
            ` ${t.truth !== undefined ? t.truth.toFixed(4) : '-'.padEnd(6)}    ${err}`,
        );
      }
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description("run a whole sweep in-process (no Redis) against the spec's simulate or replay trainer")
    .requiredOption('--spec <file>', 'sweep spec (YAML or JSON)')
    .option('--design <name>', `design: ${DESIGNS.join('|')} (default: the spec's)`)
    .option('--seeds <k>', 'number of seeds (spec.seed, spec.seed+1, …)', '1')
    .option('--checkpoints <b1,b2,...>', 'budget levels at which to record the fit and predictions (default: the budget)')
    .option('--json', 'print JSON')
    .action((flags: SimulateFlags) => {
      const { spec, pool, replay } = loadSpec(flags.spec);
      if (flags.design !== undefined && !DESIGNS.includes(flags.design as DesignName)) throw new Error(`--design: expected one of ${DESIGNS.join(', ')}, got '${flags.design}'`);
      const seeds = Number(flags.seeds);
      if (!(Number.isInteger(seeds) && seeds >= 1 && seeds <= 10_000)) throw new Error(`--seeds: expected an integer from 1 to 10000, got '${flags.seeds}'`);
      const design = (flags.design as DesignName | undefined) ?? spec.design;
      if (spec.trainer.type === 'command') throw new Error("simulate needs a 'simulate' or 'replay' trainer; a command trainer runs on workers (lawsweep sweep create)");
      const withPool = pool ? { ...spec, candidates: pool } : spec;
      const result = simulateSeeds(withPool, { design, seeds, checkpoints: parseCheckpoints(flags.checkpoints), replay });
      if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else printTable(result);
    });
}
