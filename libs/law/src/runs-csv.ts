import type { Config } from './law.types';

/** One data row of a runs/configs CSV, with its line number in the file (header = line 1). */
export interface CsvConfigRow {
  line: number;
  config: Config;
  /** Every other column, as text (e.g. a run id or flops), kept for callers that want it. */
  extra: Record<string, string>;
}

export interface CsvRunRow extends CsvConfigRow {
  loss: number;
}

/**
 * Rows of a runs CSV left out because its `state` column says the run is not `done` (a sweep
 * export lists failed, cancelled and running runs too, with an empty loss): how many, by state.
 */
export interface SkippedRuns {
  count: number;
  /** State → rows (an empty state cell counts as '(empty)'), in the order first seen. */
  byState: Record<string, number>;
}

export interface RunsCsv {
  rows: CsvRunRow[];
  skipped: SkippedRuns;
}

/** The column that, when a runs CSV has it, marks which rows are finished runs (value `done`). */
export const RUN_STATE_COLUMN = 'state';

export interface ReadCsvOptions {
  /** Name of the loss column (readRunsCsv); default 'loss'. */
  lossColumn?: string;
  /** Also require at least this many data rows (e.g. the law's parameter count + 1). */
  minRows?: number;
}

/**
 * Reads a CSV of configs: a header, then one row per config. The required columns must exist and
 * hold finite positive numbers (scaling-law variables are sizes and counts); extra columns are
 * allowed. Errors name the line and the column. Quoted fields are accepted; embedded newlines are not.
 */
export function readConfigsCsv(text: string, requiredColumns: readonly string[], options: ReadCsvOptions = {}): CsvConfigRow[] {
  return parse(text, requiredColumns, null, options);
}

/**
 * Reads a CSV of finished runs: the required (variable) columns plus a positive loss column. When
 * the CSV has a `state` column (as `lawsweep sweep export` writes), rows whose state is not `done`
 * are skipped, not checked (failed runs have no loss); use readRunsCsvReport to say how many.
 */
export function readRunsCsv(text: string, requiredColumns: readonly string[], options: ReadCsvOptions = {}): CsvRunRow[] {
  return readRunsCsvReport(text, requiredColumns, options).rows;
}

/** readRunsCsv, also returning the rows skipped for their state (describe them with describeSkippedRuns). */
export function readRunsCsvReport(text: string, requiredColumns: readonly string[], options: ReadCsvOptions = {}): RunsCsv {
  const skipped: SkippedRuns = { count: 0, byState: {} };
  const rows = parse(text, requiredColumns, options.lossColumn ?? 'loss', options, skipped) as CsvRunRow[];
  return { rows, skipped };
}

/** "skipped 10 runs whose state is not done (failed 8, cancelled 2)", or undefined when none were. */
export function describeSkippedRuns(skipped: SkippedRuns): string | undefined {
  if (skipped.count === 0) return undefined;
  const states = Object.entries(skipped.byState).map(([state, n]) => `${state} ${n}`).join(', ');
  return `skipped ${skipped.count} run${skipped.count === 1 ? '' : 's'} whose ${RUN_STATE_COLUMN} is not done (${states})`;
}

/**
 * The columns of a CSV whose values are numbers: every non-empty cell of the column parses as a
 * finite number, and at least one is non-empty (an id or state column is not; a loss column is).
 * `lawsweep fit --expression` takes the variables of its law from these.
 */
export function csvNumericColumns(text: string): string[] {
  const csv = csvLines(text);
  if (!csv) return [];
  const { lines, headerIndex, header } = csv;
  const seen = header.map(() => false);
  const numeric = header.map(() => true);
  for (let i = headerIndex + 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    let cells: string[];
    try {
      cells = splitCsvLine(lines[i], i + 1);
    } catch {
      continue; // reported, with its line, when the rows are read
    }
    header.forEach((_, j) => {
      const cell = (cells[j] ?? '').trim();
      if (cell === '') return;
      seen[j] = true;
      if (!Number.isFinite(Number(cell))) numeric[j] = false;
    });
  }
  return header.filter((h, j) => h !== '' && seen[j] && numeric[j]);
}

/** The file's lines (BOM dropped), where its header is (the first non-blank line) and the header's trimmed names; undefined for a blank file. */
function csvLines(text: string): { lines: string[]; headerIndex: number; header: string[] } | undefined {
  const lines = String(text).replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerIndex = lines.findIndex((l) => l.trim() !== '');
  if (headerIndex < 0) return undefined;
  return { lines, headerIndex, header: splitCsvLine(lines[headerIndex], headerIndex + 1).map((h) => h.trim()) };
}

function parse(
  text: string,
  required: readonly string[],
  lossColumn: string | null,
  options: ReadCsvOptions,
  skipped: SkippedRuns | null = null,
): (CsvConfigRow | CsvRunRow)[] {
  const csv = csvLines(text);
  if (!csv) throw new Error('CSV is empty: expected a header row naming the columns');
  const { lines, headerIndex, header } = csv;
  const wanted = lossColumn ? [...required, lossColumn] : [...required];
  // Two columns of one name: which of them holds the values is a guess, so say so rather than take the first.
  const twice = wanted.filter((c) => header.indexOf(c) !== header.lastIndexOf(c));
  if (twice.length > 0) {
    throw new Error(`CSV header (line ${headerIndex + 1}) names column${twice.length > 1 ? 's' : ''} ${twice.join(', ')} more than once; keep one (it has: ${header.join(', ')})`);
  }
  const missing = wanted.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new Error(`CSV header (line ${headerIndex + 1}) is missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; it has: ${header.join(', ')}`);
  }
  // Only runs CSVs are filtered by state (a candidates CSV lists configs, not runs), and only when
  // the column is not one the caller reads as a variable.
  const stateIndex = skipped && !wanted.includes(RUN_STATE_COLUMN) ? header.indexOf(RUN_STATE_COLUMN) : -1;
  const rows: (CsvConfigRow | CsvRunRow)[] = [];
  for (let i = headerIndex + 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const line = i + 1;
    const cells = splitCsvLine(lines[i], line);
    if (cells.length !== header.length) {
      throw new Error(`CSV line ${line}: has ${cells.length} fields but the header has ${header.length}`);
    }
    if (skipped && stateIndex >= 0) {
      const state = cells[stateIndex].trim();
      if (state.toLowerCase() !== 'done') {
        const key = state === '' ? '(empty)' : state;
        skipped.count++;
        skipped.byState[key] = (skipped.byState[key] ?? 0) + 1;
        continue;
      }
    }
    const config: Config = {};
    const extra: Record<string, string> = {};
    header.forEach((h, j) => {
      if (!wanted.includes(h)) extra[h] = cells[j];
    });
    for (const c of required) config[c] = positiveNumber(cells[header.indexOf(c)], line, c);
    if (lossColumn) rows.push({ line, config, extra, loss: positiveNumber(cells[header.indexOf(lossColumn)], line, lossColumn) });
    else rows.push({ line, config, extra });
  }
  const note = skipped ? describeSkippedRuns(skipped) : undefined;
  if (rows.length === 0) {
    throw new Error(note ? `CSV has no rows whose ${RUN_STATE_COLUMN} is done; ${note}` : 'CSV has a header but no data rows');
  }
  if (options.minRows !== undefined && rows.length < options.minRows) {
    const done = note ? ` whose ${RUN_STATE_COLUMN} is done` : '';
    throw new Error(`CSV has ${rows.length} data row${rows.length === 1 ? '' : 's'}${done}; at least ${options.minRows} are needed${note ? `; ${note}` : ''}`);
  }
  return rows;
}

function positiveNumber(cell: string | undefined, line: number, column: string): number {
  const text = (cell ?? '').trim();
  if (text === '') throw new Error(`CSV line ${line}, column ${column}: empty value; expected a positive number`);
  const v = Number(text);
  if (Number.isNaN(v)) throw new Error(`CSV line ${line}, column ${column}: "${text}" is not a number`);
  if (!Number.isFinite(v)) throw new Error(`CSV line ${line}, column ${column}: ${text} is not finite`);
  if (v <= 0) throw new Error(`CSV line ${line}, column ${column}: ${text} must be positive`);
  return v;
}

/** Splits one CSV line on commas, honouring double-quoted fields ("" escapes a quote). */
export function splitCsvLine(line: string, lineNumber: number): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (quoted) throw new Error(`CSV line ${lineNumber}: unterminated quoted field`);
  out.push(cur);
  return out;
}

/**
 * Epoch AI's preprocessing of the Chinchilla data: drop the `count` runs with the highest loss
 * (rows whose loss is not below the count-th largest loss). Stable: keeps the rows' order.
 */
export function dropHighestLoss<T extends { loss: number }>(rows: readonly T[], count: number): T[] {
  if (!Number.isInteger(count) || count < 0) throw new Error(`drop-highest-loss must be a non-negative integer, got ${count}`);
  if (count === 0) return rows.slice();
  if (count >= rows.length) throw new Error(`cannot drop the ${count} highest-loss rows of ${rows.length}`);
  const threshold = rows.map((r) => r.loss).sort((a, b) => b - a)[count - 1];
  return rows.filter((r) => r.loss < threshold);
}
