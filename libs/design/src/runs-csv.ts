import { readFileSync } from 'node:fs';
import { readConfigsCsv, readRunsCsv, type Config, type Observation } from '@lawsweep/law';

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

export function readReplayCsv(path: string, variables: readonly string[]): Observation[] {
  return withPath(path, (text) => readRunsCsv(text, variables).map((row) => ({ config: pick(row.config, variables), loss: row.loss })));
}

export function readPoolCsv(path: string, variables: readonly string[]): Config[] {
  return withPath(path, (text) => readConfigsCsv(text, variables).map((row) => pick(row.config, variables)));
}

function pick(config: Config, variables: readonly string[]): Config {
  const out: Config = {};
  for (const v of variables) out[v] = config[v];
  return out;
}
