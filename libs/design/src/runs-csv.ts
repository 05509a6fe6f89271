import { readFileSync } from 'node:fs';
import type { Config, Observation } from '@lawsweep/law';

/**
 * Reads a replay pool or a candidate list: a CSV with a header row, one column per variable (and a
 * `loss` column for runs). Numeric cells only in the columns read; errors name the row and column.
 */
export function readCsvRows(path: string, columns: readonly string[]): Record<string, number>[] {
  const text = readFileSync(path, 'utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('#'));
  if (lines.length < 2) throw new Error(`${path}: needs a header row and at least one data row`);
  const header = lines[0].split(',').map((h) => h.trim());
  const index = columns.map((c) => {
    const i = header.indexOf(c);
    if (i < 0) throw new Error(`${path}: missing column '${c}' (columns: ${header.join(', ')})`);
    return i;
  });
  return lines.slice(1).map((line, r) => {
    const cells = line.split(',');
    const row: Record<string, number> = {};
    columns.forEach((c, j) => {
      const v = Number(cells[index[j]]);
      if (!(Number.isFinite(v) && v > 0)) throw new Error(`${path}: row ${r + 2}, column '${c}': expected a finite positive number, got '${cells[index[j]] ?? ''}'`);
      row[c] = v;
    });
    return row;
  });
}

export function readObservationsCsv(path: string, variables: readonly string[]): Observation[] {
  return readCsvRows(path, [...variables, 'loss']).map((row) => {
    const config: Config = {};
    for (const v of variables) config[v] = row[v];
    return { config, loss: row.loss };
  });
}

export function readConfigsCsv(path: string, variables: readonly string[]): Config[] {
  return readCsvRows(path, variables);
}
