import { Injectable } from '@nestjs/common';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TrainerSpec } from '@lawsweep/contracts';
import { describeSkippedRuns, readRunsCsvReport, type CsvRunRow } from '@lawsweep/law';
import { RunFailure } from '../runs/run-failure';
import type { TrainerContext, TrainerOutcome, TrainerRunner } from './trainer.types';

type ReplaySpec = Extract<TrainerSpec, { type: 'replay' }>;

/** Config values match when equal up to this relative difference (CSV round-trips of 1.4e12 etc.). */
const RELATIVE_TOLERANCE = 1e-9;

function sameValue(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * The `replay` trainer: the loss of a real run read from a CSV (one column per variable and a
 * `loss` column), found by exact config (relative tolerance 1e-9). The first matching row wins. A
 * config the file lacks fails the run (not retried), naming the config. In a CSV with a `state`
 * column (a sweep export) only the `done` rows count. Files are parsed once and re-read when they change.
 */
@Injectable()
export class ReplayTrainerRunner implements TrainerRunner<ReplaySpec> {
  readonly type = 'replay' as const;
  private readonly cache = new Map<string, { mtimeMs: number; rows: CsvRunRow[]; skipped?: string }>();

  async run(spec: ReplaySpec, ctx: TrainerContext): Promise<TrainerOutcome> {
    const config = ctx.job.config;
    const names = Object.keys(config).sort();
    const { rows, skipped } = this.load(spec.file, names);
    const row = rows.find((r) => names.every((n) => r.config[n] !== undefined && sameValue(r.config[n], config[n])));
    if (!row) {
      const wanted = names.map((n) => `${n}=${config[n]}`).join(', ');
      const why = skipped ? `; ${skipped}` : '';
      throw new RunFailure(`replay: no run in ${spec.file} matches config ${wanted} (relative tolerance ${RELATIVE_TOLERANCE})${why}`, false);
    }
    ctx.onProgress({ ...(config.D !== undefined ? { tokens: config.D } : {}), loss: row.loss });
    return { loss: row.loss };
  }

  /** The file's rows with the given variable columns (parsed once per file version and column set). */
  private load(file: string, columns: string[]): { rows: CsvRunRow[]; skipped?: string } {
    const path = resolve(file);
    let mtimeMs: number;
    try {
      mtimeMs = statSync(path).mtimeMs;
    } catch (err) {
      throw new RunFailure(`trainer.file: cannot read ${path}: ${(err as Error).message}`, false);
    }
    const key = `${path}\u0000${columns.join(',')}`;
    const cached = this.cache.get(key);
    if (cached && cached.mtimeMs === mtimeMs) return cached;
    let entry: { mtimeMs: number; rows: CsvRunRow[]; skipped?: string };
    try {
      const csv = readRunsCsvReport(readFileSync(path, 'utf8'), columns);
      entry = { mtimeMs, rows: csv.rows, skipped: describeSkippedRuns(csv.skipped) };
    } catch (err) {
      throw new RunFailure(`trainer.file: ${path}: ${(err as Error).message}`, false);
    }
    this.cache.set(key, entry);
    return entry;
  }
}
