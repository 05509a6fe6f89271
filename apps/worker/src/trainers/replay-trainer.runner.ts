import { Injectable } from '@nestjs/common';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TrainerSpec } from '@lawsweep/contracts';
import { readRunsCsv, type Observation } from '@lawsweep/law';
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
 * config the file lacks fails the run (not retried), naming the config. Files are parsed once and
 * re-read when they change.
 */
@Injectable()
export class ReplayTrainerRunner implements TrainerRunner<ReplaySpec> {
  readonly type = 'replay' as const;
  private readonly cache = new Map<string, { mtimeMs: number; rows: Observation[] }>();

  async run(spec: ReplaySpec, ctx: TrainerContext): Promise<TrainerOutcome> {
    const rows = this.load(spec.file);
    const config = ctx.job.config;
    const names = Object.keys(config);
    const row = rows.find((r) => names.every((n) => r.config[n] !== undefined && sameValue(r.config[n], config[n])));
    if (!row) {
      const wanted = names.map((n) => `${n}=${config[n]}`).join(', ');
      throw new RunFailure(`replay: no run in ${spec.file} matches config ${wanted} (relative tolerance ${RELATIVE_TOLERANCE})`, false);
    }
    ctx.onProgress({ ...(config.D !== undefined ? { tokens: config.D } : {}), loss: row.loss });
    return { loss: row.loss };
  }

  private load(file: string): Observation[] {
    const path = resolve(file);
    let mtimeMs: number;
    try {
      mtimeMs = statSync(path).mtimeMs;
    } catch (err) {
      throw new RunFailure(`trainer.file: cannot read ${path}: ${(err as Error).message}`, false);
    }
    const cached = this.cache.get(path);
    if (cached && cached.mtimeMs === mtimeMs) return cached.rows;
    let rows: Observation[];
    try {
      rows = readRunsCsv(path);
    } catch (err) {
      throw new RunFailure(`trainer.file: ${path}: ${(err as Error).message}`, false);
    }
    this.cache.set(path, { mtimeMs, rows });
    return rows;
  }
}
