import type { CurvePoint, RunJobData, TrainerSpec } from '@lawsweep/contracts';

/**
 * Why a run was stopped from outside: its sweep was cancelled, the worker is shutting down, or the
 * worker lost the run's BullMQ lock (LockFence: the run is, or will be, requeued).
 */
export type StopReason = 'cancelled' | 'shutdown' | 'lost-lock';

/** Everything a trainer runner gets for one run attempt. */
export interface TrainerContext {
  job: RunJobData;
  /** 1 for the first attempt. */
  attempt: number;
  /** A directory of this run's own (LAWSWEEP_RUN_DIR), kept across attempts for checkpoints. */
  runDir: string;
  /** Extra environment, e.g. CUDA_VISIBLE_DEVICES for this run's GPU. */
  env: Record<string, string>;
  /** Aborted with a StopReason when the run must stop. */
  signal: AbortSignal;
  /** Each intermediate loss as the trainer reports it. */
  onProgress(point: CurvePoint): void;
}

export interface TrainerOutcome {
  loss: number;
}

/** One implementation per trainer type (command, simulate, replay). */
export interface TrainerRunner<S extends TrainerSpec = TrainerSpec> {
  readonly type: S['type'];
  run(spec: S, ctx: TrainerContext): Promise<TrainerOutcome>;
}
