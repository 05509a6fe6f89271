import { z } from 'zod';
import { isPlaceholderSecret, MAKE_A_SECRET, redactRedisUrl, redisUrlPassword } from '@lawsweep/contracts';

/**
 * The planner's configuration, validated once at boot: a bad value stops the service with a
 * message naming the variable. Flags of `lawsweep planner` (--redis, --port, --token, --host)
 * override the environment; this is the only place that reads it (through @nestjs/config).
 */
const port = z.coerce.number({ invalid_type_error: 'must be a port number' }).int('must be an integer').min(0, 'must be a port number from 0 to 65535').max(65535, 'must be a port number from 0 to 65535');
const ms = z.coerce.number().int().positive();

/** Why a webhook URL would fail every POST (fetch refuses it), or undefined when it can be used. */
function notifyUrlProblem(v: string): string | undefined {
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'not http(s)';
  if (url.username || url.password) return 'has credentials';
  return undefined;
}

export const plannerEnvSchema = z.object({
  REDIS_URL: z
    .string()
    .default('redis://127.0.0.1:6379')
    .refine((v) => /^rediss?:\/\/[^\s]+$/.test(v), 'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379')
    .refine((v) => !isPlaceholderSecret(redisUrlPassword(v) ?? ''), `carries a placeholder password that everyone knows: give Redis a password of its own (${MAKE_A_SECRET}) and put it in REDIS_URL`),
  PORT: port.default(3000),
  /**
   * Loopback by default: the API changes state and spends compute, so exposing it is a choice
   * (set HOST=0.0.0.0 in a container, ideally with LAWSWEEP_TOKEN).
   */
  HOST: z.string().min(1).default('127.0.0.1'),
  LAWSWEEP_TOKEN: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || v.length >= 8, 'must be at least 8 characters (or unset to disable auth)')
    .refine((v) => v === undefined || !isPlaceholderSecret(v), `is the example files' placeholder, which everyone knows: set a token of your own (${MAKE_A_SECRET})`),
  /** Prefix of the planner's own keys in Redis (sweeps, runs); BullMQ keys use LAWSWEEP_QUEUE_PREFIX. */
  LAWSWEEP_KEY_PREFIX: z.string().min(1).default('lawsweep:'),
  LAWSWEEP_QUEUE_PREFIX: z.string().min(1).default('bull'),
  /** How often every running sweep is re-planned and reconciled even without new results. */
  LAWSWEEP_TICK_MS: ms.default(5000),
  LAWSWEEP_RECONCILE_MS: ms.default(15_000),
  /** How long a failed or vanished job may wait for its result post before the run is failed. */
  LAWSWEEP_RESULT_GRACE_MS: ms.default(30_000),
  /**
   * TTL of the per-sweep planning lock (renewed every third of it while held). A planner killed
   * while planning leaves its lock behind: the next planner waits up to this long before it may
   * plan that sweep, so it bounds the pause a planner crash causes.
   */
  LAWSWEEP_PLAN_LOCK_MS: ms.default(30_000),
  /**
   * With a token set, also require it on reads (sweeps, runs, fit, /metrics; /health stays open
   * for liveness probes): for planners whose sweep data is not for everyone who can reach them.
   * Prometheus then scrapes with `authorization: { credentials: <token> }`.
   */
  LAWSWEEP_PROTECT_READS: z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''], { errorMap: () => ({ message: "must be 'true' or 'false'" }) })
    .default('false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  /**
   * While runs are in flight, refit a sweep at most once per this many durations of its last fit
   * (10: the refits of a flood of results take at most ~10% of a core; 0: refit on every plan
   * pass). Results keep being recorded and planned on at once; only the fit they are planned with
   * may be a few fit-durations old, and the refit that catches up is scheduled. With nothing in
   * flight the planner always refits, so the final fit and the stop decision see every result.
   */
  LAWSWEEP_REFIT_SPACING: z.coerce.number({ invalid_type_error: 'must be a number' }).min(0, 'must be 0 or more').max(1e6, 'must be at most 1000000').default(10),
  /**
   * How long a completed run job (its return value is the run's result) stays in Redis after a
   * reconcile pass has seen its result recorded; the planner then removes it. Never removed while
   * the planner is down, whatever their number, so no result waiting there is lost.
   */
  LAWSWEEP_KEEP_COMPLETED_MS: ms.default(3_600_000),
  LAWSWEEP_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, "must look like '10mb'").default('10mb'),
  /**
   * A webhook told when a sweep ends (done, failed) or the circuit breaker pauses it: a JSON POST
   * whose `text` Slack- and Mattermost-style incoming webhooks show as the message. Unset: none.
   */
  LAWSWEEP_NOTIFY_URL: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || notifyUrlProblem(v) === undefined, 'must be an http:// or https:// URL without user:password, e.g. https://hooks.slack.com/services/...'),
  /**
   * /metrics stops exporting a sweep's own series (lawsweep_sweep_info, budget, runs, fit, targets)
   * this many hours after it ended (done, cancelled or failed, nothing in flight, counted from its
   * last change), so a long-lived planner does not export every sweep it ever ran; the sweep stays
   * in lawsweep_sweeps{state} and in the API. 0: as soon as it ended.
   */
  LAWSWEEP_METRICS_ENDED_SWEEP_HOURS: z.coerce.number({ invalid_type_error: 'must be a number of hours' }).min(0, 'must be 0 or more').max(1e6, 'must be at most 1000000').default(24),
  /**
   * Above this share of Redis's maxmemory the planner buys no new runs (a `redis-memory` warning on
   * each running sweep) until it is below again: at maxmemory (noeviction) Redis refuses every write,
   * lock renewals included, which stops every trainer within a lock's duration. The headroom left is
   * for the runs in flight to finish and report (a run with a 2,000-point curve: ~150 KB). 1: buy
   * until Redis is full. Nothing is held back where Redis has no maxmemory.
   */
  LAWSWEEP_REDIS_MEMORY_HIGH_WATER: z.coerce.number({ invalid_type_error: 'must be a number between 0 and 1, e.g. 0.9' }).gt(0, 'must be above 0').max(1, 'must be at most 1 (a share of maxmemory, e.g. 0.9)').default(0.9),
});

export type PlannerEnv = z.infer<typeof plannerEnvSchema>;

/**
 * The settings that have no flag, for `lawsweep planner --help`. Typed on the schema's keys, so a new
 * variable without a line here does not compile; the defaults shown come from the schema itself.
 */
export const PLANNER_ENV_HELP: Record<Exclude<keyof PlannerEnv, 'REDIS_URL' | 'PORT' | 'HOST' | 'LAWSWEEP_TOKEN'>, string> = {
  LAWSWEEP_KEY_PREFIX: "prefix of the planner's own Redis keys",
  LAWSWEEP_QUEUE_PREFIX: 'BullMQ key prefix, the same on every worker',
  LAWSWEEP_TICK_MS: 'every running sweep is re-planned this often even without results',
  LAWSWEEP_RECONCILE_MS: 'how often runs in flight are checked against their jobs (missed results recorded, lost runs failed)',
  LAWSWEEP_RESULT_GRACE_MS: "how long a failed or vanished job may wait for its result before its run fails",
  LAWSWEEP_PLAN_LOCK_MS: 'TTL of the per-sweep planning lock; bounds the pause a planner crash causes',
  LAWSWEEP_PROTECT_READS: 'true: the token is required on reads and /metrics too',
  LAWSWEEP_REFIT_SPACING: 'while runs are in flight, refit at most once per this many durations of the last fit; 0 = every pass',
  LAWSWEEP_KEEP_COMPLETED_MS: 'how long completed run jobs stay in Redis (for inspection) once their results are recorded',
  LAWSWEEP_BODY_LIMIT: 'largest request body, e.g. 10mb',
  LAWSWEEP_NOTIFY_URL: 'webhook POSTed (JSON, with a Slack-style text) when a sweep ends or the circuit breaker pauses it',
  LAWSWEEP_METRICS_ENDED_SWEEP_HOURS: "/metrics drops an ended sweep's own series this many hours after it ended (0 = at once)",
  LAWSWEEP_REDIS_MEMORY_HIGH_WATER: "above this share of Redis's maxmemory no new runs are bought (runs in flight finish); 1 = until Redis is full",
};

/** `lawsweep planner --help` lines for the environment-only settings, each with the schema's default. */
export function plannerEnvHelpLines(): string[] {
  const defaults = plannerEnvSchema.parse({}) as Record<string, unknown>;
  const width = Math.max(...Object.keys(PLANNER_ENV_HELP).map((name) => name.length));
  return Object.entries(PLANNER_ENV_HELP).map(([name, text]) => `  ${name.padEnd(width)}  ${text} (default ${String(defaults[name])})`);
}

/** The typed configuration every planner class injects (a class, so it is its own injection token). */
export class PlannerConfig {
  constructor(
    readonly redisUrl: string,
    readonly port: number,
    readonly host: string,
    readonly token: string | undefined,
    readonly keyPrefix: string,
    readonly queuePrefix: string,
    readonly tickMs: number,
    readonly reconcileMs: number,
    readonly resultGraceMs: number,
    readonly bodyLimit: string,
    readonly planLockMs: number = 30_000,
    readonly protectReads: boolean = false,
    readonly refitSpacing: number = 10,
    readonly keepCompletedMs: number = 3_600_000,
    readonly notifyUrl: string | undefined = undefined,
    readonly metricsEndedSweepHours: number = 24,
    readonly redisMemoryHighWater: number = 0.9,
  ) {}

  static fromEnv(env: PlannerEnv): PlannerConfig {
    return new PlannerConfig(
      env.REDIS_URL,
      env.PORT,
      env.HOST,
      env.LAWSWEEP_TOKEN,
      env.LAWSWEEP_KEY_PREFIX,
      env.LAWSWEEP_QUEUE_PREFIX,
      env.LAWSWEEP_TICK_MS,
      env.LAWSWEEP_RECONCILE_MS,
      env.LAWSWEEP_RESULT_GRACE_MS,
      env.LAWSWEEP_BODY_LIMIT,
      env.LAWSWEEP_PLAN_LOCK_MS,
      env.LAWSWEEP_PROTECT_READS,
      env.LAWSWEEP_REFIT_SPACING,
      env.LAWSWEEP_KEEP_COMPLETED_MS,
      env.LAWSWEEP_NOTIFY_URL,
      env.LAWSWEEP_METRICS_ENDED_SWEEP_HOURS,
      env.LAWSWEEP_REDIS_MEMORY_HIGH_WATER,
    );
  }
}

/**
 * What is wrong with one setting's value (the schema's message), or undefined when it is valid: for
 * `lawsweep planner`'s flags, so an error names the flag that was typed, not only its variable.
 */
export function plannerSettingError(name: 'REDIS_URL' | 'PORT' | 'HOST' | 'LAWSWEEP_TOKEN', value: string): string | undefined {
  const result = plannerEnvSchema.shape[name].safeParse(value);
  return result.success ? undefined : result.error.issues.map((i) => i.message).join('; ');
}

/** Validates the environment; throws an Error that names each bad variable and what it must be. */
export function validatePlannerEnv(env: Record<string, unknown>): PlannerEnv {
  const result = plannerEnvSchema.safeParse(env);
  if (result.success && result.data.LAWSWEEP_PROTECT_READS && !result.data.LAWSWEEP_TOKEN) {
    throw new Error('invalid planner configuration:\n  LAWSWEEP_PROTECT_READS: protecting reads needs LAWSWEEP_TOKEN (--token) to be set');
  }
  if (result.success) return result.data;
  // The token and a webhook URL (its path is the credential) are secrets: their length is shown, not their value.
  const secret = (name: string) => name === 'LAWSWEEP_TOKEN' || name === 'LAWSWEEP_NOTIFY_URL';
  const got = (name: string) => {
    const value = env[name];
    if (typeof value !== 'string') return JSON.stringify(value);
    if (secret(name)) return `${value.length} characters`;
    return JSON.stringify(name === 'REDIS_URL' ? redactRedisUrl(value) : value);
  };
  const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message} (got ${got(String(i.path[0]))})`);
  throw new Error(`invalid planner configuration:\n${lines.join('\n')}`);
}
