import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { PlannerHttpError } from '../../client/planner-client';
import { plannerClientFor } from '../../client/planner-options';
import { printJson } from '../../format';

/**
 * The runs in a file, as POST /sweeps/:id/runs takes them. A CSV (a `sweep export`, or any CSV with
 * the sweep's variables and a loss column) is read here, where its lines can be named; JSON or YAML
 * (`[{ config, loss }]`, flat rows, or `{ runs: [...] }`) goes as it is and the planner names bad fields.
 */
async function readRuns(path: string, variables: string[] | undefined, note: (line: string) => void): Promise<unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  if (extname(path).toLowerCase() === '.csv') {
    if (!variables) throw new Error(`the planner did not say the sweep's variables, which a CSV's columns are read by: send the runs as JSON ([{ "config": {...}, "loss": ... }]) instead`);
    // Lazily: the law library, which other commands need not load.
    const { describeSkippedRuns, readRunsCsvReport } = await import('@lawsweep/law');
    let report;
    try {
      report = readRunsCsvReport(text, variables);
    } catch (err) {
      throw new Error(`${path}: ${(err as Error).message}`);
    }
    const skipped = describeSkippedRuns(report.skipped);
    if (skipped) note(`${path}: ${skipped}`);
    return report.rows.map((row) => ({ config: row.config, loss: row.loss }));
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text) as unknown;
  } catch (err) {
    throw new Error(`${path} is not a CSV (by its extension), nor valid JSON or YAML: ${(err as Error).message}`);
  }
  // The planner names bad rows; a file that is no list of rows at all is said here, naming the file.
  const list = Array.isArray(parsed) ? parsed : parsed && typeof parsed === 'object' ? (parsed as { runs?: unknown }).runs : undefined;
  if (!Array.isArray(list)) {
    const got = parsed === null || parsed === undefined ? 'an empty file' : Array.isArray(parsed) ? 'a list' : typeof parsed === 'object' ? 'an object without a runs list' : `a ${typeof parsed}`;
    throw new Error(`${path}: expected a list of runs, [{ config: { ${(variables ?? ['N', 'D']).join(', ')} }, loss }] or flat rows, bare or under runs:, got ${got}`);
  }
  return list;
}

/** What the imported runs do next, by the sweep's state. */
function afterImport(id: string, state: string): string {
  switch (state) {
    case 'running':
      return 'it refits and plans from them';
    case 'paused':
      return `they count when it plans again (lawsweep sweep resume ${id})`;
    case 'done':
      return `its fit takes them in; it plans again only if it goes on (lawsweep sweep update ${id} --budget B)`;
    default:
      return `it has ended (${state}) and plans no more: they are kept with its runs, and a new sweep can import them (lawsweep sweep export ${id})`;
  }
}

export function registerImport(sweep: Command): void {
  sweep
    .command('import')
    .description("add runs you already have to a sweep (a CSV with its variables and loss, e.g. another sweep's export, or JSON/YAML); runs at configs it knows are skipped, and it refits and plans from them")
    .argument('<id>', 'sweep id')
    .argument('<file>', 'runs: .csv (columns: the variables and loss; with a state column, only done rows) or .json/.yaml ([{ config: {...}, loss }] or flat rows)')
    .option('--json', "print the planner's answer as JSON ({ imported, skipped })")
    .addHelpText(
      'after',
      `
Imported runs cost the sweep nothing (they were paid for already) and are not planned again. To start
a sweep from runs, put them beside the spec (runs: [...]) and use lawsweep sweep create.

Example:
  $ lawsweep sweep export OLD_ID --format csv --out old.csv && lawsweep sweep import SWEEP_ID old.csv`,
    )
    .action(async (id: string, file: string, opts: { json?: boolean }, cmd: Command) => {
      const client = plannerClientFor(cmd);
      const sweepView = await client.getSweep(id);
      const runs = await readRuns(file, sweepView.variables, (line) => process.stderr.write(`${line}\n`));
      let answer;
      try {
        answer = await client.importRuns(id, runs);
      } catch (err) {
        if (err instanceof PlannerHttpError && err.status === 400 && err.errors.length > 0) {
          throw new Error(`the planner rejected the runs in ${file}:\n${err.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}\nFix those and run the command again (nothing was imported).`);
        }
        throw err;
      }
      if (opts.json) return printJson(answer);
      if (answer.imported === 0) {
        const why = answer.skipped > 0 ? `every config in it (${answer.skipped}) is one the sweep has already` : 'it holds no runs';
        return void process.stdout.write(`sweep ${id}: nothing imported from ${file}: ${why}\n`);
      }
      const skipped = answer.skipped > 0 ? ` (${answer.skipped} skipped: configs the sweep already has)` : '';
      process.stdout.write(`sweep ${id}: imported ${answer.imported} run${answer.imported === 1 ? '' : 's'} from ${file}${skipped}; ${afterImport(id, sweepView.state)}\n`);
    });
}
