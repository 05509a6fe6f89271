import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_POOL, isPlaceholderSecret, MAKE_A_SECRET, POOL_NAME_PATTERN, POOL_NAME_RULE, redactRedisUrl, redisUrlPassword } from '@lawsweep/contracts';

/**
 * The worker's configuration, validated once at boot. This is the only file of the worker that
 * reads process.env; everything else receives a WorkerConfig. Options given to bootstrapWorker (or
 * as CLI flags) override the environment variable of the same meaning, and a bad value stops the
 * boot with an error that names the variable (and the flag).
 */
export class WorkerConfig {
  redisUrl!: string;
  /** BullMQ key prefix; must match the planner's (LAWSWEEP_QUEUE_PREFIX, default 'bull'). */
  queuePrefix!: string;
  pool!: string;
  /** Upper limits on config variables, e.g. { N: 1e9 }; variables not named are unlimited. */
  capacity!: Record<string, number>;
  concurrency!: number;
  /** GPU ids, one per concurrent run (CUDA_VISIBLE_DEVICES); empty when the node has none. */
  gpus!: string[];
  labels!: Record<string, string>;
  /** Port of /metrics and /health; 0 = no HTTP server. */
  metricsPort!: number;
  metricsHost!: string;
  /** On shutdown, how long current runs may go on before they are stopped and handed back. */
  graceSeconds!: number;
  id!: string;
  /** Timeout of a command run when its trainer spec names none; 0 = no limit. */
  defaultTimeoutSeconds!: number;
  /** Between SIGTERM and SIGKILL when a trainer is stopped. */
  killGraceSeconds!: number;
  /** Per-run directories (LAWSWEEP_RUN_DIR) live under this one; kept across retries for checkpoints. */
  runRoot!: string;
  /** Keep every run directory (done, failed, cancelled): the worker removes none (RunDirRetention does nothing). */
  keepRunDirs!: boolean;
  /**
   * Hours a run directory that will not be resumed here (its run failed for good, or its job is
   * gone) is kept, for its trainer.log, before the periodic sweep of the run root removes it.
   */
  failedRunDirHours!: number;
  /**
   * GiB the run root's filesystem must have free for a command run to start here; below it (after a
   * retention sweep) the run is handed back for another worker. 0 = no check.
   */
  minFreeDiskGiB!: number;
  /** MiB of a command trainer's output kept in <runDir>/trainer.log per attempt (first and last half); 0 = none. */
  trainerLogMiB!: number;
  heartbeatSeconds!: number;
  cancelPollSeconds!: number;
  /** Base of the jittered exponential retry backoff (runBackoff). */
  retryBaseMs!: number;
  /**
   * BullMQ job lock, renewed while a run is in progress. A run whose lock goes unrenewed this long
   * (Redis unreachable) is stopped (LockFence): this bounds how long a Redis outage a run survives.
   */
  lockSeconds!: number;
  /** Environment the command trainers inherit (PATH, HOME, ...). */
  baseEnv!: Record<string, string>;
}

/** bootstrapWorker / CLI overrides; strings are parsed exactly as the environment variable would be. */
export interface WorkerOptions {
  redisUrl?: string;
  queuePrefix?: string;
  pool?: string;
  capacity?: string | Record<string, number>;
  concurrency?: number | string;
  gpus?: string | string[];
  labels?: string | Record<string, string>;
  metricsPort?: number | string;
  metricsHost?: string;
  graceSeconds?: number | string;
  id?: string;
  defaultTimeoutSeconds?: number | string;
  killGraceSeconds?: number | string;
  runRoot?: string;
  keepRunDirs?: boolean | string;
  failedRunDirHours?: number | string;
  minFreeDiskGiB?: number | string;
  trainerLogMiB?: number | string;
  heartbeatSeconds?: number | string;
  cancelPollSeconds?: number | string;
  retryBaseMs?: number | string;
  lockSeconds?: number | string;
  /** Base environment of trainers; default: the worker's own environment. */
  baseEnv?: Record<string, string>;
}

/** Each option, its environment variable and CLI flag (for error messages and the CLI help). */
/** A setting with a flag, or an environment-only one with its line for `lawsweep worker --help`. */
type WorkerSetting = { env: string; flag: string } | { env: string; flag?: undefined; help: string };

export const WORKER_ENV: Record<Exclude<keyof WorkerOptions, 'baseEnv'>, WorkerSetting> = {
  redisUrl: { env: 'REDIS_URL', flag: '--redis' },
  queuePrefix: { env: 'LAWSWEEP_QUEUE_PREFIX', flag: '--queue-prefix' },
  pool: { env: 'WORKER_POOL', flag: '--pool' },
  capacity: { env: 'WORKER_CAPACITY', flag: '--capacity' },
  concurrency: { env: 'WORKER_CONCURRENCY', flag: '--concurrency' },
  gpus: { env: 'WORKER_GPUS', flag: '--gpus' },
  labels: { env: 'WORKER_LABELS', flag: '--labels' },
  metricsPort: { env: 'WORKER_METRICS_PORT', flag: '--metrics-port' },
  metricsHost: { env: 'WORKER_METRICS_HOST', help: 'interface of /metrics and /health (default 0.0.0.0)' },
  graceSeconds: { env: 'WORKER_GRACE_SECONDS', flag: '--grace' },
  id: { env: 'WORKER_ID', flag: '--id' },
  defaultTimeoutSeconds: { env: 'WORKER_TIMEOUT_SECONDS', flag: '--timeout' },
  killGraceSeconds: { env: 'WORKER_KILL_GRACE_SECONDS', help: 'between SIGTERM and SIGKILL when a trainer is stopped (default 10)' },
  runRoot: { env: 'WORKER_RUN_DIR', flag: '--run-dir' },
  keepRunDirs: { env: 'WORKER_KEEP_RUN_DIRS', flag: '--keep-run-dirs' },
  failedRunDirHours: {
    env: 'WORKER_FAILED_RUN_DIR_HOURS',
    help: "hours a failed run's directory (its trainer.log, checkpoints) is kept for inspection before a sweep of the run root removes it; a run that may still resume here (retried, handed back, lost its lock) keeps its own while its job lives (default 24; 0 = at the next sweep; --keep-run-dirs keeps all)",
  },
  minFreeDiskGiB: {
    env: 'WORKER_MIN_FREE_DISK_GIB',
    help: "GiB the run directory's filesystem must have free to start a command run; below it, after removing expired run directories, the run is handed back for another worker, without using an attempt (default 1: room for trainer.log and a small checkpoint; raise it to what one run writes; 0 = no check)",
  },
  trainerLogMiB: { env: 'WORKER_TRAINER_LOG_MIB', help: "MiB of a trainer's output kept in its run directory's trainer.log per attempt, the first and the last half (default 8; 0 = no trainer.log; otherwise at least 0.0625, i.e. 64 KiB)" },
  heartbeatSeconds: { env: 'WORKER_HEARTBEAT_SECONDS', help: 'how often the registry advert is refreshed (default 5, at most 86400)' },
  cancelPollSeconds: { env: 'WORKER_CANCEL_POLL_SECONDS', help: "how often a running run's sweep is checked for a cancel (default 2, at most 86400)" },
  retryBaseMs: { env: 'WORKER_RETRY_BASE_MS', help: 'base of the jittered exponential retry backoff (default 1000)' },
  lockSeconds: { env: 'WORKER_LOCK_SECONDS', help: "BullMQ job lock, renewed while a run trains. A run whose lock goes this long without a renewal (Redis unreachable) has its trainer stopped and is requeued, to resume from its run directory: the longest Redis outage a run survives. Also how long a crashed worker's runs wait before they are requeued (default 60, at most 86400)" },
};

/** Variables of the worker's own environment that trainers never see. */
export const TRAINER_HIDDEN_ENV = new Set(['REDIS_URL', 'LAWSWEEP_TOKEN', 'REDIS_PASSWORD']);

/** The smallest trainer.log budget: 64 KiB, the first and the last 32 KiB of an attempt. */
const MIN_TRAINER_LOG_MIB = 1 / 16;

const seconds = (min: number) => z.coerce.number({ invalid_type_error: 'must be a number of seconds' }).finite().min(min);

/**
 * A day: the ceiling of the periods the worker runs on timers (heartbeat, cancel poll, job lock).
 * setTimeout/setInterval fire at once for more than 2^31-1 ms (~24.8 days), which would turn a huge
 * value into a busy loop; a period longer than a day is a typo anyway.
 */
const MAX_PERIOD_SECONDS = 86_400;
/** A year: longer than that a failed run's directory is kept for good, which is what WORKER_KEEP_RUN_DIRS says. */
const MAX_RETENTION_HOURS = 8760;

/** A PiB: a larger floor is bytes given for GiB, and would refuse every run. */
const MAX_FREE_DISK_GIB = 1_048_576;

const period = (min: number) => seconds(min).max(MAX_PERIOD_SECONDS, `must be at most ${MAX_PERIOD_SECONDS} seconds (a day)`);

/** "N=1e9,D=1e12" -> { N: 1e9, D: 1e12 } */
const capacitySchema = z.string().transform((raw, ctx) => {
  const out: Record<string, number> = {};
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name, value, extra] = part.split('=');
    const n = Number(value);
    if (!name || value === undefined || extra !== undefined || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name.trim()) || !Number.isFinite(n) || n <= 0) {
      ctx.addIssue({ code: 'custom', message: `'${part}' is not NAME=POSITIVE_NUMBER (expected e.g. N=1e9,D=1e12)` });
      return z.NEVER;
    }
    out[name.trim()] = n;
  }
  return out;
});

/** "gpu=a100,zone=eu" -> { gpu: 'a100', zone: 'eu' } */
const labelsSchema = z.string().transform((raw, ctx) => {
  const out: Record<string, string> = {};
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) {
      ctx.addIssue({ code: 'custom', message: `'${part}' is not KEY=VALUE (expected e.g. gpu=a100,zone=eu)` });
      return z.NEVER;
    }
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
});

const gpusSchema = z.string().transform((raw, ctx) => {
  const ids = raw.split(',').map((p) => p.trim()).filter(Boolean);
  for (const id of ids) {
    if (!/^[A-Za-z0-9:_-]+$/.test(id)) {
      ctx.addIssue({ code: 'custom', message: `'${id}' is not a GPU id (expected e.g. 0,1,2,3 or GPU-UUIDs)` });
      return z.NEVER;
    }
  }
  if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', message: 'lists a GPU twice' });
  return ids;
});

const fields = {
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL')
    .refine((v) => !isPlaceholderSecret(redisUrlPassword(v) ?? ''), `carries a placeholder password that everyone knows: give Redis a password of its own (${MAKE_A_SECRET}) and put it in REDIS_URL`),
  queuePrefix: z.string().regex(/^[A-Za-z0-9_:.-]{1,64}$/, 'must be 1 to 64 letters, digits, _ : . -'),
  pool: z.string().regex(POOL_NAME_PATTERN, POOL_NAME_RULE),
  capacity: capacitySchema,
  concurrency: z.coerce.number({ invalid_type_error: 'must be a whole number' }).int('must be a whole number').min(1).max(1024).optional(),
  gpus: gpusSchema,
  labels: labelsSchema,
  metricsPort: z.coerce.number({ invalid_type_error: 'must be a port number (0 = off)' }).int('must be a port number (0 = off)').min(0, 'must be a port number from 0 (off) to 65535').max(65535, 'must be a port number from 0 (off) to 65535'),
  metricsHost: z.string().min(1),
  graceSeconds: seconds(0),
  id: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be letters, digits, . _ : - (at most 128)'),
  defaultTimeoutSeconds: seconds(0),
  killGraceSeconds: seconds(0.05),
  // Absolute, so that LAWSWEEP_RUN_DIR means the same directory to a trainer started in another cwd.
  runRoot: z.string().min(1).transform((p) => resolve(p)),
  keepRunDirs: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { errorMap: () => ({ message: "must be 'true' or 'false'" }) })
    .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  failedRunDirHours: z.coerce
    .number({ invalid_type_error: 'must be a number of hours (0 = removed at the next sweep)' })
    .finite()
    .min(0, 'must be a number of hours (0 = removed at the next sweep)')
    .max(MAX_RETENTION_HOURS, `must be at most ${MAX_RETENTION_HOURS} hours (a year); to keep every run directory use WORKER_KEEP_RUN_DIRS=true`),
  minFreeDiskGiB: z.coerce
    .number({ invalid_type_error: 'must be a number of GiB (0 = no check)' })
    .finite()
    .min(0, 'must be a number of GiB (0 = no check)')
    .max(MAX_FREE_DISK_GIB, `must be at most ${MAX_FREE_DISK_GIB} GiB (a PiB): it is in GiB, not bytes`),
  // A floor: a budget of a few bytes would write the tail in pieces of a byte or two.
  trainerLogMiB: z.coerce
    .number({ invalid_type_error: 'must be a number of MiB (0 = no trainer.log)' })
    .finite()
    .min(0)
    .refine((mib) => mib === 0 || mib >= MIN_TRAINER_LOG_MIB, `must be 0 (no trainer.log) or at least ${MIN_TRAINER_LOG_MIB} (64 KiB)`),
  heartbeatSeconds: period(0.05),
  cancelPollSeconds: period(0.05),
  retryBaseMs: z.coerce.number({ invalid_type_error: 'must be a number of milliseconds' }).finite().min(0),
  lockSeconds: period(1),
};

function defaults(): Record<keyof typeof fields, string | undefined> {
  return {
    redisUrl: 'redis://127.0.0.1:6379',
    queuePrefix: 'bull',
    pool: DEFAULT_POOL,
    capacity: '',
    concurrency: undefined,
    gpus: '',
    labels: '',
    metricsPort: '0',
    metricsHost: '0.0.0.0',
    graceSeconds: '30',
    id: `${hostname().replace(/[^A-Za-z0-9._:-]/g, '-').slice(0, 64)}-${process.pid}-${randomBytes(3).toString('hex')}`,
    defaultTimeoutSeconds: '0',
    killGraceSeconds: '10',
    runRoot: join(tmpdir(), 'lawsweep-runs'),
    keepRunDirs: 'false',
    failedRunDirHours: '24',
    minFreeDiskGiB: '1',
    trainerLogMiB: '8',
    heartbeatSeconds: '5',
    cancelPollSeconds: '2',
    retryBaseMs: '1000',
    lockSeconds: '60',
  };
}

function asRaw(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'object') return Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`).join(',');
  return String(value);
}

/**
 * Builds the worker's configuration from the environment and explicit options (options win).
 * Throws one Error listing every bad variable, e.g.
 * "WORKER_CAPACITY (--capacity): 'N=abc' is not NAME=POSITIVE_NUMBER (expected e.g. N=1e9,D=1e12)".
 */
export function loadWorkerConfig(options: WorkerOptions = {}, env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const base = defaults();
  const raw: Record<string, string | undefined> = {};
  const problems: string[] = [];
  const out = new WorkerConfig();
  for (const key of Object.keys(fields) as (keyof typeof fields)[]) {
    const { env: name, flag } = WORKER_ENV[key];
    const given = asRaw(options[key]) ?? (env[name] !== undefined && env[name] !== '' ? env[name] : undefined);
    raw[key] = given ?? base[key];
    const parsed = (fields[key] as z.ZodTypeAny).safeParse(raw[key]);
    if (!parsed.success) {
      problems.push(`${name}${flag ? ` (${flag})` : ''}: ${parsed.error.issues.map((i) => i.message).join('; ')} (got '${key === 'redisUrl' ? redactRedisUrl(raw[key] ?? '') : (raw[key] ?? '')}')`);
      continue;
    }
    (out as unknown as Record<string, unknown>)[key] = parsed.data;
  }
  if (problems.length === 0) {
    // One run per GPU: the GPU list fixes the concurrency unless it is given; more runs than GPUs
    // would put two trainings on one device.
    if (out.concurrency === undefined) out.concurrency = out.gpus.length > 0 ? out.gpus.length : 1;
    else if (out.gpus.length > 0 && out.concurrency > out.gpus.length) {
      problems.push(`WORKER_CONCURRENCY (--concurrency): ${out.concurrency} runs at once but WORKER_GPUS (--gpus) lists ${out.gpus.length} GPUs; give at most one run per GPU or drop --concurrency`);
    }
  }
  if (problems.length > 0) throw new Error(`invalid worker configuration:\n  ${problems.join('\n  ')}`);
  // Trainers are user code: they inherit the worker's environment minus the credentials of the
  // lawsweep system itself (a REDIS_URL may carry the Redis password; the API token).
  out.baseEnv = options.baseEnv ?? Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string' && !TRAINER_HIDDEN_ENV.has(e[0])));
  return out;
}
