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
  try {
    return parseYaml(text) as unknown;
  } catch (err) {
    throw new Error(`${path} is not a CSV (by its extension), nor valid JSON or YAML: ${(err as Error).message}`);
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
      const skipped = answer.skipped > 0 ? ` (${answer.skipped} skipped: configs the sweep already has)` : '';
      const next = sweepView.state === 'running' ? ' it refits and plans from them' : ` it is ${sweepView.state}: they count when it plans again`;
      process.stdout.write(`sweep ${id}: imported ${answer.imported} run${answer.imported === 1 ? '' : 's'} from ${file}${skipped};${next}\n`);
    });
}
