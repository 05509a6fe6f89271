import { z } from 'zod';

/** A trainer as a sweep spec or a worker default names it. */
export const commandTrainerSchema = z.object({
  type: z.literal('command'),
  command: z.array(z.string().min(1).max(4096)).min(1).max(256),
  cwd: z.string().max(4096).optional(),
  env: z.record(z.string().max(8192)).optional(),
  /** Seconds before a run is killed and failed. */
  timeoutSeconds: z.number().positive().finite().optional(),
});

/** A known truth: a built-in law name with its published parameters, or a law with parameters. */
export const truthSchema = z.union([
  z.string().min(1).max(64),
  z.object({
    law: z.union([z.string().min(1).max(64), z.object({ expression: z.string().min(1).max(2000), params: z.record(z.tuple([z.number(), z.number()])) })]),
    params: z.record(z.number().finite()),
  }),
]);

export const simulateTrainerSchema = z.object({
  type: z.literal('simulate'),
  truth: truthSchema.default('chinchilla'),
  /** Standard deviation of Gaussian noise on log-loss. */
  noise: z.number().min(0).max(1).default(0.005),
  /** Wall-clock seconds a simulated run takes per unit of cost (demo realism); 0 = instant. */
  secondsPerCost: z.number().min(0).finite().default(0),
  /** Cap on the simulated duration of one run, in seconds. */
  maxSeconds: z.number().min(0).finite().default(5),
});

export const replayTrainerSchema = z.object({
  type: z.literal('replay'),
  /** CSV with one column per variable and a `loss` column. */
  file: z.string().min(1).max(4096),
});

export const trainerSchema = z.discriminatedUnion('type', [commandTrainerSchema, simulateTrainerSchema, replayTrainerSchema]);
export type TrainerSpec = z.infer<typeof trainerSchema>;

/** What a run job carries: ids and the config only, never secrets. */
export const runJobDataSchema = z.object({
  sweepId: z.string().min(1),
  runId: z.string().min(1),
  config: z.record(z.number().finite()),
  cost: z.number().finite().nonnegative(),
  trainer: trainerSchema,
  /** Seed for simulated noise, so a run's simulated loss is reproducible. */
  seed: z.number().int().optional(),
  /** How many workers too small for it handed this run back for a bigger one (set by workers). */
  refusals: z.number().int().nonnegative().optional(),
  /** How many times a worker found the run still being trained (by a worker that lost its lock) and handed it back (set by workers). */
  dirWaits: z.number().int().nonnegative().optional(),
  /** The workers on which an attempt of this run failed, oldest first (set by workers; at most 16 kept). */
  failedOn: z.array(z.string().max(256)).max(16).optional(),
  /** How many times a worker on which it failed handed the run back for another worker (set by workers). */
  avoids: z.number().int().nonnegative().optional(),
});
export type RunJobData = z.infer<typeof runJobDataSchema>;

export const curvePointSchema = z.object({ tokens: z.number().finite().optional(), step: z.number().finite().optional(), loss: z.number().finite() });
export type CurvePoint = z.infer<typeof curvePointSchema>;

/** Progress a worker reports while a run trains (job.updateProgress). */
export const runProgressSchema = z.object({ point: curvePointSchema });
export type RunProgress = z.infer<typeof runProgressSchema>;

/**
 * What a worker reports for a finished run: a done run's result is the run job's return value (one
 * hop: it is stored with the job's completion, atomically); a failed run's result, or any result from
 * a worker that returns something else, is a job on the results queue (job id = run id).
 */
export const runResultSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('done'),
    sweepId: z.string().min(1),
    runId: z.string().min(1),
    loss: z.number().finite().positive(),
    curve: z.array(curvePointSchema).max(100_000).default([]),
    worker: z.string(),
    attempts: z.number().int().positive(),
    durationMs: z.number().nonnegative(),
  }),
  z.object({
    status: z.literal('failed'),
    sweepId: z.string().min(1),
    runId: z.string().min(1),
    reason: z.string().max(20_000),
    curve: z.array(curvePointSchema).max(100_000).default([]),
    worker: z.string(),
    attempts: z.number().int().positive(),
    durationMs: z.number().nonnegative(),
    /** Fraction of the run's cost actually used before it failed (0..1), when known. */
    partialCostFraction: z.number().min(0).max(1).optional(),
  }),
]);
export type RunResult = z.infer<typeof runResultSchema>;

/**
 * The result a completed run job returned, when it returned one (a worker of an older contract
 * returns { loss } and posts its result on the results queue instead: undefined here). A result for
 * another run id than its job's is not this job's result.
 */
export function resultOfRunJob(jobId: string | undefined, returnvalue: unknown): RunResult | undefined {
  if (returnvalue === null || typeof returnvalue !== 'object' || !('status' in returnvalue)) return undefined;
  const parsed = runResultSchema.safeParse(returnvalue);
  return parsed.success && parsed.data.runId === jobId ? parsed.data : undefined;
}

/** A worker's advertisement in the registry. */
export const workerAdvertSchema = z.object({
  id: z.string(),
  pool: z.string(),
  /** Upper limits on config variables this worker can hold, e.g. { N: 1e9 }. */
  capacity: z.record(z.number().positive()),
  concurrency: z.number().int().positive(),
  labels: z.record(z.string()).default({}),
  busy: z.number().int().nonnegative().default(0),
  /**
   * When the worker's last heartbeat reached Redis, in ms by Redis's clock (TIME): the one clock
   * that every worker and planner reads alike, whatever their machines' clocks say. (Workers
   * before this stamped their own Date.now().)
   */
  lastSeen: z.number(),
  /**
   * The worker machine's clock minus Redis's, in ms, as measured at its previous heartbeat (absent
   * until the first one): a diagnostic only, nothing is judged on it.
   */
  clockOffsetMs: z.number().optional(),
  /** True while the worker shuts down: it finishes (or hands back) its runs and takes no new ones. */
  draining: z.boolean().optional(),
});
export type WorkerAdvert = z.infer<typeof workerAdvertSchema>;
