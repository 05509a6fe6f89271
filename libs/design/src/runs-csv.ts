import { readFileSync } from 'node:fs';
import { describeSkippedRuns, readConfigsCsv, readRunsCsvReport, type Config, type Observation } from '@lawsweep/law';

/**
 * File readers for a replay pool (runs with a `loss` column) and an explicit candidate list, over
 * libs/law's CSV parser (which names the line and column of a bad cell); errors are prefixed with the path.
 */
function withPath<T>(path: string, read: (text: string) => T): T {
  try {
    return read(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * The replay pool's runs. A CSV with a `state` column (a sweep export) contributes only its `done`
 * rows; `onSkipped` is told how many others were left out and why (e.g. to print it).
 */
export function readReplayCsv(path: string, variables: readonly string[], onSkipped?: (note: string) => void): Observation[] {
  const { rows, skipped } = withPath(path, (text) => readRunsCsvReport(text, variables));
  const note = describeSkippedRuns(skipped);
  if (note && onSkipped) onSkipped(`${path}: ${note}`);
  return rows.map((row) => ({ config: pick(row.config, variables), loss: row.loss }));
}

export function readPoolCsv(path: string, variables: readonly string[]): Config[] {
  return withPath(path, (text) => readConfigsCsv(text, variables).map((row) => pick(row.config, variables)));
}

function pick(config: Config, variables: readonly string[]): Config {
  const out: Config = {};
  for (const v of variables) out[v] = config[v];
  return out;
}
