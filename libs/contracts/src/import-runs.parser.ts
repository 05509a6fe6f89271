import { RUN_EXPORT_COLUMNS } from './run-export';
import type { SpecError } from './sweep-spec.schema';

/** A run the user already has, as a sweep imports it (cost 0): its config and its measured loss. */
export interface ImportedRun {
  config: Record<string, number>;
  loss: number;
}

/**
 * Imported runs, as a user has them: `[{ config: { N, D }, loss }]` or flat rows `[{ N, D, loss }]`
 * (a CSV read as objects), bare or under `runs`. Each config must name exactly the sweep's variables.
 * One parser for every reader (the planner's POST /sweeps and import, `lawsweep simulate`), so a
 * spec's runs are refused with the same field paths and words wherever they are read.
 */
export function parseImportedRuns(body: unknown, variables: string[], path = 'runs'): { runs: ImportedRun[]; errors: SpecError[] } {
  const list = Array.isArray(body) ? body : body && typeof body === 'object' ? (body as { runs?: unknown }).runs : undefined;
  if (!Array.isArray(list)) return { runs: [], errors: [{ path, message: 'must be an array of { config: {...}, loss } or { <variables>..., loss }' }] };
  if (list.length > 100_000) return { runs: [], errors: [{ path, message: 'at most 100000 runs per request' }] };
  const runs: ImportedRun[] = [];
  const errors: SpecError[] = [];
  list.forEach((item, i) => {
    const at = `${path}.${i}`;
    if (!item || typeof item !== 'object') return errors.push({ path: at, message: 'must be an object' });
    const row = item as Record<string, unknown>;
    const rawConfig = row.config && typeof row.config === 'object' ? (row.config as Record<string, unknown>) : row;
    const loss = Number(row.loss);
    if (!(Number.isFinite(loss) && loss > 0)) errors.push({ path: `${at}.loss`, message: `must be a finite number > 0 (got ${JSON.stringify(row.loss)})` });
    const config: Record<string, number> = {};
    for (const v of variables) {
      const x = Number(rawConfig[v]);
      if (!(Number.isFinite(x) && x > 0)) errors.push({ path: `${at}.${row.config ? 'config.' : ''}${v}`, message: `must be a finite number > 0 (got ${JSON.stringify(rawConfig[v])})` });
      config[v] = x;
    }
    const extra = Object.keys(rawConfig).filter((k) => !variables.includes(k) && !(rawConfig === row && (RUN_EXPORT_COLUMNS as readonly string[]).includes(k)));
    if (extra.length) errors.push({ path: `${at}${row.config ? '.config' : ''}`, message: `unknown variable(s) ${extra.join(', ')}; the sweep's variables are ${variables.join(', ')}` });
    runs.push({ config, loss });
  });
  return { runs, errors };
}
